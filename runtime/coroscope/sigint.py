"""Ctrl+C as if the runtime were not there.

SIGINT's Python-level handler runs between bytecodes of whatever frame is
executing, so a KeyboardInterrupt could otherwise surface inside a runtime hook
(a trace callback, the event writer, an asyncio step wrapper), be reported from
runtime code, or even switch tracing off. The runtime installs its own SIGINT
handler (``signal.signal``/``signal.getsignal`` are wrapped so the program still
sees and sets its own handler, e.g. asyncio.run's): when the interrupted frame is
runtime bookkeeping, the signal is re-delivered (``_thread.interrupt_main()`` from a helper thread
2 ms later)
and so reaches the program's own code right after the hook returns; otherwise
the program's handler (by default ``signal.default_int_handler``) runs at once.
While the runtime finishes the trace after the program ended, Ctrl+C only makes
the process die by SIGINT once the trace is complete.
"""

import _thread
import os
import signal
import time

from . import core, writer
from .wrappers import like

_SIGINT = signal.SIGINT
_orig_signal = signal.signal
_orig_getsignal = signal.getsignal
_program = [signal.default_int_handler]  # the handler the program believes is installed
closing = [False]
pending = [False]
ran = [False]  # the program's SIGINT handler ran (a wait that raised then was ended by Ctrl+C: sleeps.py)
_HERE = core.HERE + os.sep
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
                return not fn.startswith(_WRAPPERS)
            # library code called from a runtime frame: the runtime's own helper
            # (deferred) unless that frame wraps the program's call
            return not fn.startswith(_WRAPPERS) and code.co_name not in ("_run", "run_forever", "put", "get", "write", "writelines")
        if core.is_user_code(code):
            return False
        innermost = False
        f = f.f_back
        n += 1
    return False


def _handler(signum, frame):
    if closing[0]:
        pending[0] = True
        return None
    try:
        defer = _ours(frame)
    except Exception:
        defer = False
    if defer:
        # re-deliver from another thread a moment later: calling interrupt_main()
        # here would run this handler again at once, from this very frame
        writer.HOLD[0] = True
        try:
            _thread.start_new_thread(_redeliver, ())
        except Exception:
            return _call_program(signum, frame)
        return None
    return _call_program(signum, frame)


def _redeliver():
    time.sleep(0.002)
    _thread.interrupt_main()


def _call_program(signum, frame):
    writer.HOLD[0] = False
    ran[0] = True
    h = _program[0]
    if callable(h):
        return h(signum, frame)
    return None


def _signal(signalnum, handler):
    if signalnum == _SIGINT and callable(handler) and handler is not _handler:
        prev = _getsignal(signalnum)
        _orig_signal(signalnum, _handler)
        _program[0] = handler
        return prev
    if signalnum == _SIGINT:
        prev = _getsignal(signalnum)
        r = _orig_signal(signalnum, handler)
        _program[0] = handler
        return prev if r is _handler else r
    return _orig_signal(signalnum, handler)


def _getsignal(signalnum):
    h = _orig_getsignal(signalnum)
    if signalnum == _SIGINT and h is _handler:
        h = _program[0]
        conv = getattr(signal, "_int_to_enum", None)
        if conv is not None:
            # as signal.getsignal answers it (asyncio.run compares its handler so; what an audit
            # hook of the program sees on the way is then the same too)
            return conv(h, signal.Handlers)
    return h


def install():
    try:
        if _thread.get_ident() != _main_ident():
            return
        cur = _orig_getsignal(_SIGINT)
        if not callable(cur) or cur is _handler:
            return  # ignored / default action: nothing raises in Python code
        _program[0] = cur
        _orig_signal(_SIGINT, _handler)
        signal.signal = like(_signal, _orig_signal)
        signal.getsignal = like(_getsignal, _orig_getsignal)
    except Exception as e:
        core.internal_error("sigint", e)


def _main_ident():
    import threading

    return threading.main_thread().ident
