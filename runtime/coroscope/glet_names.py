"""Greenlets whose run function is unknown when they start: a greenlet of greenlet's own C type made directly
(``type(getcurrent())(f)``: the runtime's subclass, which declares a lane at ``__init__``, is not in the way), or of
a library's subclass. greenlet takes ``run`` off the greenlet as it starts, before the trace hook sees the start,
so such a lane would read ``greenlet``. Its ``task`` line gets its place in the queue at the start (writer.late:
the start switch and all that follows are written after it) and is written once its first frame runs, named after
that frame's function, like every other lane (``f``, with its code's file and line): the next function start in
that greenlet is watched once — 3.12+: the runtime's PY_START callback, switched on globally for that moment;
settrace: the thread's trace function, put back at once. A greenlet whose first frame never comes (a C run
function) is written as ``greenlet`` at its next switch."""

import sys

from . import core, gen_lanes, gen_monitoring, gen_settrace, writer
from .core import now

pending = {}  # id(greenlet) -> (greenlet, lane, place, ts, on_named)
_armed = [None]  # how to take the watch off again


def start_unnamed(g, kind, parent, on_named, current):
    """g starts now (the hook runs in it, before its run function): its lane, written when named.
    on_named(g, lane, code, frame) once its first frame is known (code None: never); current: greenlet.getcurrent."""
    ts = now()
    place = writer.late(ts)
    ln = core.declare_held(kind, parent)
    pending[id(g)] = (g, ln, place, ts, on_named)
    try:
        _arm(g, current)
    except Exception as e:
        core.internal_error("greenlet name", e)
        settle(g)
    return ln


def settle(g, code=None, frame=None):
    """g's lane is named: after ``code`` (its first frame's), else ``greenlet``."""
    e = pending.pop(id(g), None)
    if e is None:
        return
    _disarm()
    _, ln, place, ts, on_named = e
    if code is not None:
        name = getattr(code, "co_qualname", None) or code.co_name
        core.write_held(ln, place, ts, name, None, None, code.co_filename, code.co_firstlineno)
    else:
        core.write_held(ln, place, ts, "greenlet")
    try:
        on_named(g, ln, code, frame)
    except Exception as e:
        core.internal_error("greenlet name", e)


def _arm(g, current):
    _disarm()
    tool = gen_monitoring.TOOL
    if gen_lanes.capture == "monitoring" and tool is not None:
        mon = sys.monitoring
        E = mon.events
        was = mon.get_events(tool)
        prev = mon.register_callback(tool, E.PY_START, None)

        def start(code, off):
            try:
                if current() is g:
                    fr = sys._getframe(1)
                    if fr.f_back is None:
                        settle(g, code, fr)
            except Exception as e:
                core.internal_error("greenlet name", e)
            return prev(code, off) if prev is not None else None

        def off():
            mon.register_callback(tool, E.PY_START, prev)
            if not was & E.PY_START:
                mon.set_events(tool, mon.get_events(tool) & ~E.PY_START)

        mon.register_callback(tool, E.PY_START, start)
        mon.set_events(tool, mon.get_events(tool) | E.PY_START)
        _armed[0] = off
        return
    prev = gen_settrace.real_gettrace()

    def namer(frame, event, arg):
        if event == "call" and frame.f_back is None:
            try:
                if current() is g:
                    settle(g, frame.f_code, frame)  # (puts the thread's trace function back)
                    r = prev(frame, event, arg) if prev is not None else None
                    return r if r is not None else frame.f_trace
            except Exception as e:
                core.internal_error("greenlet name", e)
        return prev(frame, event, arg) if prev is not None else None

    def off():
        gen_settrace.real_settrace(prev)

    gen_settrace.real_settrace(namer)
    _armed[0] = off


def _disarm():
    off = _armed[0]
    if off is not None:
        _armed[0] = None
        try:
            off()
        except Exception as e:
            core.internal_error("greenlet name", e)
