"""The C name of the runtime's stand-ins for C types (issue 14).

The runtime hands the program its own classes in place of a few C types
(asyncio's Task, threading's lock and RLock, greenlet's greenlet), named and
placed as the originals (``__name__``, ``__qualname__``, ``__module__``).
CPython's error messages do not read those: they print the type's C-level
``tp_name``, ``_asyncio.Task``/``_thread.lock``/``greenlet.greenlet`` for the C
types and only the bare ``__name__`` for a class statement's. So ``task.x``
raised "'Task' object has no attribute 'x'" where plain Python says
"'_asyncio.Task' object …" (and so for every TypeError naming the type).

A class's ``tp_name`` is its real ``__name__`` (setting one sets both), so the
stand-ins are made by ``CNamed``, a metaclass whose ``__name__`` is a property:
their real name is set to the C type's dotted one (``c_name``), and
``__name__`` still answers the bare one. Not ``_ctypes`` writing ``tp_name``:
where libffi makes its static trampolines (Debian's 3.14/3.15), loading it opens
a file descriptor, and the program's files got other numbers. What stays:
``type(asyncio.Task)`` is this metaclass (named ``type``, of ``builtins``), not
``type`` itself, and a program's subclass of the stand-in with a metaclass of
its own (``abc.ABCMeta``) is a metaclass conflict (docs/architecture.md).
"""

_TYPE_NAME = type.__dict__["__name__"]  # type's own getter/setter of the real name
_BARE = {}  # stand-in class -> the name it answers to
_ORIG = {}  # stand-in class -> the C type it stands for


class CNamed(type):
    @property
    def __name__(cls):
        bare = _BARE.get(cls)
        return bare if bare is not None else _TYPE_NAME.__get__(cls)

    @__name__.setter
    def __name__(cls, value):
        orig = _ORIG.get(cls)
        if orig is not None:
            _TYPE_NAME.__set__(orig, value)  # (the C type's own refusal: an immutable type)
        _TYPE_NAME.__set__(cls, value)
        _BARE.pop(cls, None)


# (what `type(asyncio.Task)` reads as)
CNamed.__module__ = "builtins"
CNamed.__qualname__ = "type"
_TYPE_NAME.__set__(CNamed, "type")


def c_name(cls, orig):
    """Give ``cls`` (made by CNamed) the real name of ``orig``, the C type it
    stands for, keeping the ``__name__`` it answers. Returns whether it did."""
    try:
        if not isinstance(cls, CNamed):
            return False
        mod = orig.__module__
        bare = _TYPE_NAME.__get__(cls)
        name = orig.__name__
        if bare != name or type(mod) is not str:
            return False
        _BARE[cls] = bare
        _ORIG[cls] = orig
        _TYPE_NAME.__set__(cls, name if mod == "builtins" else mod + "." + name)
        return True
    except Exception:
        return False
