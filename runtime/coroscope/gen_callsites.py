"""Call-site analysis for generators: how the frame that resumed a generator did
it (send / throw / close / next / delegation), read from its bytecode, and the
value it sent when the argument is a plain name or constant (read without side
effects). Cached per code object and instruction offset."""

import dis  # (imported with the runtime, before the script's folder is on sys.path:
import opcode  # a dis.py or opcode.py beside the script must not replace them; cli._hide)

from . import core

OPNAME = opcode.opname
_DELEGATE_OPS = {"SEND", "YIELD_FROM", "SEND_GEN", "CLEANUP_THROW", "GET_YIELD_FROM_ITER"}
_NEXT_OPS = {"FOR_ITER", "FOR_ITER_GEN", "GET_ANEXT", "END_ASYNC_FOR"}
_CALL_OPS = {"CALL", "CALL_FUNCTION", "CALL_METHOD", "CALL_KW", "CALL_FUNCTION_KW", "PRECALL"}
_SKIP_BACK = {"PRECALL", "CACHE", "KW_NAMES", "PUSH_NULL", "EXTENDED_ARG", "NOP"}
YIELD_OPS = {"YIELD_VALUE"}
RETURN_OPS = {"RETURN_VALUE", "RETURN_CONST"}

_KNOWN = {"send", "throw", "close", "next", "__next__", "anext", "__anext__", "asend", "athrow"}
_instrs = {}
_callinfo = {}


def instructions(code):
    r = _instrs.get(id(code))
    if r is None:
        lst = list(dis.get_instructions(code))
        r = (lst, {ins.offset: i for i, ins in enumerate(lst)})
        _instrs[id(code)] = r
        core.keep_code(code)
    return r


def loader(ins):
    op = ins.opname
    if op in ("LOAD_FAST", "LOAD_FAST_CHECK", "LOAD_FAST_BORROW"):
        return ("fast", ins.argval)
    if op in ("LOAD_FAST_LOAD_FAST", "LOAD_FAST_BORROW_LOAD_FAST_BORROW"):
        v = ins.argval
        return ("fast", v[-1] if isinstance(v, tuple) else v)
    # (3.15 loads None, True, False, '' and -1 with LOAD_COMMON_CONSTANT; argval is the constant itself)
    if op in ("LOAD_CONST", "LOAD_SMALL_INT", "LOAD_COMMON_CONSTANT"):
        return ("const", ins.argval)
    if op in ("LOAD_GLOBAL", "LOAD_NAME"):
        return ("global", ins.argval)
    if op in ("LOAD_DEREF", "LOAD_CLASSDEREF"):
        return ("fast", ins.argval)
    return None


def in_call(lst, i, k):
    """Whether instruction k is part of the call expression whose CALL is instruction i: it starts at or after the
    call's own start (3.11+ positions; a statement before the call, `u.close()` above `list(tree(3))`, is not part
    of it). Without positions (3.9, 3.10): True."""
    p, q = getattr(lst[i], "positions", None), getattr(lst[k], "positions", None)
    if p is None or q is None or p.lineno is None or q.lineno is None:
        return True
    return (q.lineno, q.col_offset or 0) >= (p.lineno, p.col_offset or 0)


def _analyze(code, off):
    """How the frame at (code, off) resumed a generator: (kind, argspec)."""
    try:
        lst, idx = instructions(code)
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
            arg = loader(lst[j])
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
                if not in_call(lst, i, k):
                    break
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
        if j < 0 or loader(lst[j]) is None:
            return None
        j -= 1
        while j >= 0 and lst[j].opname in _SKIP_BACK:
            j -= 1
    return lst[j].argval if j >= 0 else None


MISSING = object()


def arg_value(frame, spec):
    kind, name = spec
    if kind == "const":
        return name
    if kind == "fast":
        return frame.f_locals.get(name, MISSING)
    if kind == "global":
        g = frame.f_globals
        if name in g:
            return g[name]
        b = frame.f_builtins
        return b.get(name, MISSING) if isinstance(b, dict) else MISSING
    return MISSING


def call_info(frame):
    code = frame.f_code
    key = (id(code), frame.f_lasti)
    r = _callinfo.get(key)
    if r is None:
        if len(_callinfo) > 50000:
            _callinfo.clear()
        r = _callinfo[key] = _analyze(code, frame.f_lasti)
    return r


_cocode = {}  # id(code) -> code.co_code (a new bytes object per access on 3.11)


def co_bytes(code):
    c = _cocode.get(id(code))
    if c is None:
        c = _cocode[id(code)] = code.co_code
        core.keep_code(code)
    return c
