"""The sys.monitoring back-end (Python >= 3.12, PEP 669): a free tool id, local
start / resume / yield / return events on the user's generators and coroutines
only (gen_watch), global unwind and throw. The steady state of a generator is
written right in the callbacks: its turns are kept as a run (gen_lanes: "A run of
turns"), one gsteps line."""

import sys

from . import core, gen_lanes, state
from .core import frames, OWN, now, safe_repr

# (module-private names for other modules' public ones: the callbacks below bind them once at install)
from .gen_callsites import MISSING as _MISSING, arg_value as _arg_value
from .gen_lanes import (
    INT_LIMIT as _BIG,
    fast_resume as _fast_resume,
    fast_yield as _fast_yield,
    sent_json as _sent,
    sent_at as _sent_at,
    settle as _settle,
    RUN,
    wanted as _want,
    want_code as _want_code,
    on_enter,
    on_leave,
)
from .writer import DROPPED, THREADED, OUT as _OUT, PEND as _PEND, SOFT_QUEUE as _MAXQ, room as _room, unpend as _unpend
from _json import encode_basestring_ascii as _qv

_put = _OUT.append

TOOL = None
RETURNS = {}  # id(code) -> (on_return(frame, value), on_raise(frame, exc)): plain code whose returns are watched


def watch_return(code):
    """Call RETURNS[id(code)] when a frame of ``code`` returns or raises (a greenlet's run function: what it returns
    to a parent waiting in a C switch is seen nowhere else). A local event of that code object only."""
    mon = sys.monitoring
    core.keep_code(code)
    mon.set_local_events(TOOL, code, mon.get_local_events(TOOL, code) | mon.events.PY_RETURN)


def take_tool(ids, name):
    """The first of ``ids`` no one uses, taken for ``name`` (None: all are used)."""
    mon = sys.monitoring
    for tid in ids:
        try:
            if mon.get_tool(tid) is None:
                mon.use_tool_id(tid, name)
                return tid
        except Exception:
            continue
    return None


