"""Generator lifecycle: a user generator's or coroutine's frames as a lane, and
its start / resume / throw / close / yield / return / raise as switches, shared
by both capture back-ends (gen_settrace.py, gen_monitoring.py). The steady-state
resume and yield of a generator driven from its declared site are written
compactly (_fast_resume / _fast_yield: gresume / gyield / gstep lines; on 3.12+ a
run of such turns is one gsteps line: _run_text)."""

import os
import sys

from . import core, gen_sites, state, writer
from .core import frames, OWN, DELEGATED, ASYNC, now, safe_repr, exc_repr, is_user_code

# (gen_callsites' public names bound to this module's private ones: the hot paths below read them as its globals)
from .gen_callsites import call_info, MISSING as _MISSING, OPNAME as _OP, YIELD_OPS as _YIELD_OPS, arg_value as _arg_value, co_bytes as _co
from _json import encode_basestring_ascii as _qv

GEN_FLAGS = 0x20 | 0x80 | 0x200  # CO_GENERATOR | CO_COROUTINE | CO_ASYNC_GENERATOR
CO_COROUTINE = 0x80
CO_ASYNC_GENERATOR = 0x200
CO_OPTIMIZED = 0x1
LIVE_LOCALS = sys.version_info >= (3, 13)  # frame.f_locals is a live view (PEP 667)
capture = "settrace"  # the back-end in use (gens.install): "settrace" or "monitoring"
ASYNCIO = [False]  # asyncio in use: coroutines are driven by Tasks (seen by aio.py, not here)
FORCE = os.environ.get(state.ENV_FRAMES) == "1"


def _kind_of(code):
    fl = code.co_flags
    if fl & CO_COROUTINE:
        return "coroutine"
    if fl & CO_ASYNC_GENERATOR:
        return "async-generator"
    return "generator"


def _qualname(code):
    return getattr(code, "co_qualname", code.co_name)


def on_enter(frame, code, thrown=None):
    try:
        fid = id(frame)
        info = frames.get(fid)
        if info is not None:
            mode = info[3]
            if mode == OWN:
                _resume(info[0], frame, code, thrown)
            elif mode == DELEGATED and thrown is not None:
                _thrown_into(info, frame, code, thrown)
            return
        caller = frame.f_back
        ck = call_info(caller) if caller is not None else ("other", None)
        if ck[0] == "delegate" and not code.co_flags & CO_ASYNC_GENERATOR:
            owner = core.find_info(caller)
            if owner is not None:
                frames[fid] = [owner[0], owner[1] + 1, frame, DELEGATED]
                gen_sites.drop(code)
                return
        if ck[0] == "close" or (ck[0] != "throw" and capture == "settrace" and _unstarted(frame, code)):
            # close() of a generator that never started runs none of its code: 3.11 enters its frame only to raise
            # GeneratorExit at the def line (it read: started, raised GeneratorExit); 3.12+ does not enter it. So
            # does its finalizer, when the last reference goes (a function returning with an unstarted generator in
            # a local: it read as a start and a raise by whatever code ran then)
            return
        frm = core.lane_at(caller)
        cfile = caller.f_code.co_filename if caller is not None else None
        cline = caller.f_lineno if caller is not None else None
        # (the call that made the generator ran no code of it: what is seen is
        # its first resume, so the site says so -- unless gen_sites saw the call, 3.12+)
        mk = gen_sites.take(code)
        par, mfile, mline, site = (mk[0], mk[1], mk[2], None) if mk is not None else (frm, cfile, cline, "first-run")
        lane = core.declare(_kind_of(code), _qualname(code), par, mfile, mline, code.co_filename, code.co_firstlineno, site=site)
        frames[fid] = [lane, 0, frame, OWN]
        lane.cfile = mfile  # (a generator's: the file of its declared site, which its compact lines stand on)
        lane.since = now()
        value = None
        if ck[0] == "send" and ck[1] is not None:
            # (a start by send(None) records its None: the program wrote send(None), not next())
            v = _arg_value(caller, ck[1])
            if v is not _MISSING:
                value = safe_repr(v)
        core.switch(frm, lane, "start", value, cfile, cline, code.co_filename, frame.f_lineno)
    except RecursionError:
        pass  # at the program's recursion limit: reporting it would overflow again
    except Exception as e:
        core.internal_error("generator enter", e)


