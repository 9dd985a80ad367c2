"""``time.sleep`` call sites on the settrace back-end (Python < 3.12, no CALL event).

Each user code object is read once, from its bytecode (no user code runs), for the
instructions that may call ``time.sleep``: ``time.sleep(...)`` through any global
name (``import time as t``), ``sleep(...)`` (``from time import sleep``, or an alias
of it bound in a scanned module). A stack-depth walk pairs the load of the callable
with the call instruction that consumes it (nested calls and conditional arguments
sit above it). gen_settrace's call hook gives the frames of such code a local
tracer (``tracer_for``): on a site's line it turns on opcode events for that frame;
at the call's offset it resolves the name by exact dict reads of the frame's
namespaces (the callable must be the real ``time.sleep``, read from the real
``time`` module) and writes the ``block`` through sleeps.py, and the frame's next
event (the instruction after the call, or the exception that left it) writes the
``wake``. Frames of every other code pay nothing new.

Not seen: a sleep reached through an attribute of an object, a local variable,
another module's alias, ``exec`` of text; when the seconds are an expression (not a
constant or a plain name holding an int/float) the block has no detail."""

import dis
import sys

from . import core
from .core import frames

# Global names that may hold the time module / time.sleep, from the imports of the
# modules scanned so far (``import time as t``, ``from time import sleep as nap``):
# ``asyncio.sleep`` or ``from asyncio import sleep`` is no site.
_TIME_NAMES = {"time"}
_SLEEP_NAMES = set()
_WATCH = {"time"}  # any of these among a code's names: it is read (might_sleep)
_LOAD_NAME_OPS = {"LOAD_GLOBAL": "global", "LOAD_NAME": "name"}
_LOAD_LOCAL_OPS = {"LOAD_FAST": "fast", "LOAD_DEREF": "fast"}
_ATTR_OPS = {"LOAD_ATTR", "LOAD_METHOD"}
_TERMINAL = {
    "RETURN_VALUE",
    "RETURN_CONST",
    "RAISE_VARARGS",
    "RERAISE",
    "JUMP_FORWARD",
    "JUMP_BACKWARD",
    "JUMP_ABSOLUTE",
    "JUMP_BACKWARD_NO_INTERRUPT",
    "JUMP",
}
_JUMPS = set(dis.hasjrel) | set(dis.hasjabs)
_PY312 = sys.version_info >= (3, 12)  # (the settrace back-end there only when sys.monitoring is taken)
_MISSING = object()
UNKNOWN = object()  # seconds not readable without evaluating an expression

_time = sys.modules.get("time")
_SLEEP = getattr(_time, "sleep", None)
_TIME_DICT = getattr(_time, "__dict__", {})

# gevent's compiled primitives (gev.py, < 3.12): (id(type), method) -> note(frame, obj), for the
# program's `q.put(...)`, `ev.set()`, `sem.release()` call sites on a receiver held by a plain name
_recv = {}
_recv_types = []  # (kept alive: their ids stay theirs)
_gevent_files = set()  # co_filename of the program's modules that import gevent
RECV_METHODS = frozenset(("put", "put_nowait", "get", "get_nowait", "set", "set_exception", "_set", "release", "kill"))

_pending = {}  # id(frame) -> a watched sleep of that frame is in progress
owned = set()  # id(frame): its opcode events were turned on here (for a site's line; gen_settrace._both reads it)


class Sites:
    """What the call hook keeps per code object with sleep sites (or a signal
    handler's code, whose lines signals.py wants)."""

    __slots__ = ("lines", "calls", "gen", "on_line", "tracer")

    def __init__(self, lines, calls):
        self.lines = lines  # line numbers of the sites (from the callable's load to its call)
        self.calls = calls  # call offset -> (kind, name, attr, argspec)
        self.gen = False  # its frames are also generator lanes (gen_settrace)
        self.on_line = None  # signals.py: called with the frame on each line
        self.tracer = None


def _lineof(ins, cur):
    p = getattr(ins, "positions", None)
    if p is not None and p.lineno is not None:
        return p.lineno
    return ins.starts_line if ins.starts_line is not None else cur


def _depths(code, instrs):
    """The stack depth before each instruction (None where not reached by a
    straight walk): jumps and exception handlers carry their depth forward."""
    at = {}
    for e in getattr(dis.Bytecode(code), "exception_entries", ()):
        at[e.target] = e.depth + (1 if e.lasti else 0) + 1
    out = []
    d = 0
    for ins in instrs:
        if d is None:
            d = at.get(ins.offset)
        out.append(d)
        if d is None:
            continue
        op = ins.opcode
        arg = ins.arg if op >= dis.HAVE_ARGUMENT else None
        if op in _JUMPS and type(ins.argval) is int:
            at.setdefault(ins.argval, d + dis.stack_effect(op, arg, jump=True))
        d = None if ins.opname in _TERMINAL else d + dis.stack_effect(op, arg, jump=False)
    return out


