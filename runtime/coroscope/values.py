"""Short, safe summaries of values that crossed a switch.

Runs none of the program's code: only the exact built-in types are looked into
(``type(v) is dict``, never ``isinstance``, which may read ``v.__class__``);
anything else is ``<TypeName object>``, its name read from ``type(v)`` through
``type``'s own descriptor (a metaclass's ``__getattribute__`` is not asked).
No attribute of a user object is read, no ``__repr__``, ``__len__``,
``__iter__``, property or ``__getattr__`` runs. Always returns a str that
encodes as UTF-8 (lone surrogates are escaped); never raises.
"""

import sys
import types

LIMIT = 200
_ELL = "\u2026"
# (membership by id: ``t in (int, ...)`` would compare with ``==``, which a
# metaclass may define)
_SCALARS = frozenset(map(id, (int, float, complex, bool, type(None))))
_CONTAINERS = frozenset(map(id, (list, tuple, set, frozenset, dict)))

# type's own getters: the name a class was given, whatever its metaclass says
_tname = type.__dict__["__name__"].__get__
_tqualname = type.__dict__["__qualname__"].__get__
_exc_args = BaseException.__dict__["args"].__get__
_mod_dict = types.ModuleType.__dict__["__dict__"].__get__
_FunctionType = types.FunctionType
_BuiltinType = types.BuiltinFunctionType
_MethodType = types.MethodType
_GenTypes = (types.GeneratorType, types.CoroutineType, types.AsyncGeneratorType)
_GENS = frozenset(map(id, _GenTypes))


def type_name(t, qual=True):
    """The (qualified) name of class ``t``, read without running its metaclass."""
    try:
        return _tqualname(t) if qual else _tname(t)
    except BaseException:
        return "?"


def is_sub(t, base):
    """``issubclass(t, base)`` for a class ``t`` and a built-in or runtime ``base``,
    from ``t``'s MRO (no ``__subclasscheck__``)."""
    # (issubclass of two real classes, ``base``'s metaclass being ``type``, is
    # CPython's MRO walk: no __subclasscheck__ or __bases__ of the program's runs)
    try:
        return issubclass(t, base)
    except BaseException:
        return False


def _cut(s, limit):
    if len(s) > limit:
        s = s[: limit - 1] + _ELL
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
    if id(t) in _SCALARS:
        return repr(v)
    if t is bytes or t is bytearray:
        if len(v) > budget:
            return repr(v[:budget]) + _ELL
        return repr(v)
    if id(t) in _CONTAINERS:
        if depth > 2:
            return "[…]" if t is list else "(…)" if t is tuple else "{…}"
        parts = []
        used = 2
        n = 0
        # (exact built-in containers: iterating them runs no user code; their
        # items are summarised by this same function)
        items = dict.items(v) if t is dict else v
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
            return _tname(t) + "()"
        return ("{" + body + "}") if t is set else "frozenset({" + body + "})"
    if is_sub(t, BaseException):
        return _exc(v, t, depth, budget)
    if is_sub(t, type):
        return "<class '%s'>" % type_name(v)
    if t is _FunctionType or id(t) in _GENS:
        # (these types cannot be subclassed: __qualname__ is their own getter)
        q = v.__qualname__
        if t is _FunctionType:
            return "<function %s>" % q
        return "<%s %s>" % ("generator" if t is _GenTypes[0] else "coroutine" if t is _GenTypes[1] else "async_generator", q)
    if t is _BuiltinType:
        # (__name__ is the C function's own; __qualname__ would ask its self's type)
        return "<built-in function %s>" % v.__name__
    if t is _MethodType:
        f = v.__func__
        return "<bound method %s>" % (f.__qualname__ if type(f) is _FunctionType else type_name(type(f)))
    if t is types.ModuleType:
        d = _mod_dict(v)
        n = dict.get(d, "__name__") if type(d) is dict else None
        return "<module %s>" % (n if type(n) is str else "?")
    aio = _aio_repr(v, t)
    if aio is not None:
        return aio
    return "<%s object>" % type_name(t)


def _exc(v, t, depth, budget):
    try:
        args = _exc_args(v)
    except BaseException:
        args = ()
    name = type_name(t, False)
    if type(args) is tuple:
        if len(args) == 1:
            return name + "(" + _r(args[0], depth + 1, budget) + ")"
        return name + _r(args, depth + 1, budget)
    return name + "()"