def _unstarted(frame, code):
    """3.11: the frame's 'call' event is at its RETURN_GENERATOR (a generator's first resume is past it, at its
    RESUME): an exception is thrown into a generator that never started."""
    try:
        i = frame.f_lasti
        return i >= 0 and _OP[_co(code)[i]] == "RETURN_GENERATOR"
    except Exception:
        return False


def _caller_lane(lane, caller):
    """The lane of the frame that resumed / was resumed to (cached per caller frame
    when that frame is a plain function, whose lane cannot change while it runs)."""
    if caller is not None and id(caller) == lane.cframe and caller.f_code is lane.ccode:
        return lane.clane
    ln = core.lane_at(caller)
    if caller is not None and not caller.f_code.co_flags & GEN_FLAGS:
        # (the frame by its id and code, never the frame itself: a reference would keep the caller's locals alive
        # after it returns -- a generator it left suspended, and the `finally` that plain Python runs then)
        lane.cframe = id(caller)
        lane.ccode = caller.f_code
        lane.clane = ln
        lane.fmt = None
    return ln


def _thrown_into(info, frame, code, thrown):
    """gen.throw() hands the exception straight to the innermost generator a
    `yield from` delegates to, without resuming the delegators (their frames stay
    linked below it): when that one catches it and yields, no delegator runs, so
    the throw and its yield are only seen here. Kept in _direct (with the frame
    that called throw) so that the delegator's own resume, when the exception or a
    return comes back up to it, does not draw the throw twice."""
    lane = info[0]
    caller = frame.f_back
    while caller is not None:
        up = frames.get(id(caller))
        if up is None or up[0] is not lane:
            break
        caller = caller.f_back
    if caller is None or call_info(caller)[0] != "throw":
        return  # close(): the delegator is closed right after, which is what is drawn
    _resume(lane, frame, code, thrown, caller)
    _direct[id(lane)] = caller


def _resume(lane, frame, code, thrown, caller=None):
    if caller is None:
        caller = frame.f_back
    frm = _caller_lane(lane, caller)
    ck = call_info(caller) if caller is not None else ("other", None)
    kind = ck[0]
    value = None
    if thrown is True:
        # profile back-end: thrown into, exception object unknown
        kind = "close" if kind == "close" else "throw"
        if kind == "throw" and ck[0] == "throw" and ck[1] is not None:
            v = _arg_value(caller, ck[1])
            if v is not _MISSING and not isinstance(v, type):
                # (throw(ValueError), the class: the generator receives ValueError(), seen at its next event)
                value = exc_repr(v)
    elif thrown is not None:
        kind = "close" if isinstance(thrown, GeneratorExit) else "throw"
        value = None if kind == "close" else exc_repr(thrown)
    elif kind in ("send", "throw") and ck[1] is not None:
        v = _arg_value(caller, ck[1])
        if v is not _MISSING:
            value = safe_repr(v) if kind == "send" else (exc_repr(v))
    reason = "throw" if kind == "throw" else "close" if kind == "close" else "resume"
    lane.last = kind
    lane.rlasti = frame.f_lasti
    lane.extra = value if kind == "throw" else None
    lane.ysite = None
    if lane.passthru:
        return
    if _direct and _direct.pop(id(lane), None) is not None:
        return  # the throw it passes on was drawn into its delegated generator (_thrown_into)
    lane.since = now()
    if thrown is True and kind == "throw" and value is None and caller is not None:
        # settrace: the thrown exception is seen by the generator's next event
        # ("exception", right at its yield): the switch is written then, with it
        _thrown[id(frame)] = (
            frm,
            lane,
            reason,
            caller.f_code.co_filename,
            caller.f_lineno,
            code.co_filename,
            frame.f_lineno,
            lane.rdepth,
            lane.rframe,
            lane.since,
        )
        return
    if caller is not None:
        core.switch(frm, lane, reason, value, caller.f_code.co_filename, caller.f_lineno, code.co_filename, frame.f_lineno, lane.rdepth, lane.rframe)
    else:
        core.switch(frm, lane, reason, value, None, None, code.co_filename, frame.f_lineno, lane.rdepth, lane.rframe)


