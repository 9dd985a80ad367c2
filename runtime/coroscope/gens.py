"""Generators and coroutines: start/resume/yield/return/raise per frame.

Python 3.12+: sys.monitoring (PEP 669) with a free tool id; non-generator code
objects and library code are DISABLEd after their first event. Older Pythons:
sys.setprofile / threading.setprofile, with the generator-flag check first.

The value sent by ``g.send(v)`` is not visible to either API; it is recovered
from the caller's bytecode when the argument is a plain name or constant
(``c.send(n)``, ``g.send(None)``) and read without side effects; otherwise the
switch carries no value.
"""

import dis  # (imported with the runtime, before the script's folder is on sys.path:
import opcode  # a dis.py or opcode.py beside the script must not replace them; cli._hide)
import os
import sys
from types import CodeType

from . import core, state
from .core import frames, OWN, DELEGATED, ASYNC, now, safe_repr, exc_repr, is_user_code

GEN_FLAGS = 0x20 | 0x80 | 0x200  # CO_GENERATOR | CO_COROUTINE | CO_ASYNC_GENERATOR
CO_COROUTINE = 0x80
CO_ASYNC_GENERATOR = 0x200

aio = None  # the asyncio hook module once asyncio is imported
capture = "settrace"
ASYNCIO = [False]  # asyncio in use: coroutines are driven by Tasks (seen by aio.py, not here)

_OP = opcode.opname
_DELEGATE_OPS = {"SEND", "YIELD_FROM", "SEND_GEN", "CLEANUP_THROW", "GET_YIELD_FROM_ITER"}
_NEXT_OPS = {"FOR_ITER", "FOR_ITER_GEN", "GET_ANEXT", "END_ASYNC_FOR"}
_CALL_OPS = {"CALL", "CALL_FUNCTION", "CALL_METHOD", "CALL_KW", "CALL_FUNCTION_KW", "PRECALL"}
_SKIP_BACK = {"PRECALL", "CACHE", "KW_NAMES", "PUSH_NULL", "EXTENDED_ARG", "NOP"}
_YIELD_OPS = {"YIELD_VALUE"}
_RETURN_OPS = {"RETURN_VALUE", "RETURN_CONST"}

_KNOWN = {"send", "throw", "close", "next", "__next__", "anext", "__anext__", "asend", "athrow"}
_instrs = {}
_callinfo = {}


def _instructions(code):
    r = _instrs.get(id(code))
    if r is None:
        lst = list(dis.get_instructions(code))
        r = (lst, {ins.offset: i for i, ins in enumerate(lst)})
        _instrs[id(code)] = r
        core._code_refs[id(code)] = code
    return r


def _loader(ins):
    op = ins.opname
    if op in ("LOAD_FAST", "LOAD_FAST_CHECK", "LOAD_FAST_BORROW"):
        return ("fast", ins.argval)
    if op in ("LOAD_FAST_LOAD_FAST", "LOAD_FAST_BORROW_LOAD_FAST_BORROW"):
        v = ins.argval
        return ("fast", v[-1] if isinstance(v, tuple) else v)
    if op in ("LOAD_CONST", "LOAD_SMALL_INT"):
        return ("const", ins.argval)
    if op in ("LOAD_GLOBAL", "LOAD_NAME"):
        return ("global", ins.argval)
    if op in ("LOAD_DEREF", "LOAD_CLASSDEREF"):
        return ("fast", ins.argval)
    return None


def _analyze(code, off):
    """How the frame at (code, off) resumed a generator: (kind, argspec)."""
    try:
        lst, idx = _instructions(code)
        i = idx.get(off)
        if i is None:
            return ("other", None)
        ins = lst[i]
        op = ins.opname
        if op in _DELEGATE_OPS:
            return ("delegate", None)
        if op in _NEXT_OPS:
            return ("next", None)
        if op not in _CALL_OPS:
            return ("other", None)
        if op == "PRECALL":
            pass
        argc = ins.arg or 0
        j = i - 1
        while j >= 0 and lst[j].opname in _SKIP_BACK:
            j -= 1
        arg = None
        if argc == 1 and j >= 0:
            arg = _loader(lst[j])
            j -= 1
            while j >= 0 and lst[j].opname in _SKIP_BACK:
                j -= 1
        elif argc > 1:
            return ("throw", None) if _callee_name(lst, j, argc) == "throw" else ("other", None)
        name = lst[j].argval if j >= 0 and argc <= 1 else None
        if isinstance(name, tuple):
            name = name[-1]
        if name not in _KNOWN:
            name = None
            for k in range(i - 1, max(-1, i - 16), -1):
                n2 = lst[k].argval
                if lst[k].opname in ("LOAD_METHOD", "LOAD_ATTR", "LOAD_GLOBAL", "LOAD_NAME") and n2 in _KNOWN:
                    name = n2
                    arg = None
                    break
        if name == "send":
            return ("send", arg)
        if name == "throw":
            return ("throw", arg)
        if name == "close":
            return ("close", None)
        if name in ("next", "__next__", "anext", "__anext__"):
            return ("next", None)
        if name == "asend":
            return ("send", arg)
        return ("other", None)
    except Exception:
        return ("other", None)


