"""The program's own trace and profile functions (sys.settrace/setprofile,
threading's, pdb, a coverage or profiling tool written in Python) see the
program's frames and the standard library's, never the runtime's: plainly a
`print`, a queue's `get` or an asyncio step runs no coroscope/*.py function, so
a debugger's `step` would land in one and a profile would count them.

Each function the program installs is handed to Python inside a small filter
that drops the events of the runtime's frames (a `call` of one: no local
tracing there either; a profile's `c_call` made from one) and passes every other
event unchanged, its return value too (the local trace function a `call` gives
is the program's own: later events of that frame reach it directly). sys.gettrace()/
getprofile() and threading's answer the program's function.

3.12+ only for settrace (nothing of the runtime uses it there); on 3.11 the
settrace back-end chains the program's tracer itself (gen_settrace._trace_chain,
which skips the runtime's frames the same way). Profile functions on every
version. A profiler that installs itself from C (cProfile, `PyEval_SetProfile`)
is not seen here and still counts the runtime's functions.
"""

import sys
from types import FunctionType

from . import audit, core
from .core import drop_own_frame
from .wrappers import ORIG_CODES, RUNS_PROGRAM, for_program, like

_HERE = core.HERE
_LIB = core.LIB_PREFIXES


def runtimes(frame):
    """The frame is the runtime's, or one the runtime's frames called for their
    own bookkeeping (a decoder, a weak dictionary, a regular expression
    compiled), directly or through more of the standard library, rather than
    for the program: a wrapper's call of the original it stands for, an asyncio
    step running a task, a thread running its target."""
    f = frame
    callee = None
    n = 0
    while f is not None and n < 64:
        fn = f.f_code.co_filename
        if fn.startswith(_HERE):
            if callee is None:
                return True
            return id(callee.f_code) not in ORIG_CODES and id(f.f_code) not in RUNS_PROGRAM
        if not (fn.startswith(_LIB) or fn.startswith("<frozen")):
            return False  # (the program's frame: what it runs is its own)
        callee = f
        f = f.f_back
        n += 1
    return False


def _quiet(frame, event, arg):
    return _quiet


def quiet_caller(frame):
    """A wrapper calling the original for the program: a debugger stepping out
    of the original sets its caller's local tracer when it has none (bdb's
    _set_caller_tracefunc), and would then stop in the wrapper; one that does
    nothing is there first."""
    back = frame.f_back
    if back is not None and back.f_trace is None and back.f_code.co_filename.startswith(_HERE):
        back.f_trace = _quiet


def _trace_view(func):
    def trace(frame, event, arg):
        if runtimes(frame):
            return None
        quiet_caller(frame)
        try:
            return func(frame, event, arg)
        except BaseException as e:
            drop_own_frame(e)
            raise

    return trace


def _profile_view(func):
    def profile(frame, event, arg):
        if runtimes(frame):
            return None
        try:
            return func(frame, event, arg)
        except BaseException as e:
            drop_own_frame(e)
            raise

    return profile


_VIEWS = (_trace_view(None).__code__, _profile_view(None).__code__)


def program_func(f):
    """What the program installed, for a function Python holds (a view: its
    program's function; anything else as it is). Reads no attribute of the
    program's objects."""
    if type(f) is FunctionType and f.__code__ in _VIEWS:
        return f.__closure__[0].cell_contents  # (its one free variable: func)
    return f


def _wrap_setter(mod, name, view):
    real = getattr(mod, name, None)
    if real is None:
        return

    def setter(*args, **kwargs):
        if len(args) == 1 and not kwargs and callable(args[0]):
            # (callable() reads the type's slot: none of the program's code runs; anything else is the
            # original's business, a call with the wrong arguments its TypeError, an object that cannot be
            # called its error at the next event)
            args = (view(args[0]),)
        try:
            return real(*args, **kwargs)
        except BaseException as e:
            drop_own_frame(e)
            raise

    setattr(mod, name, audit.through(like(setter, real)))


def _wrap_getter(mod, name):
    real = getattr(mod, name, None)
    if real is None:
        return

    def getter():
        return program_func(real())

    setattr(mod, name, like(getter, real))


def install():
    import signal

    # (sigint.py's signal.signal/getsignal answer the program through the standard library's own conversion)
    conv = getattr(signal, "_int_to_enum", None)
    if type(conv) is FunctionType:
        for_program(conv)
    if sys.version_info >= (3, 12):
        _wrap_setter(sys, "settrace", _trace_view)
        _wrap_getter(sys, "gettrace")
        _wrap_setter(sys, "_settraceallthreads", _trace_view)
    _wrap_setter(sys, "setprofile", _profile_view)
    _wrap_getter(sys, "getprofile")
    _wrap_setter(sys, "_setprofileallthreads", _profile_view)
