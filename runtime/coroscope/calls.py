"""Labels of calls handed to pools and executors, as the program wrote them:
``square(3)``, ``map square(1, 2, 3)``."""

from . import core
from .core import safe_repr


def callable_name(fn):
    return getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or type(fn).__name__


def call_label(fn, args, kwargs=None):
    """``square(3)``: the function's name and its arguments as written (a
    functools.partial is unwrapped: to_thread's partial(Context.run, f, *args))."""
    try:
        import functools

        while type(fn) is functools.partial:
            args = tuple(fn.args) + tuple(args or ())
            if fn.keywords:
                kwargs = dict(fn.keywords, **(kwargs or {}))
            fn = fn.func
            if getattr(fn, "__name__", None) == "run" and type(getattr(fn, "__self__", None)).__name__ == "Context" and args:
                fn, args = args[0], args[1:]
    except Exception:
        pass
    return "%s%s" % (callable_name(fn), core.args_repr(args, kwargs))


def pool_label(func, args):
    """A multiprocessing.Pool task: map/starmap chunks as the call and its items."""
    try:
        fname = getattr(func, "__name__", "")
        if fname in ("mapstar", "starmapstar") and getattr(func, "__module__", "") == "multiprocessing.pool":
            f, chunk = args[0]
            return "%s %s(%s)" % ("map" if fname == "mapstar" else "starmap", callable_name(f), safe_repr(list(chunk))[1:-1])
    except Exception:
        pass
    return call_label(func, args)