def _callee_name(lst, j, argc):
    # skip argc loaders (best effort, only simple loads)
    for _ in range(argc):
        if j < 0 or _loader(lst[j]) is None:
            return None
        j -= 1
        while j >= 0 and lst[j].opname in _SKIP_BACK:
            j -= 1
    return lst[j].argval if j >= 0 else None


_MISSING = object()


def _arg_value(frame, spec):
    kind, name = spec
    if kind == "const":
        return name
    if kind == "fast":
        return frame.f_locals.get(name, _MISSING)
    if kind == "global":
        g = frame.f_globals
        if name in g:
            return g[name]
        b = frame.f_builtins
        return b.get(name, _MISSING) if isinstance(b, dict) else _MISSING
    return _MISSING


def call_info(frame):
    code = frame.f_code
    key = (id(code), frame.f_lasti)
    r = _callinfo.get(key)
    if r is None:
        if len(_callinfo) > 50000:
            _callinfo.clear()
        r = _callinfo[key] = _analyze(code, frame.f_lasti)
    return r


def _kind_of(code):
    fl = code.co_flags
    if fl & CO_COROUTINE:
        return "coroutine"
    if fl & CO_ASYNC_GENERATOR:
        return "async-generator"
    return "generator"


def _qualname(code):
    return getattr(code, "co_qualname", code.co_name)


# --- the two entry points shared by both capture back-ends -----------------


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
                return
        frm = core.lane_at(caller)
        cfile = caller.f_code.co_filename if caller is not None else None
        cline = caller.f_lineno if caller is not None else None
        # (the call that made the generator ran no code of it: what is seen is
        # its first resume, so the site says so)
        lane = core.declare(_kind_of(code), _qualname(code), frm, cfile, cline, code.co_filename, code.co_firstlineno, site="first-run")
        frames[fid] = [lane, 0, frame, OWN]
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


# --- setprofile back-end (Python < 3.12) ----------------------------------

_user = core.user_codes


_cocode = {}  # id(code) -> code.co_code (a new bytes object per access on 3.11)


def _co(code):
    c = _cocode.get(id(code))
    if c is None:
        c = _cocode[id(code)] = code.co_code
        core._code_refs[id(code)] = code
    return c


def _leave_kind(frame, code):
    co = _co(code)
    i = frame.f_lasti
    try:
        op = _OP[co[i]]
    except IndexError:
        return "raise"
    if op in _YIELD_OPS:
        return "yield"
    if op in _RETURN_OPS:
        return "return"
    if op == "YIELD_FROM" or (i + 2 < len(co) and _OP[co[i + 2]] == "YIELD_FROM"):
        return "yield"
    return "raise"


_want = {}  # code -> bool: a generator/coroutine whose frames are lanes
_exc = {}  # id(frame) -> exception seen propagating in a traced frame


def _want_code(code):
    fl = code.co_flags
    r = bool(fl & GEN_FLAGS) and is_user_code(code)
    if r and fl & CO_COROUTINE and ASYNCIO[0] and not FORCE:
        r = False  # driven by asyncio Tasks: aio.py traces the steps
    _want[id(code)] = r
    core._code_refs[id(code)] = code
    return r


