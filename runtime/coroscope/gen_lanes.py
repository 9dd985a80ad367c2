"""Generator lifecycle: a user generator's or coroutine's frames as a lane, and
its start / resume / throw / close / yield / return / raise as switches, shared
by both capture back-ends (gen_settrace.py, gen_monitoring.py). The steady-state
resume and yield of a generator driven from its declared site are written
compactly (_fast_resume / _fast_yield: gresume / gyield / gstep lines)."""

import os
import time

from . import core, gen_sites, state, writer
from .core import frames, OWN, DELEGATED, ASYNC, now, safe_repr, exc_repr, is_user_code

# (gen_callsites' public names bound to this module's private ones: the hot paths below read them as its globals)
from .gen_callsites import call_info, MISSING as _MISSING, OPNAME as _OP, YIELD_OPS as _YIELD_OPS, arg_value as _arg_value, co_bytes as _co
from _json import encode_basestring_ascii as _qv

GEN_FLAGS = 0x20 | 0x80 | 0x200  # CO_GENERATOR | CO_COROUTINE | CO_ASYNC_GENERATOR
CO_COROUTINE = 0x80
CO_ASYNC_GENERATOR = 0x200
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
            return
        caller = frame.f_back
        ck = call_info(caller) if caller is not None else ("other", None)
        if ck[0] == "delegate" and not code.co_flags & CO_ASYNC_GENERATOR:
            owner = core.find_info(caller)
            if owner is not None:
                frames[fid] = [owner[0], owner[1] + 1, frame, DELEGATED]
                gen_sites.drop(code)
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
            v = _arg_value(caller, ck[1])
            if v is not _MISSING and v is not None:
                value = safe_repr(v)
        core.switch(frm, lane, "start", value, cfile, cline, code.co_filename, frame.f_lineno)
    except RecursionError:
        pass  # at the program's recursion limit: reporting it would overflow again
    except Exception as e:
        core.internal_error("generator enter", e)


def _caller_lane(lane, caller):
    """The lane of the frame that resumed / was resumed to (cached per caller frame
    when that frame is a plain function, whose lane cannot change while it runs)."""
    if caller is lane.cframe and caller is not None:
        return lane.clane
    ln = core.lane_at(caller)
    if caller is not None and not caller.f_code.co_flags & GEN_FLAGS:
        lane.cframe = caller
        lane.clane = ln
        lane.fmt = None
    return ln


def _resume(lane, frame, code, thrown):
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
            if v is not _MISSING:
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
        if how != "yield":
            del frames[fid]
        if mode == DELEGATED:
            if how == "yield" and lane.ysite is None:
                lane.ysite = (code.co_filename, frame.f_lineno, depth, _qualname(code))
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
                )
            return
        if mode == ASYNC:
            return
        _leave_own(lane, frame, code, how, val)
    except RecursionError:
        pass  # at the program's recursion limit: reporting it would overflow again
    except Exception as e:
        core.internal_error("generator leave", e)


def _leave_own(lane, frame, code, how, val):
    caller = frame.f_back
    to = _caller_lane(lane, caller)
    ys = lane.ysite
    lane.ysite = None
    if ys is not None:
        file, line, depth, fname = ys
    else:
        file, line, depth, fname = code.co_filename, frame.f_lineno, 0, None
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
        if lane.last == "close" and (val is None or isinstance(val, GeneratorExit)):
            core.switch(lane, to, "close", None, file, line, tofile, toline)
            core.end(lane, "killed", "GeneratorExit", file, line)
            return
        v = exc_repr(val) if val is not None else lane.extra if lane.last == "throw" else None
        core.switch(lane, to, "raise", v, file, line, tofile, toline)
        core.end(lane, "exception", v, file, line)


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


