"""A program's signal handlers run as if the runtime were not there.

Python runs a signal handler between bytecodes of whatever frame is executing,
runtime bookkeeping included (a trace callback, the event writer, an asyncio step
wrapper). A handler that raises there (Ctrl+C's KeyboardInterrupt, a SIGALRM
timeout, a SIGTERM's SystemExit) would be taken by the hook's own ``except`` for a
runtime failure and never reach the program, or leave the hook half done. So every
handler the program installs with ``signal.signal`` (``signal.getsignal`` and
``signal.signal``'s return still answer the program's own) is called through this
module's: when the interrupted frame is runtime bookkeeping, the signal is
re-delivered (from a helper thread 2 ms later: ``pthread_kill`` of the main thread,
so a blocking call is interrupted as by the first; ``_thread.interrupt_main()``
for SIGINT) and so reaches the program's code right after the hook returns;
otherwise the program's handler runs at once, and an exception it raises reaches
the interrupted frame with the traceback it has plainly (this frame is no entry of
it). Handlers of the standard library other than SIGINT's (asyncio's
``add_signal_handler`` installs a no-op and reads a wake-up fd, which a re-delivery
would write twice) are installed as they are.
While the runtime finishes the trace after the program ended, Ctrl+C only makes
the process die by SIGINT once the trace is complete.
"""

import _thread
import os
import signal
import sys

from . import core, writer
from .values import func_code
from .wrappers import DELEGATES, like

_SIGINT = signal.SIGINT
_orig_signal = signal.signal
_orig_getsignal = signal.getsignal
# signal number -> the handler the program believes is installed, for the signals whose installed one is _handler
_program = {}
closing = [False]
pending = [False]
ran = [False]  # the program's SIGINT handler ran (a wait that raised then was ended by Ctrl+C: sleeps.py)
_HERE = core.HERE + os.sep
_OUTPUT = _HERE + "output.py"
_STDLIB = os.path.dirname(os.__file__) + os.sep
_kill = getattr(signal, "pthread_kill", None)
# (taken at import, before the program runs: gevent's monkey patching makes _thread.start_new_thread spawn a
# greenlet, which would block signals in the main thread and sleep on the hub)
_start_thread = _thread.start_new_thread
# runtime modules whose frames only wrap the program's own work (the call they
# delegate to may block on the program's behalf: deliver there, don't defer)
_WRAPPERS = tuple(
    _HERE + m
    for m in (
        "threads.py",
        "thread_waits.py",
        "procs.py",
        "proc_ends.py",
        "mp_queues.py",
        "mp_pool.py",
        "boot.py",
        "gev.py",
        "stackless.py",
        "cli.py",
        "imports.py",
        "__main__.py",
        "child.py",
    )
)


def _ours(frame):
    """True if the interrupted point is runtime bookkeeping."""
    f = frame
    innermost = True
    n = 0
    while f is not None and n < 200:
        code = f.f_code
        fn = code.co_filename
        if fn.startswith(_HERE):
            if innermost:
                # a runtime frame itself: bookkeeping (a wrapper's too: its hook calls, its names), unless the
                # thread is blocked there in a call for the program (a contended lock, a print's write to a full
                # pipe, input(): writer.IDLE); a blocking call a wrapper delegates is library code, below
                return _thread.get_ident() not in writer.IDLE
            if fn == _OUTPUT:
                # a print's tap: what it calls in Python is its own bookkeeping (the decoder of the bytes it records,
                # whose exception its `except` would take: a Ctrl+C landing there was lost); its write to the
                # stream is a C call, told by the innermost rule above
                return _thread.get_ident() not in writer.IDLE
            # library code called from a runtime frame: the runtime's own helper
            # (deferred) unless that frame wraps the program's call
            return not fn.startswith(_WRAPPERS) and code not in DELEGATES
        if core.is_user_code(code) and not fn.startswith("<"):
            return False
        # (code compiled from text says nothing by its name: the program's exec'd text, or the standard library's
        # own -- a namedtuple's __new__, a dataclass's __init__, which the runtime calls too (dis.Instruction made
        # in a hook: a Ctrl+C there ran the program's handler inside the hook, whose except took what it raised
        # and the program ran on). Its caller tells: the program's frame, or a runtime frame and its rule)
        innermost = False
        f = f.f_back
        n += 1
    return False


def _handler(signum, frame):
    if closing[0] and signum == _SIGINT:
        pending[0] = True
        return None
    try:
        defer = not closing[0] and _ours(frame)
    except Exception:
        defer = False
    if not defer and signum in _AT:
        defer = _elsewhere(signum)
    elif signum not in _AT and (_glet[0] is not None or _watch_greenlets()):
        if defer:
            _AT[signum] = [_glet[0](), 0]
        elif _is_hub(_glet[0]()):
            # landed while gevent's Hub runs its loop: a few tries for the main greenlet (see _AT)
            _AT[signum] = [None, _AT_TRIES - _HUB_TRIES]
            defer = True
    if defer:
        # re-deliver from another thread a moment later: calling interrupt_main()
        # here would run this handler again at once, from this very frame
        writer.HOLD[0] = True
        try:
            _start_thread(_redeliver, (signum,))
            return None
        except Exception:
            pass
    _AT.pop(signum, None)
    writer.HOLD[0] = False
    if signum == _SIGINT:
        ran[0] = True
    h = _program.get(signum)
    if not callable(h):
        return None
    try:
        return h(signum, frame)
    except BaseException as e:
        # (what it raises reaches the interrupted frame as from a handler called there: this frame, and a
        # runtime wrapper the handler was called through, are no entries of its traceback)
        tb = e.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename.startswith(_HERE):
            tb = tb.tb_next
        e.__traceback__ = tb
        raise