# asyncio's own Future and Task, recognised by class (never hasattr: a user object
# answers any attribute it is asked for) and read with their C getters, which
# neither run user code nor mark an exception as retrieved.
_FUT = {}


def _aio_classes():
    m = sys.modules.get("_asyncio")
    if m is None:
        return None
    c = _FUT.get(id(m))
    if c is None:
        d = _mod_dict(m)
        F = d.get("Future")
        T = d.get("Task")
        if type(F) is not type or type(T) is not type:
            return None
        fd = F.__dict__
        c = _FUT[id(m)] = (F, T, fd["_state"].__get__, fd["_result"].__get__, fd["_exception"].__get__, T.__dict__["get_name"])
    return c


def future_state(f):
    """(state, result, exception) of an asyncio Future or Task, read without side
    effects ("Task exception was never retrieved" is still logged), or None if
    ``f`` is not one (anything else is not asked)."""
    c = _aio_classes()
    if c is not None and is_sub(type(f), c[0]):
        try:
            return c[2](f), c[3](f), c[4](f)
        except BaseException:
            return None
    # the pure-Python classes (no _asyncio accelerator)
    m = sys.modules.get("asyncio.futures")
    P = _mod_dict(m).get("_PyFuture") if m is not None else None
    if type(P) is type and is_sub(type(f), P):
        try:
            d = P.__dict__["__dict__"].__get__(f)
            if type(d) is dict:
                return dict.get(d, "_state"), dict.get(d, "_result"), dict.get(d, "_exception")
        except BaseException:
            return None
    return None


def is_future(f):
    """An asyncio Future (or Task) of asyncio's own classes or their subclasses."""
    c = _aio_classes()
    if c is not None and is_sub(type(f), c[0]):
        return True
    m = sys.modules.get("asyncio.futures")
    P = _mod_dict(m).get("_PyFuture") if m is not None else None
    return type(P) is type and is_sub(type(f), P)


def task_name(t):
    """The name of an asyncio Task (the C getter), or None."""
    c = _aio_classes()
    if c is not None and is_sub(type(t), c[1]):
        try:
            n = c[5](t)
            return n if type(n) is str else None
        except BaseException:
            return None
    return None


def _aio_repr(v, t):
    st = future_state(v)
    if st is None:
        return None
    name = task_name(v)
    state = st[0] if type(st[0]) is str else ""
    return "<%s%s %s>" % (type_name(t), " " + name if name else "", state.lower())


_PLAIN = frozenset(map(id, (type(None), bool, float)))


def safe_repr(v, limit=LIMIT):
    """A repr of at most ``limit`` characters; never raises."""
    t = type(v)
    if t is int:
        if -1152921504606846976 < v < 1152921504606846976:
            return repr(v)
    elif t is str:
        if len(v) < 64 and v.isascii():
            return repr(v)
    elif id(t) in _PLAIN:
        return repr(v)
    try:
        s = _r(v, 0, limit)
        return _clean(_cut(s, limit))
    except BaseException:
        return "<%s object>" % type_name(t)


def exc_summary(e, limit=LIMIT):
    """``"ExcType: message"`` for an exception instance, safely."""
    try:
        t = type(e)
        if not is_sub(t, BaseException):
            return _clean(_cut(safe_repr(e, limit), limit))
        try:
            args = _exc_args(e)
        except BaseException:
            args = ()
        if type(args) is tuple and len(args) == 1 and type(args[0]) is str:
            msg = args[0]
        elif type(args) is tuple and args:
            msg = _r(args, 1, limit)
            msg = msg[1:-1].rstrip(",")
        else:
            msg = ""
        s = type_name(t, False) + (": " + msg if msg else "")
        return _clean(_cut(s, limit))
    except BaseException:
        return "<exception>"


def func_code(f):
    """The code object of a plain function or a bound method of one, else None
    (a callable object of the program is not asked for ``__code__``)."""
    t = type(f)
    if t is _MethodType:
        f = f.__func__
        t = type(f)
    return f.__code__ if t is _FunctionType else None


def func_name(f):
    """The qualified name of a function, bound method or built-in, else None."""
    t = type(f)
    if t is _MethodType:
        f = f.__func__
        t = type(f)
    if t is _FunctionType:
        return f.__qualname__
    if t is _BuiltinType:
        return f.__name__
    return None
