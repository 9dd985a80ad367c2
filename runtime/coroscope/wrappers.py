"""A replacement that answers as the function it replaces.

A leaf like state.py (it imports nothing of the runtime): every hook module
that puts a wrapper where the program can reach it (a class's method, a
module's function) names it with ``like``, so ``__name__``, ``__qualname__``,
``__module__``, ``__doc__``, the annotations, ``inspect.signature``,
``inspect.getsource``, ``help()`` and pickling by reference answer as for the
original (differential case ``wrapped_identity.py``).

Not ``functools.update_wrapper``: it also merges the original's ``__dict__``
into the wrapper (an earlier wrapper's ``__wrapped__``, a library's markers),
and would take ``__module__`` from a C method descriptor's absence. The
originals here are the standard library's and the libraries' functions, never
the program's objects (reading their attributes runs none of its code).
"""

from types import FunctionType

# What a runtime frame calls for the program, told from what it calls for its own
# bookkeeping (tracer_view.py: the program's tracer sees the first, not the
# second): the code of each original a wrapper stands for (its frame is the
# program's business), and of the runtime functions that run the program's work
# (an asyncio step, a thread's target). By id (code objects hash slowly), each
# kept alive here so its id stays its own.
ORIG_CODES = set()
RUNS_PROGRAM = set()
_kept = []


def _keep(ids, code):
    if id(code) not in ids:
        ids.add(id(code))
        _kept.append(code)


def for_program(fn):
    """fn, called from a runtime frame, is called for the program (as a wrapper's original)."""
    _keep(ORIG_CODES, fn.__code__)
    return fn


def runs_program(fn):
    """fn calls the program's work (whatever that runs is the program's)."""
    _keep(RUNS_PROGRAM, fn.__code__)
    return fn


def like(wrapper, orig, name=None, qualname=None, module=None):
    """Give ``wrapper`` ``orig``'s identity (or the names given) and
    ``__wrapped__ = orig``; returns ``wrapper``."""
    wrapper.__name__ = name or getattr(orig, "__name__", wrapper.__name__)
    wrapper.__qualname__ = qualname or getattr(orig, "__qualname__", wrapper.__qualname__)
    # (a C method descriptor has no __module__: the wrapper keeps its own)
    wrapper.__module__ = module or getattr(orig, "__module__", None) or wrapper.__module__
    wrapper.__doc__ = getattr(orig, "__doc__", None)
    if type(orig) is FunctionType:
        if hasattr(orig, "__annotate__"):
            # (3.14+: copied unevaluated, as functools does; reading __annotations__ would evaluate them)
            wrapper.__annotate__ = orig.__annotate__
        else:
            wrapper.__annotations__ = orig.__annotations__
    wrapper.__wrapped__ = orig
    if type(orig) is FunctionType:
        _keep(ORIG_CODES, orig.__code__)
    elif type(wrapper) is FunctionType:
        # (a C original: the Python it calls back, a future's callbacks scheduled, is the program's)
        _keep(RUNS_PROGRAM, wrapper.__code__)
    return wrapper


# The code of the wrappers that hand their work to the program: what they call runs the program's code or blocks for
# it (the event loop's run_forever, a Handle's _run, a gevent queue's put and get). A signal landing in library code
# under one of them is the program's (sigint.py runs its handler there); under any other function of a hook module
# it is the runtime's bookkeeping, and waits until the hook returned. Declared per function, not by name: a hook's
# own helper named `write` or `_run` is bookkeeping.
DELEGATES = set()


def delegating(fn):
    """Declares ``fn`` a wrapper whose callees are the program's work (a decorator; returns ``fn``)."""
    DELEGATES.add(fn.__code__)
    return fn


class SignatureOf:
    """A class attribute ``__signature__`` that makes ``inspect.signature(cls)``
    answer as for ``orig`` (a class the runtime put in the place of another:
    asyncio.Task, threading.Lock), for that class only (a subclass of it, the
    program's own, gets None: inspect reads its own ``__init__``). Computed at
    the first question (inspect is imported by the program then)."""

    def __init__(self, orig):
        self.orig = orig
        self.owner = None
        self.sig = None

    def __set_name__(self, owner, name):
        self.owner = owner

    def __get__(self, inst, owner=None):
        if inst is not None or owner is not self.owner:
            return None
        if self.sig is None:
            import inspect

            try:
                self.sig = inspect.signature(self.orig)
            except (TypeError, ValueError):
                return None
        return self.sig