# A re-delivered signal in a greenlet program (greenlet imported: _glet) waits for the
# greenlet it interrupted. Plain, a signal that lands while a greenlet runs the
# program's code is handled there; re-delivered ~2 ms later it could land while
# gevent's Hub ran (its loop checks signals), where gevent prints what the handler
# raised and the greenlet the program expects it in does not get it (a SIGALRM
# raising in a busy main greenlet that yields now and then: 9-19 of 30 in the Hub,
# none plainly). So it is re-delivered again until that greenlet (or, if it was the
# Hub, or is dead, the main greenlet) is the current one; after _AT_TRIES tries (~0.1 s)
# (a greenlet that never runs again) it runs wherever it lands. A signal that first
# lands while the Hub runs its loop gets _HUB_TRIES tries for the main greenlet: the
# Hub runs longer traced (its loop releases the GIL, which the writer thread then
# holds for a flush), so a signal plainly handled in a busy main greenlet landed
# there 0-4 times in 30 (none plainly); a main greenlet that waits in the Hub for the
# signal gets it there, a few ms later than plainly.
_glet = [None]  # greenlet.getcurrent, once the program imported greenlet (_watch_greenlets)
_dead = [None]  # greenlet's own descriptors (a subclass of the program may override the attributes)
_parent = [None]


def _watch_greenlets():
    """True once the program imported greenlet (_glet set)."""
    mod = sys.modules.get("greenlet")
    if mod is None:
        return False
    try:
        _dead[0] = mod.greenlet.dead.__get__
        _parent[0] = mod.greenlet.parent.__get__
        _glet[0] = mod.getcurrent
        return True
    except Exception as e:
        core.internal_error("sigint greenlets", e)
        return False


_AT = {}  # signum -> [the greenlet its first delivery interrupted, tries]
_AT_TRIES = 50
_HUB_TRIES = 5


def _elsewhere(signum):
    """A re-delivered signal landed outside the greenlet it is for (re-deliver once more)."""
    at = _AT[signum]
    at[1] += 1
    if at[1] > _AT_TRIES:
        return False
    cur = _glet[0]()
    want = at[0]
    if want is None or _dead[0](want) or _is_hub(want):
        return _parent[0](cur) is not None  # (the main greenlet: the root one, which has no parent)
    return cur is not want


def _is_hub(g):
    hub = sys.modules.get("gevent.hub")
    t = getattr(hub, "Hub", None) if hub is not None else None
    return t is not None and type(t) is type and isinstance(g, t)


def _redeliver(signum):
    # (this thread takes no signal sent to the process, as the writer's: a plain program has no such thread)
    writer.block_signals()
    writer.real_sleep(0.002)
    if signum == _SIGINT or _kill is None:
        if signum == _SIGINT:
            _thread.interrupt_main()
        else:
            _thread.interrupt_main(signum)  # (3.10+; pthread_kill is there wherever signals other than SIGINT are)
        return
    if _orig_getsignal(signum) is _handler and _MAIN[0] is not None:
        # a signal again (not a flag): a blocking call the main thread entered meanwhile is interrupted as by the first
        _kill(_MAIN[0], signum)


def _wrapped(signalnum, handler):
    """True if the program's handler for signalnum is to be called through _handler."""
    if not callable(handler) or handler is _handler:
        return False
    if signalnum == _SIGINT:
        return _TAKE_SIGINT[0]
    code = func_code(handler)
    # (asyncio's add_signal_handler no-op: a re-delivery would write the loop's wake-up fd twice)
    return code is None or not code.co_filename.startswith(_STDLIB) or "site-packages" in code.co_filename


def _signal(signalnum, handler):
    wrap = _wrapped(signalnum, handler)
    try:
        r = _orig_signal(signalnum, _handler if wrap else handler)
    except BaseException as e:
        core.drop_own_frame(e)  # (a bad signal number, a thread other than the main one: plain Python's traceback)
        raise
    prev = _as_getsignal(_program.get(signalnum)) if r is _handler else r
    if wrap:
        _program[signalnum] = handler
    else:
        _program.pop(signalnum, None)
    return prev


def _getsignal(signalnum):
    try:
        h = _orig_getsignal(signalnum)
    except BaseException as e:
        core.drop_own_frame(e)
        raise
    if h is _handler and signalnum in _program:
        return _as_getsignal(_program[signalnum])
    return h


def _as_getsignal(h):
    conv = getattr(signal, "_int_to_enum", None)
    if conv is not None:
        # as signal.getsignal and signal.signal answer it (asyncio.run compares its handler so; what an audit
        # hook of the program sees on the way is then the same too: the repr of a partial raises events)
        return conv(h, signal.Handlers)
    return h


_TAKE_SIGINT = [False]
_MAIN = [None]


def install(child=False):
    try:
        if _thread.get_ident() != _main_ident():
            return
        # (the OS thread's ident, taken now: after gevent's monkey patching threading's main thread reads the
        # main greenlet's id, and a signal re-delivered to that id reaches no thread: the program hung)
        _MAIN[0] = _thread.get_ident()
        # (a child process started by multiprocessing keeps its SIGINT as it is)
        _TAKE_SIGINT[0] = not child
        cur = _orig_getsignal(_SIGINT)
        if _TAKE_SIGINT[0] and callable(cur):
            _program[_SIGINT] = cur
            _orig_signal(_SIGINT, _handler)
        signal.signal = like(_signal, _orig_signal)
        signal.getsignal = like(_getsignal, _orig_getsignal)
    except Exception as e:
        core.internal_error("sigint", e)


def _main_ident():
    import threading

    return threading.main_thread().ident