def _trace(frame, event, arg):
    """Global trace function: 'call' of every Python frame; returns a local
    tracer (no line events) only for the frames of user generators."""
    code = frame.f_code
    w = _want.get(id(code))
    if w is None:
        w = _want_code(code)
    if not w:
        return None
    thrown = None
    i = frame.f_lasti
    if i >= 0:
        try:
            if _OP[_co(code)[i]] in _YIELD_OPS:
                thrown = True
        except IndexError:
            pass
        if thrown is None:
            # steady state: a lane resumed by the same plain frame as last time
            info = frames.get(id(frame))
            if info is not None and info[3] == OWN:
                lane = info[0]
                caller = frame.f_back
                if caller is lane.cframe and caller is not None and not lane.rdepth and not lane.passthru and state.W is not None:
                    try:
                        if _fast_resume(lane, frame, caller, i):
                            frame.f_trace_lines = False
                            return _local
                    except RecursionError:
                        return None
                    except Exception as e:
                        core.internal_error("generator resume", e)
    on_enter(frame, code, thrown)
    if id(frame) in frames:
        frame.f_trace_lines = False
        return _local
    return None


_HEAD = '{"type":"switch","ts":'
_OUT = core.OUT
_put = core._put
_qv = core._q
_MAXQ = core.SOFT_QUEUE
_room = core.room
_PEND = core.PEND
_unpend = core.unpend


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
        e = d[key] = (
            kind,
            spec,
            ',"from":"%s","to":"%s","reason":"resume"' % (lane.clane.id, lane.id),
            ',"file":%s,"line":%d,"toFile":%s,"toLine":%d}\n' % (core.qfile(cc.co_filename), caller.f_lineno, core.qfile(code.co_filename), frame.f_lineno),
        )
    kind, spec, pre, post = e
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
        _put(_HEAD + str(ts) + pre + val + post)
    else:
        core._dropped[0] += 1
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
        e = lane.fmt[key] = (
            ',"from":"%s","to":"%s","reason":"yield","value":' % (lane.id, lane.clane.id),
            ',"file":%s,"line":%d,"toFile":%s,"toLine":%d}\n' % (core.qfile(code.co_filename), frame.f_lineno, core.qfile(cc.co_filename), caller.f_lineno),
        )
    if arg is None and (lane.last == "throw" or lane.last == "close"):
        return False
    if lane.rdepth:
        lane.rdepth = 0
        lane.rframe = None
    if type(arg) is int and -_BIG < arg < _BIG:
        val = '"' + int.__repr__(arg) + '"'
    else:
        val = _qv(safe_repr(arg))
    if _PEND:
        _unpend()
    if len(_OUT) < _MAXQ or _room():
        _put(_HEAD + str(now()) + e[0] + val + e[1])
    else:
        core._dropped[0] += 1
    return True


_thrown = {}  # id(frame) -> the throw switch waiting for its exception (settrace)


def _throw_seen(frame, exc):
    p = _thrown.pop(id(frame), None)
    if p is None:
        return
    frm, lane, reason, f, l, tf, tl, depth, rframe, ts = p
    v = None
    if exc is not None:
        v = core.exc_repr(exc)
        lane.extra = v
    core.switch(frm, lane, reason, v, f, l, tf, tl, depth, rframe, ts=ts)


def _local(frame, event, arg):
    if _thrown:
        _throw_seen(frame, arg[1] if event == "exception" else None)
    if event == "return":
        info = frames.get(id(frame))
        if info is not None:
            lane = info[0]
            if info[3] == OWN and lane.ysite is None and not lane.passthru and not _exc and lane.fmt is not None and state.W is not None:
                caller = frame.f_back
                if caller is lane.cframe and caller is not None:
                    try:
                        if _fast_yield(lane, frame, caller, arg, frame.f_lasti):
                            return None
                    except RecursionError:
                        return None
                    except Exception as e:
                        core.internal_error("generator yield", e)
            code = frame.f_code
            how = _leave_kind(frame, code)
            if how == "yield" and arg is None:
                lane = info[0]
                if lane.last in ("throw", "close") and frame.f_lasti == lane.rlasti and info[3] == OWN:
                    how = "raise"  # the thrown exception left at the yield it was thrown into
            if _exc:
                e = _exc.pop(id(frame), None)
                if how == "raise" and arg is None and e is not None:
                    arg = e
            on_leave(frame, code, how, arg)
        return None
    if event == "exception":
        try:
            _exc[id(frame)] = arg[1]
        except Exception:
            pass
    return _local


# which loaded user code needs the frame hook (Python < 3.12: a trace hook costs
# every Python call, so it is only installed when the program has user generators,
# or coroutines that no asyncio Task drives)
_hooked = [False]
FORCE = os.environ.get(state.ENV_FRAMES) == "1"


