"""Short, safe summaries of values that crossed a switch.

Never lets a user ``__repr__`` run when it can be avoided, never lets one that
does run raise or recurse out of here, and always returns a str that encodes as
UTF-8 (lone surrogates are escaped).
"""
import types

LIMIT = 200
_ELL = "\u2026"
_SCALARS = (int, float, complex, bool, type(None))
_FUNC_TYPES = (types.FunctionType, types.BuiltinFunctionType, types.MethodType,
               types.BuiltinMethodType, types.LambdaType)


def _cut(s, limit):
    if len(s) > limit:
        s = s[:limit - 1] + _ELL
    return s


def _clean(s):
    try:
        s.encode("utf-8")
        return s
    except UnicodeEncodeError:
        return s.encode("utf-8", "backslashreplace").decode("utf-8")


def _r(v, depth, budget):
    t = type(v)
    if t is str:
        if len(v) > budget:
            return repr(v[:budget]) + _ELL
        return repr(v)
    if t is int:
        if v.bit_length() > 600:
            return "<int %d bits>" % v.bit_length()
        return repr(v)
    if t in _SCALARS:
        return repr(v)
    if t is bytes or t is bytearray:
        if len(v) > budget:
            return repr(v[:budget]) + _ELL
        return repr(v)
    if t in (list, tuple, set, frozenset, dict):
        if depth > 2:
            return "[…]" if t is list else "(…)" if t is tuple else "{…}"
        parts = []
        used = 2
        n = 0
        items = v.items() if t is dict else v
        try:
            for it in items:
                if used > budget or n >= 50:
                    parts.append(_ELL)
                    break
                if t is dict:
                    p = _r(it[0], depth + 1, budget - used) + ": " + _r(it[1], depth + 1, budget - used)
                else:
                    p = _r(it, depth + 1, budget - used)
                parts.append(p)
                used += len(p) + 2
                n += 1
        except RuntimeError:  # changed size during iteration
            parts.append(_ELL)
        body = ", ".join(parts)
        if t is list:
            return "[" + body + "]"
        if t is tuple:
            return "(" + body + ("," if n == 1 and len(parts) == 1 else "") + ")"
        if t is dict:
            return "{" + body + "}"
        if not parts:
            return t.__name__ + "()"
        return ("{" + body + "}") if t is set else "frozenset({" + body + "})"
    if isinstance(v, BaseException):
        args = getattr(v, "args", ())
        if type(args) is tuple:
            return t.__name__ + _r(args, depth + 1, budget) if len(args) != 1 else \
                t.__name__ + "(" + _r(args[0], depth + 1, budget) + ")"
        return t.__name__ + "()"
    if isinstance(v, type):
        return "<class '%s'>" % getattr(v, "__qualname__", "?")
    if isinstance(v, _FUNC_TYPES):
        return "<function %s>" % getattr(v, "__qualname__", getattr(v, "__name__", "?"))
    if isinstance(v, types.GeneratorType):
        return "<generator %s>" % v.__qualname__
    if isinstance(v, types.CoroutineType):
        return "<coroutine %s>" % v.__qualname__
    if isinstance(v, types.ModuleType):
        return "<module %s>" % getattr(v, "__name__", "?")
    mod = getattr(t, "__module__", None)
    qn = getattr(t, "__qualname__", "?")
    # asyncio futures/tasks: identify without running callbacks' reprs.
    if mod in ("_asyncio", "asyncio.futures", "asyncio.tasks") or hasattr(v, "_asyncio_future_blocking"):
        try:
            name = v.get_name() if hasattr(v, "get_name") else None
        except Exception:
            name = None
        state = getattr(v, "_state", "")
        return "<%s%s %s>" % (qn, " " + name if name else "", str(state).lower())
    if mod == "builtins":
        s = repr(v)
        if type(s) is not str:
            return "<%s object>" % qn
        return s
    if t.__name__ == "greenlet" or t.__name__ == "Greenlet":
        return "<%s>" % qn
    return "<%s object>" % qn


_PLAIN = (type(None), bool, float)


def safe_repr(v, limit=LIMIT):
    """A repr of at most ``limit`` characters; never raises."""
    t = type(v)
    if t is int:
        if -1152921504606846976 < v < 1152921504606846976:
            return repr(v)
    elif t is str:
        if len(v) < 64 and v.isascii():
            return repr(v)
    elif t in _PLAIN:
        return repr(v)
    try:
        s = _r(v, 0, limit)
        return _clean(_cut(s, limit))
    except BaseException:
        try:
            return "<%s object>" % type(v).__qualname__
        except BaseException:
            return "<object>"


def exc_summary(e, limit=LIMIT):
    """``"ExcType: message"`` for an exception instance, safely."""
    try:
        t = type(e)
        args = getattr(e, "args", ())
        if type(args) is tuple and len(args) == 1 and type(args[0]) is str:
            msg = args[0]
        elif type(args) is tuple and args:
            msg = _r(args, 1, limit)
            msg = msg[1:-1].rstrip(",")
        else:
            msg = ""
        s = t.__name__ + (": " + msg if msg else "")
        return _clean(_cut(s, limit))
    except BaseException:
        return "<exception>"