class Raised:
    """An exception seen propagating in a traced frame (settrace's "exception" event), kept until the frame leaves
    by its type and repr only: a frame that catches it goes on with no event, and holding the exception itself kept
    it (its arguments, its traceback's frames and their locals) alive after the program's handler let it go: a
    ``__del__`` or weakref callback ran late, ``sys.getrefcount`` read one more (diff/exception_lifetime.py)."""

    __slots__ = ("type", "text")

    def __init__(self, e):
        self.type = type(e)
        self.text = exc_repr(e)


def on_leave(frame, code, how, val):
    """how: 'yield', 'return' or 'raise' (val = the exception, or None if unknown)."""
    try:
        fid = id(frame)
        info = frames.get(fid)
        if info is None:
            return
        lane, depth, _, mode = info
        if lane.held:
            _settle(lane)  # (its held resume goes first)
        if (
            _direct
            and how == "yield"
            and val is None
            and mode == DELEGATED
            and capture == "settrace"
            and lane.last == "throw"
            and frame.f_lasti == lane.rlasti
            and id(lane) in _direct
        ):
            how = "raise"  # settrace: the exception thrown in straight (_thrown_into) left where it came in, up to the delegator
        if how != "yield":
            del frames[fid]
        if mode == DELEGATED:
            if how == "yield" and lane.ysite is None:
                lane.ysite = (code.co_filename, frame.f_lineno, depth, _qualname(code))
                back = _direct.pop(id(lane), None) if _direct else None
                if back is not None:
                    # thrown into straight (_thrown_into), it yields straight back: no delegator runs
                    _leave_own(lane, frame, code, how, val, back)
            elif how == "return":
                # what a `yield from` / `await`-ed generator returns to its delegator:
                # a switch within the lane, back to the delegator's depth
                caller = frame.f_back
                up = frames.get(id(caller)) if caller is not None else None
                core.switch(
                    lane,
                    lane,
                    "return",
                    safe_repr(val),
                    code.co_filename,
                    frame.f_lineno,
                    caller.f_code.co_filename if caller is not None else None,
                    caller.f_lineno if caller is not None else None,
                    depth - 1,
                    _qualname(caller.f_code) if up is not None and depth > 1 else None,
                    delegate=_qualname(code),
                )
            return
        if mode == ASYNC:
            return
        _leave_own(lane, frame, code, how, val)
    except RecursionError:
        pass  # at the program's recursion limit: reporting it would overflow again
    except Exception as e:
        core.internal_error("generator leave", e)


def _leave_own(lane, frame, code, how, val, caller=None):
    if caller is None:
        caller = frame.f_back
    to = _caller_lane(lane, caller)
    ys = lane.ysite
    lane.ysite = None
    if ys is not None:
        file, line, depth, fname = ys
    else:
        file, line, depth, fname = code.co_filename, frame.f_lineno or core.last_line(frame), 0, None
    tofile = caller.f_code.co_filename if caller is not None else None
    toline = caller.f_lineno if caller is not None else None
    if how == "yield":
        if code.co_flags & CO_ASYNC_GENERATOR:
            # An await inside an async generator passes through the consumer to the
            # loop: not a yield to the consumer. Real yields are wrapped values.
            if type(val).__name__ != "async_generator_wrapped_value":
                lane.passthru = True
                return
            lane.passthru = False
            val = _unwrap(val)
        lane.rdepth = depth
        lane.rframe = fname
        core.switch(lane, to, "yield", safe_repr(val), file, line, tofile, toline, depth, fname)
        return
    lane.passthru = False
    if how == "return":
        v = safe_repr(val)
        core.switch(lane, to, "return", v, file, line, tofile, toline)
        core.end(lane, "return", v, file, line)
    else:
        if lane.last == "close" and (val is None or issubclass(val.type if type(val) is Raised else type(val), GeneratorExit)):
            core.switch(lane, to, "close", None, file, line, tofile, toline)
            core.end(lane, "killed", "GeneratorExit", file, line)
            return
        v = val.text if type(val) is Raised else exc_repr(val) if val is not None else lane.extra if lane.last == "throw" else None
        core.switch(lane, to, "raise", v, file, line, tofile, toline)
        core.end(lane, "exception", v, file, line)