def _nested(code, limit=100_000):
    """code and the code objects nested in it (functions, classes, lambdas,
    comprehensions), at most `limit` of them."""
    todo = [code]
    while todo and limit:
        c = todo.pop()
        limit -= 1
        yield c
        for k in c.co_consts:
            if type(k) is CodeType:
                todo.append(k)


def _scan(code, names):
    need = False
    corou = False
    try:
        for c in _nested(code):
            names.update(c.co_names)
            fl = c.co_flags
            if fl & (0x20 | CO_ASYNC_GENERATOR):
                if core.TRACE_GENEXPR or c.co_name != "<genexpr>":
                    need = True
            elif fl & (CO_COROUTINE | 0x100):
                corou = True
    except Exception:
        need = True
    return need, corou


def scan_code(code):
    """A user module's code was loaded: install the frame hook if it needs one
    (sys.monitoring: watch its generators)."""
    if capture == "monitoring":
        try:
            _watch(code)
        except Exception as e:
            core.internal_error("scan", e)
        return
    if _hooked[0]:
        return
    try:
        names = set()
        need, corou = _scan(code, names)
        if need or (corou and not ("asyncio" in names or ASYNCIO[0])) or not names.isdisjoint(_MAKES_CODE):
            hook_frames()
    except Exception as e:
        core.internal_error("scan", e)


TRACE_PAD = 2


def hook_frames():
    if _hooked[0] or capture == "monitoring":
        return
    _hooked[0] = True
    import threading

    # the trace function runs above every new frame: the limit is raised by its
    # depth (hidden, recursion.pad_recursion), so the program's recursion gets as deep
    from .recursion import pad_recursion

    pad_recursion(TRACE_PAD)
    u = sys.gettrace()  # a tracer the program set before (coverage started early)
    _real_settrace(_trace)
    threading.settrace(_trace)
    _wrap_settrace(threading)
    if u is not None:
        _settrace(u)


# --- the program's own sys.settrace (coverage, bdb, pdb) on the settrace back-end.
# One trace function per thread: the runtime's stays installed and calls the
# program's first (chained), so generator tracing goes on, and sys.gettrace()
# answers what the program set. Threads started later get the program's
# threading.settrace() function the same way.

_real_settrace = sys.settrace
_real_gettrace = sys.gettrace
_utrace = {}  # thread ident -> the program's trace function there
_uthread = [None]  # the program's threading.settrace() function


def _settrace(func):
    from _thread import get_ident

    ident = get_ident()
    if func is _trace:
        # a new thread (threading's hook is the runtime's): the program's own
        # threading.settrace() function comes with it
        func = _uthread[0]
    if func is None:
        _utrace.pop(ident, None)
        _real_settrace(_trace)
    else:
        _utrace[ident] = func
        _real_settrace(_trace_chain)


def rearm():
    """Python turns a thread's trace function off when calling it fails (a
    RecursionError at the program's recursion limit, on the settrace back-end):
    put it back at the next chance (the thread's next print) and say so."""
    if _hooked[0] and capture != "monitoring" and _real_gettrace() is None:
        from _thread import get_ident

        _real_settrace(_trace_chain if get_ident() in _utrace else _trace)
        core.mark(
            "info", "generator tracing was off in this thread for a while (the trace hook failed at the recursion limit); events of that stretch are missing"
        )


def _gettrace():
    from _thread import get_ident

    return _utrace.get(get_ident())


def _wrap_settrace(threading):
    _settrace.__doc__ = _real_settrace.__doc__
    _gettrace.__doc__ = _real_gettrace.__doc__
    _settrace.__name__, _gettrace.__name__ = "settrace", "gettrace"
    _settrace.__qualname__, _gettrace.__qualname__ = "settrace", "gettrace"
    sys.settrace = _settrace
    sys.gettrace = _gettrace

    def settrace(func):
        _uthread[0] = func

    settrace.__doc__ = threading.settrace.__doc__

    def gettrace():
        return _uthread[0]

    threading.settrace = settrace
    if hasattr(threading, "gettrace"):
        gettrace.__doc__ = threading.gettrace.__doc__
        threading.gettrace = gettrace


