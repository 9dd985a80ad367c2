"""The C name of the runtime's subclasses of C types (issue 14).

The runtime hands the program its own subclasses of a few C types (asyncio's
Task, threading's lock and RLock, greenlet's greenlet), named and placed as the
originals (``__name__``, ``__qualname__``, ``__module__``). CPython's error
messages do not read those: they print the type's C-level ``tp_name``, which is
``_asyncio.Task``/``_thread.lock``/``greenlet.greenlet`` for the C types and only
the bare ``__name__`` for a class made by a ``class`` statement. So ``task.x``
raised "'Task' object has no attribute 'x'" where plain Python says
"'_asyncio.Task' object …" (and so for every TypeError naming the type).

A type's ``tp_name`` cannot be set from Python apart from its ``__name__``
(setting one sets both), so this points the subclass's ``tp_name`` at the
original's C string, through ``_ctypes`` (the C module only, taken out of
``sys.modules`` again unless the program had it). The original outlives the
subclass (it is its base, or kept here), so the string does too; nothing frees a class
statement's ``tp_name`` (it lives in ``__name__``'s string), so pointing it
elsewhere leaks nothing. Checked before writing: both places must read as
expected (the subclass's bare name, the original's name ending in it), else
nothing is written.
"""

import sys

_cls = []  # [pointer type, char* type], made once
_keep = []  # the originals whose names the subclasses point at (kept alive with them)


def _types():
    if not _cls:
        had = "_ctypes" in sys.modules
        import _ctypes

        if not had:
            sys.modules.pop("_ctypes", None)

        class _P(_ctypes._SimpleCData):
            _type_ = "P"

        class _Z(_ctypes._SimpleCData):
            _type_ = "z"

        _cls[:] = [_P, _Z]
    return _cls


def c_name(cls, orig):
    """Make error messages name ``cls`` as they name ``orig`` (its C base).
    Returns whether it did."""
    try:
        P, Z = _types()
        # tp_name follows PyObject_VAR_HEAD: the object header, then ob_size
        off = object.__basicsize__ + (sys.maxsize.bit_length() + 1) // 8
        mine = Z.from_address(id(cls) + off).value
        theirs = Z.from_address(id(orig) + off).value
        name = cls.__name__.encode()
        if mine != name or not theirs or theirs.rsplit(b".", 1)[-1] != name:
            return False
        _keep.append(orig)
        P.from_address(id(cls) + off).value = P.from_address(id(orig) + off).value
        return True
    except Exception:
        return False