def install():
    """Take a free tool id and register the callbacks; False if none is free."""
    global TOOL
    mon = sys.monitoring
    # the highest free id: 5 (OPTIMIZER_ID) is the one programs and their tools
    # (debugger 0, coverage 1, profiler 2, then 3, 4) are least likely to ask for
    TOOL = take_tool((5, 4, 3, 2, 1), "coroscope")
    if TOOL is None:
        return False
    E = mon.events
    DISABLE = mon.DISABLE
    _getframe = sys._getframe
    traced = _want
    # Only the exception events are global (they cannot be local). Start, resume,
    # yield and return are switched on per code object, for the user's generators
    # only: a global event makes CPython instrument every code object the program
    # runs, the standard library's too (an asyncio program's start-up: +6 ms for
    # resume/yield/return, +5 ms for PY_START). User code is seen as it is loaded
    # (the script, the import system's get_code: scan_code); a program that makes
    # code some other way (exec, compile) gets the global PY_START (_watch), and
    # so do child processes (runpy runs their main module).
    LOCAL = E.PY_START | E.PY_RESUME | E.PY_YIELD | E.PY_RETURN
    local = mon.set_local_events

    def arm(code):
        local(TOOL, code, LOCAL | mon.get_local_events(TOOL, code))  # (call_events.py's CALL stays on)

    def want(code):
        r = traced.get(id(code))
        if r is None:
            r = _want_code(code, arm)
        return r

    fget = frames.get
    put = _put
    out = _OUT
    maxq = _MAXQ
    pend = _PEND
    threaded = THREADED
    mon_state = state
    big = _BIG
    run = RUN

    # The steady state of a generator driven by the same plain frame (a loop that
    # sends, a for loop) is written right here: the line's parts were made by
    # _fast_resume / _fast_yield on the first pass through each site (lane.fmt),
    # so a switch costs one dict look-up and one f-string (each call into a helper
    # costs as much as a line of this). Keys use the callback's offset, never the
    # frame's f_lasti (on 3.13 it is past the yield during PY_YIELD).
    # The steady-state guard (resumed by the same plain frame, no delegation, no
    # async-generator pass-through, a writer) is the same test as gen_settrace's
    # _trace / _local, written out in each back-end rather than shared: a call to
    # a Python helper costs as much as the guard itself (3.14, this machine: 400k
    # empty callbacks 26 ms; + the frame look-up 58 ms; + the guard and the line
    # parts' look-up 109 ms), and it runs twice per send/yield turn.
    # Each callback runs in the program's thread at its depth: a RecursionError
    # inside one (the program is at its recursion limit) is swallowed, never left
    # to surface from runtime frames ("During handling of the above exception");
    # the program's own next call reaches the limit as plain.
    def start(code, off):
        # PY_START is global when the program can make code (_watch): every code
        # object is asked about once
        try:
            r = traced.get(id(code))
            if r is None:
                r = want(code)
            if not r:
                return DISABLE
            on_enter(_getframe(1), code)
        except RecursionError:
            return None  # (at the limit: see above)

    # PY_RESUME and PY_YIELD are local events, set on wanted code only (want()):
    # their callbacks need not look the code up
    def resume(code, off):
        try:
            frame = _getframe(1)
            info = fget(id(frame))
            if info is not None and info[3] == OWN:
                # steady state: resumed by the same plain frame as last time
                lane = info[0]
                caller = frame.f_back
                if lane.held and caller is not None and id(caller) == lane.cframe and caller.f_code is lane.ccode:
                    # its run is open (held since its last yield, nothing written since: the
                    # rest of the steady-state guard held then and still does): one more
                    # turn if resumed at the same site (gen_lanes: "A run of turns")
                    try:
                        e = lane.gent
                        if caller.f_lasti * 1048576 + off == e[8]:
                            src = e[6]
                            if src is None:
                                v = None
                            else:
                                v = src(e[7], _MISSING) if src is not False else _MISSING
                                if type(v) is not int:
                                    v = _sent_at(caller, e[1]) if v is _MISSING else _sent(v)
                                    lane.grun[3] = True
                            ts = now()
                            try:
                                p = pend.pop()
                            except IndexError:
                                p = None
                            if p is lane:
                                b = lane.grun[0]
                                if len(b) < run:
                                    b.append(ts)
                                    b.append(v)
                                    pend.append(lane)
                                    return None
                            if p is not None:
                                pend.append(p)
                        _settle(lane)  # (its run, and anything held before it, is written first)
                    except RecursionError:
                        return None
                    except Exception as e:
                        core.internal_error("generator resume", e)
                if (
                    caller is not None
                    and id(caller) == lane.cframe
                    and caller.f_code is lane.ccode
                    and not lane.rdepth
                    and not lane.passthru
                    and mon_state.W is not None
                ):
                    try:
                        d = lane.fmt
                        e = d.get(caller.f_lasti * 1048576 + off) if d is not None else None
                        if e is not None:
                            kind, spec, head, pre, post, step = e[:6]
                            if spec is None:
                                v = _MISSING
                            elif type(spec) is str:
                                v = caller.f_locals.get(spec, _MISSING)
                            elif len(spec) == 2:
                                v = _arg_value(caller, spec)
                            else:
                                v = _arg_value(caller, spec[0])
                            lane.last = kind
                            lane.extra = None
                            lane.ysite = None
                            ts = lane.since = now()
                            if lane.held:
                                _settle(lane)
                            elif pend:
                                _unpend()
                            if step is not None and not threaded[0]:
                                # held back (writer.PEND) as the first turn of a run: written
                                # with its yield and the next turns as one gsteps line (not
                                # while program threads run: a held line is then taken off
                                # PEND only by writer.unpend, under writer.HAND)
                                v = v if type(v) is int else _sent(v)
                                lane.grun = [[ts, v], None, -1, spec is not None and type(v) is not int]
                                lane.gent = e
                                lane.held = True
                                pend.append(lane)
                                return None
                            if type(v) is int and -big < v < big:
                                ln = f'{head}{ts}{pre},"value":"{v}"{post}'
                            elif v is _MISSING:
                                ln = f"{head}{ts}{pre}{post}"
                            else:
                                ln = f'{head}{ts}{pre},"value":{_qv(safe_repr(v))}{post}'
                            if len(out) < maxq or _room():
                                put(ln)
                            else:
                                DROPPED[0] += 1
                            return None
                        if _fast_resume(lane, frame, caller, off):
                            return None
                    except RecursionError:
                        return None
                    except Exception as e:
                        core.internal_error("generator resume", e)
            on_enter(frame, code)
        except RecursionError:
            return None  # (at the limit: see above)

    def yld(code, off, val):
        try:
            frame = _getframe(1)
            info = fget(id(frame))
            if info is not None and info[3] == OWN:
                lane = info[0]
                d = lane.fmt
                if lane.held:
                    # its resume is held in its run (nothing was written since): this yield
                    # ends the turn, and the run stays held. Its resumer and where it is in
                    # it are those its resume was checked for: a run's yield is known by
                    # its own offset, after the first (RUN_YO).
                    try:
                        r = lane.grun
                        if off == r[2]:
                            ts = now()
                            try:
                                p = pend.pop()
                            except IndexError:
                                p = None
                            if p is lane:
                                b = r[0]
                                b.append(ts)
                                if type(val) is int:
                                    b.append(val)
                                else:
                                    b.append(_qv(safe_repr(val)))
                                    r[3] = True
                                pend.append(lane)
                                return None
                            if p is not None:
                                pend.append(p)
                        elif r[1] is None and d is not None:
                            caller = frame.f_back
                            if caller is not None and id(caller) == lane.cframe and caller.f_code is lane.ccode:
                                e = d.get(-1 - (caller.f_lasti * 1048576 + off))
                                if e is not None:
                                    ts = now()
                                    try:
                                        p = pend.pop()
                                    except IndexError:
                                        p = None
                                    if p is lane:
                                        b = r[0]
                                        r[1] = e
                                        r[2] = off
                                        b.append(ts)
                                        if type(val) is int:
                                            b.append(val)
                                        else:
                                            b.append(_qv(safe_repr(val)))
                                            r[3] = True
                                        pend.append(lane)
                                        return None
                                    if p is not None:
                                        pend.append(p)
                    except RecursionError:
                        return None
                    except Exception as e:
                        core.internal_error("generator yield", e)
                    _settle(lane)
                if d is not None and lane.ysite is None and not lane.passthru and mon_state.W is not None:
                    caller = frame.f_back
                    if caller is not None and id(caller) == lane.cframe and caller.f_code is lane.ccode:
                        try:
                            e = d.get(-1 - (caller.f_lasti * 1048576 + off))
                            if e is not None and (val is not None or (lane.last != "throw" and lane.last != "close")):
                                if lane.rdepth:
                                    lane.rdepth = 0
                                    lane.rframe = None
                                if type(val) is int and -big < val < big:
                                    ln = f'{e[0]}{now()}{e[1]}"{val}"{e[2]}'
                                else:
                                    ln = f"{e[0]}{now()}{e[1]}{_qv(safe_repr(val))}{e[2]}"
                                if pend:
                                    _unpend()
                                if len(out) < maxq or _room():
                                    put(ln)
                                else:
                                    DROPPED[0] += 1
                                return None
                            if _fast_yield(lane, frame, caller, val, off, True):
                                return None
                        except RecursionError:
                            return None
                        except Exception as e:
                            core.internal_error("generator yield", e)
            on_leave(frame, code, "yield", val)
        except RecursionError:
            return None  # (at the limit: see above)

    rets = RETURNS

    def ret(code, off, val):
        try:
            if not want(code):
                h = rets.get(id(code))
                if h is None:
                    return DISABLE
                h[0](_getframe(1), val)
                return None
            on_leave(_getframe(1), code, "return", val)
        except RecursionError:
            return None

    def unwind(code, off, exc):
        try:
            if traced.get(id(code)):
                on_leave(_getframe(1), code, "raise", exc)
            elif rets:
                h = rets.get(id(code))
                if h is not None:
                    h[1](_getframe(1), exc)
        except RecursionError:
            return None

    def throw(code, off, exc):
        try:
            if traced.get(id(code)):
                on_enter(_getframe(1), code, exc)
        except RecursionError:
            return None

    reg = mon.register_callback
    reg(TOOL, E.PY_START, start)
    reg(TOOL, E.PY_RESUME, resume)
    reg(TOOL, E.PY_YIELD, yld)
    reg(TOOL, E.PY_RETURN, ret)
    reg(TOOL, E.PY_UNWIND, unwind)
    reg(TOOL, E.PY_THROW, throw)
    mon.set_events(TOOL, E.PY_UNWIND | E.PY_THROW)
    gen_lanes.capture = "monitoring"
    return True