def _want_code(code):
    fl = code.co_flags
    r = bool(fl & GEN_FLAGS) and is_user_code(code)
    if r and fl & CO_COROUTINE and ASYNCIO[0] and not FORCE:
        r = False  # driven by asyncio Tasks: aio.py traces the steps
    _want[id(code)] = r
    core.keep_code(code)
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
        if kind != "send" or spec is None:
            spec = None
        elif spec[0] == "fast":
            spec = spec[1]
        else:
            spec = (spec,)
        if _compact(lane, cc):
            # resumed from its declared site's lane and file: a compact line (protocol:
            # gresume), or with its yield as one gstep line (the last part)
            e = (
                kind,
                spec,
                GRESUME,
                ',"task":"%s","line":%d,"toLine":%d' % (lane.id, caller.f_lineno, frame.f_lineno),
                "}\n",
                ',"toLine":%d,"at":%d' % (frame.f_lineno, caller.f_lineno),
            )
        else:
            e = (
                kind,
                spec,
                _HEAD,
                ',"from":"%s","to":"%s","reason":"resume"' % (lane.clane.id, lane.id),
                ',"file":%s,"line":%d,"toFile":%s,"toLine":%d}\n' % (core.qfile(cc.co_filename), caller.f_lineno, core.qfile(code.co_filename), frame.f_lineno),
                None,
            )
        d[key] = e
    kind, spec, head, pre, post, _ = e
    if spec is None:
        val = ""
    else:
        if type(spec) is str:
            v = caller.f_locals.get(spec, _MISSING)
        else:
            v = _arg_value(caller, spec[0])
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
    """A sent value as held with its resume (writer.PEND), when not a small int (kept
    as it is): its JSON string, or "" when unknown. No reference to the program's
    object is kept (it would outlive the step: __del__ timing)."""
    return "" if v is _MISSING else _qv(safe_repr(v))


def _settle(lane):
    """Its held resume was taken by another thread's unpend (the writer thread's
    flush): let that thread write it first (bounded: never hang the program)."""
    if _PEND:
        _unpend()
    for _ in range(1000):
        if not lane.held:
            return
        time.sleep(0)


def _held_line(lane):
    """The gresume line of a held-back resume that another line came before its yield
    (writer.unpend)."""
    e = lane.gent
    v = lane.gval
    if type(v) is int:
        val = ',"value":"%d"' % v
    elif v:
        val = ',"value":' + v
    else:
        val = ""
    return "%s%d%s%s%s" % (e[2], lane.since, e[3], val, e[4])


writer.HELD_LINE[0] = _held_line


def _step_line(lane, ey, val, ts):
    """The gstep line of a held-back resume and its yield (the uncommon values)."""
    sv = lane.gval
    if type(sv) is int:
        sent = ',"sent":"%d"' % sv
    elif sv:
        sent = ',"sent":' + sv
    else:
        sent = ""
    v = '"%d"' % val if type(val) is int and -_BIG < val < _BIG else _qv(safe_repr(val))
    since = lane.since
    return '%s%d,"dur":%d%s%s%s,"value":%s}\n' % (GSTEP, since, ts - since, ey[3], lane.gent[5], sent, v)


_thrown = {}  # id(frame) -> the throw switch waiting for its exception (settrace)


# What the capture back-ends (gen_settrace, gen_monitoring) and frame_locals use of this module, by public names
# (issue 15: no module reads another's private names); the same objects, bound once at import.
wanted = _want  # id(code) -> its frames are lanes (a generator/coroutine of user code)
want_code = _want_code  # decides (and caches in `wanted`) whether a code object's frames are lanes
fast_resume = _fast_resume  # the steady-state resume: one line from the parts cached on the lane
fast_yield = _fast_yield  # the steady-state yield
settle = _settle  # lets another thread's unpend write the lane's held resume first
sent_json = _sent  # a sent value as held with its resume
step_line = _step_line  # the gstep line of a held resume and its yield
pending_throws = _thrown  # id(frame) -> the throw switch waiting for its exception (settrace)
INT_LIMIT = _BIG  # ints within +-INT_LIMIT are written as they are (no safe_repr)