def _close_called(caller, gen):
    """The program calls gen.close() (3.12+, seen by call_events' CALL event): what to record if the close turns out
    to run none of the generator's code. 3.12 and 3.13 close a generator suspended outside any try without resuming
    its frame (no event at all: its end read `unfinished`); 3.11 and 3.14+ run it, and the frame hooks record it."""
    fr = gen.gi_frame if type(gen).__name__ == "generator" else gen.cr_frame
    if fr is None:
        return None
    info = frames.get(id(fr))
    if info is None or info[3] != OWN or info[0].ended:
        return None
    return (gen, info[0], id(fr), core.lane_at(caller), caller.f_code.co_filename, caller.f_lineno, fr.f_code.co_filename, fr.f_lineno)


def _close_returned(tok):
    gen, lane, fid, frm, cfile, cline, gfile, gline = tok
    if lane.ended or (gen.gi_frame if type(gen).__name__ == "generator" else gen.cr_frame) is not None:
        return  # (its frame ran the close: the frame hooks recorded it; or it is still suspended)
    if lane.held:
        _settle(lane)
    info = frames.get(fid)
    if info is not None and info[0] is lane:
        del frames[fid]
    lane.last = "close"
    core.switch(frm, lane, "close", None, cfile, cline, gfile, gline)
    core.switch(lane, frm, "close", None, gfile, gline, cfile, cline)
    core.end(lane, "killed", "GeneratorExit", gfile, gline)


def _unwrap(w):
    try:
        import gc

        r = gc.get_referents(w)
        if len(r) == 1:
            return r[0]
    except Exception:
        pass
    return w


_want = {}  # code -> bool: a generator/coroutine whose frames are lanes


def _want_code(code, arm=None):
    """Whether code's frames are lanes, decided once and published in `wanted`.
    `arm(code)` (sys.monitoring: switch its resume/yield/return events on) runs
    before the decision is published: another thread that finds the code wanted
    goes straight on, and a generator it then runs with the events still off was
    never seen again after its start (all its turns lost, 1 run in ~300 of
    threads_order.py on 3.15)."""
    fl = code.co_flags
    r = bool(fl & GEN_FLAGS) and is_user_code(code)
    if r and fl & CO_COROUTINE and ASYNCIO[0] and not FORCE:
        r = False  # driven by asyncio Tasks: aio.py traces the steps
    core.keep_code(code)
    if r and arm is not None:
        arm(code)
    _want[id(code)] = r
    return r


_HEAD = '{"type":"switch","ts":'
# The steady-state resume and yield of a generator driven from its declared site
# (same lane, same file: a loop that sends, a for loop) are written compactly:
# a quarter of the bytes, which is most of what a switch costs on 3.12+
# (docs/protocol.md "gresume / gyield"). COROSCOPE_COMPACT=0 writes plain
# switch lines (the equivalence test compares the two).
COMPACT = os.environ.get(state.ENV_COMPACT) != "0"
GRESUME = '{"type":"gresume","ts":'
GYIELD = '{"type":"gyield","ts":'
GSTEP = '{"type":"gstep","ts":'


def _compact(lane, caller_code):
    """Its resume and yield at this site are written compactly: from and back to its declared site's lane and file
    (the file and lane a compact line leaves out). One test for both directions (run once per site: lane.fmt)."""
    return COMPACT and lane.parent == lane.clane.id and caller_code.co_filename == lane.cfile


_OUT = writer.OUT
_put = writer.OUT.append
_MAXQ = writer.SOFT_QUEUE
_room = writer.room
_PEND = writer.PEND
_unpend = writer.unpend


_BIG = 1 << 60


def _reader(caller, cc, spec):
    """How a run's turns read the value sent in the caller (gen_monitoring): the
    bound ``get`` of the mapping the name is in and the name; None: no value sent
    is known; False: read it the general way (_sent_at). A module's (or class
    body's) names are its real namespace dict, a function's locals on 3.13+ a live
    view of its frame (PEP 667; 3.12 gives a snapshot: not kept); globals the
    module's dict (a name missing there is looked up again, in the builtins)."""
    if spec is None:
        return None, None
    if type(spec) is str:
        if not cc.co_flags & CO_OPTIMIZED or LIVE_LOCALS:
            return caller.f_locals.get, spec
    elif len(spec) == 2:
        return caller.f_globals.get, spec[1]
    return False, None