def _argspec(ins):
    op = ins.opname
    if op in ("LOAD_CONST",):
        return ("const", ins.argval)
    if op in ("LOAD_FAST", "LOAD_DEREF", "LOAD_CLASSDEREF"):
        return ("fast", ins.argval)
    if op == "LOAD_GLOBAL":
        return ("global", ins.argval)
    if op == "LOAD_NAME":
        return ("name", ins.argval)
    return None


def _call_of(instrs, depths, k, D):
    """Index of the instruction that calls the callable loaded by instrs[k] (the
    stack is D deep after it), or None."""
    for j in range(k + 1, len(instrs)):
        d = depths[j]
        if d is None or d < D:
            return None
        ins = instrs[j]
        op = ins.opname
        if op == "CALL" and d == (D + ins.arg if _PY312 else D):
            return j  # (3.11: PRECALL n left the callable, and its NULL/self, on top)
        if op in ("CALL_FUNCTION", "CALL_METHOD") and d == D + ins.arg:
            return j
        if op == "CALL_FUNCTION_KW" and d == D + ins.arg + 1:
            return j
        if op == "CALL_FUNCTION_EX" and d == D + 1 + (ins.arg & 1):
            return j
    return None


def _aliases(instrs):
    """``import time as t``: t may hold the time module; ``from time import
    sleep as nap``: nap may hold time.sleep."""
    n = len(instrs)
    for k, ins in enumerate(instrs):
        if ins.opname == "IMPORT_NAME" and ins.argval == "time" and k + 1 < n:
            nxt = instrs[k + 1]
            if nxt.opname in ("STORE_NAME", "STORE_GLOBAL"):
                _TIME_NAMES.add(nxt.argval)
                continue
            for j in range(k + 1, min(k + 40, n - 1)):
                a = instrs[j]
                if a.opname == "IMPORT_FROM" and a.argval == "sleep" and instrs[j + 1].opname in ("STORE_NAME", "STORE_GLOBAL"):
                    _SLEEP_NAMES.add(instrs[j + 1].argval)
                elif a.opname not in ("IMPORT_FROM", "STORE_NAME", "STORE_GLOBAL", "POP_TOP"):
                    break
    _WATCH.update(_TIME_NAMES, _SLEEP_NAMES)


def watch_method(cls, name, note):
    """gev.py (< 3.12): note(frame, obj) when the program's code calls obj.name(...)
    on a plain name holding an object of exactly this type."""
    _recv_types.append(cls)
    _recv[(id(cls), name)] = note


def _gevent_code(names):
    for n in names:
        if n.startswith("gevent"):
            return True
    return False


def might_sleep(code):
    """Cheap first look: could this code call time.sleep (or a watched gevent method)?"""
    names = code.co_names
    return not _WATCH.isdisjoint(names) or (not RECV_METHODS.isdisjoint(names) and (code.co_filename in _gevent_files or _gevent_code(names)))


def sites_of(code):
    """The code's sleep sites (a Sites), or None."""
    try:
        if not might_sleep(code):
            return None
        instrs = list(dis.get_instructions(code))
        if "IMPORT_NAME" in {i.opname for i in instrs}:
            _aliases(instrs)
        depths = _depths(code, instrs)
        lines = set()
        calls = {}
        line = code.co_firstlineno
        lineat = []
        for ins in instrs:
            line = _lineof(ins, line)
            lineat.append(line)
        n = len(instrs)
        # gevent receivers in the files of modules that import gevent (a module's code is
        # read at its first call, before its `import gevent` ran: its names say it)
        if _gevent_code(code.co_names):
            _gevent_files.add(code.co_filename)
        recv = code.co_filename in _gevent_files
        for k, ins in enumerate(instrs):
            kind = _LOAD_NAME_OPS.get(ins.opname)
            if kind is None and recv:
                kind = _LOAD_LOCAL_OPS.get(ins.opname)
            if kind is None or depths[k] is None:
                continue
            name = ins.argval
            end = k
            attr = None
            if recv and k + 1 < n and instrs[k + 1].opname in _ATTR_OPS and instrs[k + 1].argval in RECV_METHODS:
                end = k + 1
                op = instrs[end].opcode
                D = depths[end] + dis.stack_effect(op, instrs[end].arg)
                j = _call_of(instrs, depths, end, D)
                if j is not None:
                    calls[instrs[j].offset] = ("recv", kind, name, instrs[end].argval)
                    lines.update(lineat[k : j + 1])
                continue
            if kind == "fast":
                continue
            if name in _TIME_NAMES and k + 1 < n and instrs[k + 1].opname in _ATTR_OPS and instrs[k + 1].argval == "sleep":
                end = k + 1
                attr = "sleep"
            elif name not in _SLEEP_NAMES:
                continue
            if depths[end] is None:
                continue
            op = instrs[end].opcode
            D = depths[end] + dis.stack_effect(op, instrs[end].arg if op >= dis.HAVE_ARGUMENT else None)
            j = _call_of(instrs, depths, end, D)
            if j is None:
                continue
            between = [i for i in instrs[end + 1 : j] if i.opname not in ("PRECALL", "KW_NAMES", "EXTENDED_ARG")]
            spec = _argspec(between[0]) if len(between) == 1 and instrs[j].opname != "CALL_FUNCTION_EX" else None
            calls[instrs[j].offset] = ("sleep", kind, name, (attr, spec))
            lines.update(lineat[k : j + 1])
        if not calls:
            return None
        core.keep_code(code)
        return Sites(frozenset(lines), calls)
    except Exception as e:
        core.internal_error("sleep sites", e)
        return None