def _trace_chain(frame, event, arg):
    from _thread import get_ident

    u = _utrace.get(get_ident())
    lu = None
    if u is not None:
        try:
            lu = u(frame, event, arg)
        except BaseException:
            # Python turns tracing off in this thread when a trace function
            # raises: the program's, and with it the runtime's
            _utrace.pop(get_ident(), None)
            core.mark("info", "the program's trace function raised: generators in this thread are not traced from here on")
            raise
    mine = _trace(frame, event, arg)
    if mine is None:
        return lu
    if lu is None:
        return mine
    frame.f_trace_lines = True
    return _both(lu)


def _both(lu):
    """A frame both tracers watch: the runtime's sees return/exception, the
    program's every event, and its answer decides its own next tracer."""

    def local(frame, event, arg):
        nonlocal lu
        if event == "return" or event == "exception":
            _local(frame, event, arg)
        if lu is not None:
            lu = lu(frame, event, arg)
            if lu is None:
                frame.f_trace_lines = False
        return local

    return local


def _patch_loader():
    try:
        from importlib import _bootstrap_external as be

        _patch_get_code(be.SourceLoader)
        # code from a zip (a zipapp's __main__.py, modules in an archive on sys.path)
        _patch_get_code(sys.modules["zipimport"].zipimporter)
    except Exception as e:
        core.internal_error("loader", e)


def _patch_get_code(cls):
    orig = cls.get_code

    def get_code(self, fullname):
        code = orig(self, fullname)
        try:
            if code is not None and (capture == "monitoring" or not _hooked[0]) and core.is_user_file(code.co_filename):
                scan_code(code)
        except Exception:
            pass
        return code

    get_code.__wrapped__ = orig
    get_code.__doc__ = orig.__doc__
    cls.get_code = get_code


# --- sys.monitoring back-end (Python >= 3.12) ------------------------------

TOOL = None
# Names whose use lets a program make code objects no loader hands over
# (exec("def g(): yield"), compile, runpy, types.FunctionType): a program that
# uses one gets a global PY_START, which sees every code object on its first call.
_MAKES_CODE = frozenset(("exec", "eval", "compile", "run_path", "run_module", "interact", "FunctionType", "CodeType"))
_START_EVERYWHERE = [False]


def _watch(code):
    """sys.monitoring: a local PY_START on each user generator and coroutine of
    freshly loaded code (their first start decides the rest: want()); the global
    PY_START when the code can make code."""
    mon = sys.monitoring
    names = set()
    for c in _nested(code):
        names.update(c.co_names)
        if c.co_flags & GEN_FLAGS and id(c) not in _want and is_user_code(c):
            mon.set_local_events(TOOL, c, mon.events.PY_START)
    if not _START_EVERYWHERE[0] and not names.isdisjoint(_MAKES_CODE):
        _start_everywhere()


def _start_everywhere():
    _START_EVERYWHERE[0] = True
    mon = sys.monitoring
    mon.set_events(TOOL, mon.get_events(TOOL) | mon.events.PY_START)