def _sent_at(caller, spec):
    """The value sent (a small int as it is, else as _sent), read the general way."""
    if type(spec) is str:
        v = caller.f_locals.get(spec, _MISSING)
    else:
        v = _arg_value(caller, spec if len(spec) == 2 else spec[0])
    return v if type(v) is int else _sent(v)


def _fast_resume(lane, frame, caller, fl, type=type, int=int, str=str, len=len):
    key = caller.f_lasti * 1048576 + fl
    d = lane.fmt
    if d is None:
        d = lane.fmt = {}
    e = d.get(key)
    if e is None:
        kind, spec = call_info(caller)
        if kind in ("throw", "close"):
            return False
        code = frame.f_code
        cc = caller.f_code
        # how the callbacks read the value sent: None (unknown), a local's name, a
        # global's ("global", name) (read there without a call), or (spec,)
        if kind != "send" or spec is None:
            spec = None
        elif spec[0] == "fast":
            spec = spec[1]
        elif spec[0] != "global":
            spec = (spec,)
        if _compact(lane, cc):
            # resumed from its declared site's lane and file: a compact line (protocol:
            # gresume), or a turn of a run (gsteps: the last four parts)
            src, name = _reader(caller, cc, spec)
            e = (
                kind,
                spec,
                GRESUME,
                ',"task":"%s","line":%d,"toLine":%d' % (lane.id, caller.f_lineno, frame.f_lineno),
                "}\n",
                ',"toLine":%d,"at":%d' % (frame.f_lineno, caller.f_lineno),
                src,
                name,
                key,
            )
        else:
            e = (
                kind,
                spec,
                _HEAD,
                ',"from":"%s","to":"%s","reason":"resume"' % (lane.clane.id, lane.id),
                ',"file":%s,"line":%d,"toFile":%s,"toLine":%d}\n' % (core.qfile(cc.co_filename), caller.f_lineno, core.qfile(code.co_filename), frame.f_lineno),
                None,
                None,
                None,
                key,
            )
        d[key] = e
    kind, spec, head, pre, post = e[:5]
    if spec is None:
        val = ""
    else:
        if type(spec) is str:
            v = caller.f_locals.get(spec, _MISSING)
        else:
            v = _arg_value(caller, spec if len(spec) == 2 else spec[0])
        if v is _MISSING:
            val = ""
        elif type(v) is int and -_BIG < v < _BIG:
            val = ',"value":"' + int.__repr__(v) + '"'
        else:
            val = ',"value":' + _qv(safe_repr(v))
    lane.last = kind
    lane.rlasti = fl
    lane.extra = None
    lane.ysite = None
    ts = now()
    lane.since = ts
    if _PEND:
        _unpend()
    if len(_OUT) < _MAXQ or _room():
        _put(head + str(ts) + pre + val + post)
    else:
        writer.DROPPED[0] += 1
    return True