def watched(names):
    """names (of a module and its nested code) may load the time module or time.sleep,
    or call a gevent primitive's method."""
    return ("sleep" in names and not _WATCH.isdisjoint(names)) or (_gevent_code(names) and not RECV_METHODS.isdisjoint(names))


def any_sites(code):
    """Does code, or code nested in it, call time.sleep (gen_watch: the call hook is needed)?"""
    todo = [code]
    while todo:
        c = todo.pop()
        if might_sleep(c) and sites_of(c) is not None:
            return True
        todo.extend(k for k in c.co_consts if type(k) is type(code))
    return False


# --- at run time -----------------------------------------------------------------


def _lookup(frame, kind, name):
    if kind == "fast":
        loc = frame.f_locals
        return loc.get(name, _MISSING) if type(loc) is dict else _MISSING
    g = frame.f_globals
    if type(g) is not dict:
        return _MISSING
    if kind == "name":
        loc = frame.f_locals
        if loc is not g:
            if type(loc) is not dict:
                return _MISSING
            v = loc.get(name, _MISSING)
            if v is not _MISSING:
                return v
    return g.get(name, _MISSING)


def _callee(frame, c):
    what, kind, name, (attr, spec) = c
    v = _lookup(frame, kind, name)
    if attr is None:
        return v
    # the attribute is read only from the real time module's own dict
    return _TIME_DICT.get(attr) if v is _time else _MISSING


def _secs(frame, spec):
    if spec is None:
        return UNKNOWN
    k, name = spec
    if k == "const":
        return name
    v = _lookup(frame, k, name)
    # (an object of the program's is not asked anything: sleeps.py keeps exact ints and floats)
    return UNKNOWN if v is _MISSING else v


# sleeps.py's block and wake (set by sleeps.install): called(frame, seconds or UNKNOWN), returned(raised)
called = None
returned = None


def tracer_for(sites, local_of_gen):
    """The local trace function of frames of code with sleep sites.
    local_of_gen(): gen_settrace's own local tracer (generator lanes), to which
    a generator frame's return and exception events go on."""
    lines = sites.lines
    calls = sites.calls
    gen = sites.gen
    on_line = sites.on_line
    pending = _pending
    mine = owned

    def tracer(frame, event, arg):
        try:
            if pending:
                p = pending.pop(id(frame), None)
                if p is not None:
                    # the frame's first event after a watched call (a time.sleep, or a method whose note asked to
                    # hear when it returned): it returned, or raised
                    (returned if p is True else p)(event == "exception")
            if event == "line":
                if on_line is not None:
                    on_line(frame)
                if lines:
                    if frame.f_lineno in lines:
                        if not frame.f_trace_opcodes:
                            frame.f_trace_opcodes = True
                            mine.add(id(frame))
                    elif id(frame) in mine:
                        mine.discard(id(frame))
                        frame.f_trace_opcodes = False
                return tracer
            if event == "opcode":
                c = calls.get(frame.f_lasti)
                if c is None:
                    return tracer
                if c[0] == "recv":
                    # a gevent primitive's method: the receiver read from the frame's own
                    # namespaces, its exact type compared (nothing of it is asked)
                    obj = _lookup(frame, c[1], c[2])
                    note = _recv.get((id(type(obj)), c[3])) if _recv else None
                    if note is not None:
                        after = note(frame, obj)
                        if after is not None:
                            pending[id(frame)] = after  # (called at the frame's next event: the call is over)
                elif _callee(frame, c) is _SLEEP and called is not None:
                    called(frame, _secs(frame, c[3][1]))
                    pending[id(frame)] = True
                return tracer
            if event == "return" and id(frame) in mine:
                mine.discard(id(frame))
                frame.f_trace_opcodes = False
            if gen and id(frame) in frames:
                local_of_gen()(frame, event, arg)
            return tracer
        except RecursionError:
            return tracer
        except Exception as e:
            core.internal_error("sleep site", e)
            return tracer

    sites.tracer = tracer
    return tracer