def _install_monitoring(everywhere):
    global TOOL, capture
    mon = sys.monitoring
    # the highest free id: 5 (OPTIMIZER_ID) is the one programs and their tools
    # (debugger 0, coverage 1, profiler 2, then 3, 4) are least likely to ask for
    for tid in (5, 4, 3, 2, 1):
        try:
            if mon.get_tool(tid) is None:
                mon.use_tool_id(tid, "coroscope")
                TOOL = tid
                break
        except Exception:
            continue
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

    def want(code):
        r = traced.get(id(code))
        if r is None:
            r = _want_code(code)
            if r:
                local(TOOL, code, LOCAL)
        return r

    fget = frames.get
    put = _put
    out = _OUT
    maxq = _MAXQ
    pend = _PEND
    mon_core = core
    mon_state = state
    big = _BIG

    # The steady state of a generator driven by the same plain frame (a loop that
    # sends, a for loop) is written right here: the line's parts were made by
    # _fast_resume / _fast_yield on the first pass through each site (lane.fmt),
    # so a switch costs one dict look-up and one f-string (each call into a helper
    # costs as much as a line of this). Keys use the callback's offset, never the
    # frame's f_lasti (on 3.13 it is past the yield during PY_YIELD).
    # Each callback runs in the program's thread at its depth: a RecursionError
    # inside one (the program is at its recursion limit) is swallowed, never left
    # to surface from runtime frames ("During handling of the above exception");
    # the program's own next call reaches the limit as plain.
    def start(code, off):
        try:
            r = traced.get(id(code))
            if r is None:
                r = want(code)
            if not r:
                return DISABLE
            frame = _getframe(1)
            info = fget(id(frame))
            if info is not None and info[3] == OWN:
                # steady state: resumed by the same plain frame as last time
                lane = info[0]
                caller = frame.f_back
                if caller is lane.cframe and caller is not None and not lane.rdepth and not lane.passthru and mon_state.W is not None:
                    try:
                        d = lane.fmt
                        e = d.get(caller.f_lasti * 1048576 + off) if d is not None else None
                        if e is not None:
                            kind, spec, pre, post = e
                            if spec is None:
                                v = _MISSING
                            elif type(spec) is str:
                                v = caller.f_locals.get(spec, _MISSING)
                            else:
                                v = _arg_value(caller, spec[0])
                            lane.last = kind
                            lane.extra = None
                            lane.ysite = None
                            ts = lane.since = now()
                            if type(v) is int and -big < v < big:
                                ln = f'{{"type":"switch","ts":{ts}{pre},"value":"{v}"{post}'
                            elif v is _MISSING:
                                ln = f'{{"type":"switch","ts":{ts}{pre}{post}'
                            else:
                                ln = f'{{"type":"switch","ts":{ts}{pre},"value":{_qv(safe_repr(v))}{post}'
                            if pend:
                                _unpend()
                            if len(out) < maxq or _room():
                                put(ln)
                            else:
                                mon_core._dropped[0] += 1
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
            r = traced.get(id(code))
            if r is None:
                r = want(code)
            if not r:
                return DISABLE
            frame = _getframe(1)
            info = fget(id(frame))
            if info is not None and info[3] == OWN:
                lane = info[0]
                d = lane.fmt
                if d is not None and lane.ysite is None and not lane.passthru and mon_state.W is not None:
                    caller = frame.f_back
                    if caller is lane.cframe and caller is not None:
                        try:
                            e = d.get(-1 - (caller.f_lasti * 1048576 + off))
                            if e is not None and (val is not None or (lane.last != "throw" and lane.last != "close")):
                                if lane.rdepth:
                                    lane.rdepth = 0
                                    lane.rframe = None
                                if type(val) is int and -big < val < big:
                                    ln = f'{{"type":"switch","ts":{now()}{e[0]}"{val}"{e[1]}'
                                else:
                                    ln = f'{{"type":"switch","ts":{now()}{e[0]}{_qv(safe_repr(val))}{e[1]}'
                                if pend:
                                    _unpend()
                                if len(out) < maxq or _room():
                                    put(ln)
                                else:
                                    mon_core._dropped[0] += 1
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

    def ret(code, off, val):
        try:
            if not want(code):
                return DISABLE
            on_leave(_getframe(1), code, "return", val)
        except RecursionError:
            return None

    def unwind(code, off, exc):
        try:
            if traced.get(id(code)):
                on_leave(_getframe(1), code, "raise", exc)
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
    reg(TOOL, E.PY_RESUME, start)
    reg(TOOL, E.PY_YIELD, yld)
    reg(TOOL, E.PY_RETURN, ret)
    reg(TOOL, E.PY_UNWIND, unwind)
    reg(TOOL, E.PY_THROW, throw)
    mon.set_events(TOOL, E.PY_UNWIND | E.PY_THROW)
    capture = "monitoring"
    if everywhere:
        _start_everywhere()
    return True


def install(child=False):
    global capture
    if sys.version_info >= (3, 12) and hasattr(sys, "monitoring"):
        try:
            if _install_monitoring(FORCE or child):
                _patch_loader()
                return capture
        except Exception as e:
            core.internal_error("sys.monitoring", e)
    capture = "settrace"
    if FORCE or child:
        hook_frames()
    else:
        _patch_loader()
    return capture


def uninstall():
    try:
        if TOOL is not None:
            mon = sys.monitoring
            mon.set_events(TOOL, 0)
            # the local events of the user's generators stay set: no callbacks for them
            for ev in (mon.events.PY_START, mon.events.PY_RESUME, mon.events.PY_YIELD, mon.events.PY_RETURN, mon.events.PY_UNWIND, mon.events.PY_THROW):
                mon.register_callback(TOOL, ev, None)
            mon.free_tool_id(TOOL)
        elif _hooked[0]:
            _real_settrace(None)
    except Exception:
        pass
