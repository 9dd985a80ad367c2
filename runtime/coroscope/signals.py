"""Wakes caused by a signal: a ``wake`` whose waking call (``byFile``/``byLine``:
the ``event.set()``, ``task.cancel()``, ``q.put()``, ... that ended the wait)
lies in the body of a signal handler the program installed -- with
``signal.signal`` or asyncio's ``loop.add_signal_handler`` -- says
``cause: "signal"`` and names the signal. The handlers are never wrapped (a
wrapper would be a frame in the handler's stack and tracebacks): only their
code's file and line range are kept, and each wake with a known waking call is
looked up there (a dict look-up, and only once a handler exists). Not seen: a
waking call made in a helper the handler calls (its line is not in the
handler's body)."""

import os
import signal as _signal
import sys
from _thread import get_ident

from . import core
from .values import func_code
from .wrappers import like

_HERE = core.HERE + os.sep
_ranges = {}  # file -> [first, last, signal number, code] of each handler's body


def _name(signum):
    try:
        return _signal.Signals(signum).name
    except Exception:
        return "signal %s" % signum


def _last_line(code):
    last = code.co_firstlineno
    todo = [code]
    while todo:
        c = todo.pop()
        for _s, _e, ln in c.co_lines():
            if ln is not None and ln > last:
                last = ln
        for k in c.co_consts:
            if type(k) is type(code):
                todo.append(k)
    return last


# The last line each thread ran in a program's signal handler (3.12+: a local
# sys.monitoring LINE event on the handler's code only; < 3.12: its frames' local trace function), so a time.sleep that raised
# (sleeps.py) can name the handler whose exception ended it: a handler runs between
# the sleep's start and its raise only when it interrupted that sleep
_ran = {}  # thread ident -> (file, line)
_lined = set()  # id() of the handler codes with LINE events on (kept alive by _ranges)


def _line(code, line):
    _ran[get_ident()] = (code.co_filename, line)


def _watch_lines(code):
    from . import call_events

    tool = call_events.TOOL
    if id(code) in _lined:
        return
    if tool is None:
        # < 3.12: the settrace back-end's local tracer of the handler's frames (site_scan.py)
        from . import gen_lanes, gen_settrace

        if gen_lanes.capture == "settrace":
            _lined.add(id(code))
            gen_settrace.line_watch(code, lambda frame: _line(frame.f_code, frame.f_lineno))
        return
    mon = sys.monitoring
    LINE = mon.events.LINE
    if not _lined:
        mon.register_callback(tool, LINE, _line)
    _lined.add(id(code))
    mon.set_local_events(tool, code, mon.get_local_events(tool, code) | LINE)


def handler_ran(forget=False):
    """(file, line) of the last line this thread ran in a program's signal handler since
    the last call, or None (forget: just clear it)."""
    if not _ran:
        return None
    r = _ran.pop(get_ident(), None)
    return None if forget else r


def handler_set(signum, handler):
    """The program installed handler for signum (signal.signal, add_signal_handler)."""
    try:
        code = func_code(handler)
        if code is None or not core.is_user_code(code):
            return
        lst = _ranges.setdefault(code.co_filename, [])
        # a signal gets one handler: an earlier one for the same signal is gone
        lst[:] = [r for r in lst if r[2] != signum]
        lst.append((code.co_firstlineno, _last_line(code), signum, code))
        core.wake_hook = _cause
        _watch_lines(code)
        # (no ordering needed: a handler never runs inside a hook holding a line's time -- sigint.py
        # re-delivers a signal that lands in one -- so its lines cannot come before the hook's)
    except Exception as e:
        core.internal_error("signal handler", e)


def handler_removed(signum):
    for lst in _ranges.values():
        lst[:] = [r for r in lst if r[2] != signum]


def _cause(file, line):
    """The signal(s) whose handler's body holds file:line, else None."""
    lst = _ranges.get(file)
    if not lst:
        return None
    names = [_name(r[2]) for r in lst if r[0] <= line <= r[1]]
    if not names:
        return None
    return "/".join(sorted(set(names)))


def _patch_asyncio(unix_events):
    L = getattr(unix_events, "_UnixSelectorEventLoop", None)
    if L is None or "add_signal_handler" not in L.__dict__:
        return
    o_add, o_remove = L.add_signal_handler, L.remove_signal_handler

    def add_signal_handler(self, sig, callback, *args):
        try:
            r = o_add(self, sig, callback, *args)
        except BaseException as e:
            _hide(e)
            raise
        handler_set(sig, callback)
        return r

    def remove_signal_handler(self, sig):
        try:
            r = o_remove(self, sig)
        except BaseException as e:
            _hide(e)
            raise
        handler_removed(sig)
        return r

    L.add_signal_handler, L.remove_signal_handler = like(add_signal_handler, o_add), like(remove_signal_handler, o_remove)


def _hide(e):
    """Drop the wrapper's own frame, and the runtime's below it (sigint.py's
    signal), from an exception passing through it."""
    try:
        tb = e.__traceback__
        if tb is not None and tb.tb_frame is sys._getframe(1):
            tb = tb.tb_next
            while tb is not None and tb.tb_frame.f_code.co_filename.startswith(_HERE):
                tb = tb.tb_next
            e.__traceback__ = tb
    except Exception:
        pass


def _wrap_signal():
    o_signal = _signal.signal  # (sigint.py's, which keeps SIGINT's handler its own)

    def signal(signalnum, handler):
        try:
            r = o_signal(signalnum, handler)
        except BaseException as e:
            _hide(e)
            raise
        if callable(handler):
            handler_set(signalnum, handler)
        else:
            handler_removed(signalnum)
        return r

    real = o_signal
    while getattr(real, "__wrapped__", None) is not None:
        real = real.__wrapped__
    like(signal, real).__wrapped__ = o_signal
    _signal.signal = signal


def install():
    try:
        _wrap_signal()
        from . import imports

        imports.when_imported("asyncio.unix_events", _patch_asyncio)
    except Exception as e:
        core.internal_error("signals", e)