def _fast_yield(lane, frame, caller, arg, fl, known=False, type=type, int=int, str=str, len=len):
    # fl: where the frame left; known: it is a yield (sys.monitoring's PY_YIELD, whose
    # callback gets the yield's own offset as fl: the frame's f_lasti is not it there
    # on 3.13, which points at the RESUME after YIELD_VALUE, so an opcode check on it
    # failed on every yield and sent each one down the slow path).
    key = -1 - (caller.f_lasti * 1048576 + fl)
    e = lane.fmt.get(key)
    if e is None:
        code = frame.f_code
        if code.co_flags & CO_ASYNC_GENERATOR or not known and _OP[_co(code)[fl]] not in _YIELD_OPS:
            return False
        cc = caller.f_code
        if _compact(lane, cc):
            # back to its declared site's lane and file: a compact line (protocol: gyield)
            # (the last part: its half of a gstep line)
            e = (
                GYIELD,
                ',"task":"%s","line":%d,"toLine":%d,"value":' % (lane.id, frame.f_lineno, caller.f_lineno),
                "}\n",
                ',"task":"%s","line":%d' % (lane.id, frame.f_lineno),
            )
        else:
            e = (
                _HEAD,
                ',"from":"%s","to":"%s","reason":"yield","value":' % (lane.id, lane.clane.id),
                ',"file":%s,"line":%d,"toFile":%s,"toLine":%d}\n' % (core.qfile(code.co_filename), frame.f_lineno, core.qfile(cc.co_filename), caller.f_lineno),
                None,
            )
        lane.fmt[key] = e
    if arg is None and (lane.last == "throw" or lane.last == "close"):
        return False
    if lane.rdepth:
        lane.rdepth = 0
        lane.rframe = None
    if lane.held:
        _settle(lane)
    if type(arg) is int and -_BIG < arg < _BIG:
        val = '"' + int.__repr__(arg) + '"'
    else:
        val = _qv(safe_repr(arg))
    if _PEND:
        _unpend()
    if len(_OUT) < _MAXQ or _room():
        _put(e[0] + str(now()) + e[1] + val + e[2])
    else:
        writer.DROPPED[0] += 1
    return True


def _sent(v):
    """A sent value as kept in a run (writer.PEND) when not a small int (kept as it
    is): its JSON string, or None when unknown. No reference to the program's
    object is kept (it would outlive the turn: __del__ timing)."""
    return None if v is _MISSING else _qv(safe_repr(v))


def _settle(lane):
    """Its held run was taken by another thread's unpend (the writer thread's
    flush): let that thread write it first (bounded: never hang the program)."""
    if _PEND:
        _unpend()
    for _ in range(1000):
        if not lane.held:
            return
        writer.real_sleep(0)  # (time.sleep may be gevent's by now: a switch inside this hook)


# A run of turns of one generator driven from its declared site, with nothing else
# written in between, is held back (writer.PEND) and written as one gsteps line
# (protocol: "gsteps"): the ts, sent values and yielded values of a turn are kept
# as Python ints in one list, and formatted in bulk by C (repr of a list) when the
# run is written. Formatting four integers per turn in an f-string was the largest
# cost of a 3.12+ ping-pong (docs/benchmarks.md). A run ends when anything else is
# written (unpend), when the writer thread flushes (every FLUSH_INTERVAL: the live
# view stays current), or at RUN turns (a line stays a few KB).
RUN = 4 * 256  # list entries: 4 per turn
# A lane's run (lane.grun, one slot: a bigger Lane costs every asyncio task) is a list
# (indexed by number in gen_monitoring's callbacks):
# [the turns: ts, sent, ts, value per turn (a resume alone at the end until its yield),
#  its yield's line parts, that yield's instruction offset (both set by its first yield),
#  whether a value is not a small int (_run_text)]
RUN_TURNS, RUN_YE, RUN_YO, RUN_MIX = 0, 1, 2, 3
GSTEPS = '{"type":"gsteps","ts":'
_B53 = 1 << 53  # ints kept as JSON numbers in a run: exact in every JSON reader
_sub = __import__("operator").sub
from _bisect import bisect_right as _bisect_right


def _num(x):
    """An int of a run as JSON: a number when every JSON reader holds it exactly,
    else its text as the plain switch has it (safe_repr: ints are immutable, so
    reading one here, later and in another thread, gives what it gave then)."""
    if -_B53 < x < _B53:
        return int.__repr__(x)
    return '"%d"' % x if -_BIG < x < _BIG else _qv(safe_repr(x))


def _arr(xs):
    """A run's values as a JSON array: ints (_num), JSON strings, None (unknown: null)."""
    return "[" + ",".join([x if type(x) is str else "null" if x is None else _num(x) for x in xs]) + "]"


def _ints(xs):
    """A run's values as a JSON array: the common case of small ints only is one repr, in C."""
    if xs and -_B53 < min(xs) and max(xs) < _B53:
        return repr(xs)
    return _arr(xs)


def _val(x):
    """A value as a gstep / gresume line has it (a JSON string)."""
    if type(x) is not int:
        return x
    return '"%d"' % x if -_BIG < x < _BIG else _qv(safe_repr(x))


def _run_text(lane):
    """The held run's line(s): its complete turns (one gstep line, or one gsteps
    line for several), then a gresume line for a resume still waiting for its yield
    (writer.unpend)."""
    run = lane.grun
    b = run[RUN_TURNS]
    ye = run[RUN_YE]
    r = lane.gent
    nb = len(b)
    n = nb >> 2
    text = ""
    if n == 1:
        sv = b[1]
        sent = "" if sv is None else ',"sent":' + _val(sv)
        text = '%s%d,"dur":%d%s%s%s,"value":%s}\n' % (GSTEP, b[0], b[2] - b[0], ye[3], r[5], sent, _val(b[3]))
    elif n:
        m = 4 * n
        tl = b[0:m:2]
        if run[RUN_MIX]:
            sent = "" if r[1] is None else ',"sent":' + _arr(b[1:m:4])
            vals = _arr(b[3:m:4])
        else:
            sent = "" if r[1] is None else ',"sent":' + _ints(b[1:m:4])
            vals = _ints(b[3:m:4])
        text = '%s%d,"dur":%r%s%s%s,"value":%s}\n' % (GSTEPS, b[0], list(map(_sub, tl[1:], tl[:-1])), ye[3], r[5], sent, vals)
    if nb & 2:
        sv = b[-1]
        val = "" if sv is None else ',"value":' + _val(sv)
        text += "%s%d%s%s%s" % (r[2], b[-2], r[3], val, r[4])
    return text


def _run_texts(lane, cuts):
    """The held run's lines (_run_text), split at each time in cuts that falls inside
    it (writer.CUTS: a collection inside a hook queued lines then, which go between
    the pieces once sorted). A turn whose resume is before a cut and its yield after
    it is written as its gresume line and its gyield line."""
    run = lane.grun
    b = run[RUN_TURNS]
    nb = len(b)
    if nb < 4 or not (b[0] < max(cuts) and min(cuts) < b[nb - 2]):
        return [_run_text(lane)]
    ye = run[RUN_YE]
    tl = b[0::2]
    out = []
    start = 0
    try:
        for c in sorted(cuts):
            i = 2 * _bisect_right(tl, c)  # (the first ts after the cut)
            if i <= start or i >= nb:
                continue
            run[RUN_TURNS] = b[start:i]
            out.append(_run_text(lane))
            start = i
            if i & 2:  # (its yield, after the cut)
                out.append("%s%d%s%s%s" % (ye[0], b[i], ye[1], _val(b[i + 1]), ye[2]))
                start = i + 2
        if start < nb:
            run[RUN_TURNS] = b[start:]
            out.append(_run_text(lane))
    finally:
        run[RUN_TURNS] = b
    return [t for t in out if t]


def _run_events(lane):
    return len(lane.grun[RUN_TURNS]) >> 1


writer.HELD_LINE[0] = _run_text
writer.HELD_LINE[1] = _run_events
writer.HELD_LINE[2] = _run_texts


_thrown = {}  # id(frame) -> the throw switch waiting for its exception (settrace)
_direct = {}  # id(lane) -> the frame that called throw() on a lane thrown into straight at a delegated generator (_thrown_into)


# What the capture back-ends (gen_settrace, gen_monitoring) and frame_locals use of this module, by public names
# (issue 15: no module reads another's private names); the same objects, bound once at import.
wanted = _want  # id(code) -> its frames are lanes (a generator/coroutine of user code)
want_code = _want_code  # decides (and caches in `wanted`) whether a code object's frames are lanes
fast_resume = _fast_resume  # the steady-state resume: one line from the parts cached on the lane
fast_yield = _fast_yield  # the steady-state yield
settle = _settle  # lets another thread's unpend write the lane's held resume first
sent_json = _sent  # a sent value as kept in a run (when not a small int)
sent_at = _sent_at  # the value a resume sent, read from the caller's frame (a small int as it is, else as sent_json)
close_called = _close_called  # gen.close() called: what to record if it runs none of the generator (3.12/3.13)
close_returned = _close_returned  # that close() returned: record it when nothing else did
pending_throws = _thrown  # id(frame) -> the throw switch waiting for its exception (settrace)
INT_LIMIT = _BIG  # ints within +-INT_LIMIT are written as they are (no safe_repr)
