"""Audit hooks the program adds (``sys.addaudithook``) see the events the
program raises, not the runtime's (issue 14).

The runtime's hooks raise audit events of their own on every switch: ``id()``
(``builtins.id``), ``frame.f_code`` and ``function.__code__``
(``object.__getattr__``), ``sys._getframe``, ``sys._current_frames`` (the
time-order watermark, writer.py), ``sys.settrace`` (3.11, each new thread), and
a few more when they start. Plain Python raises none of them for the program.
So ``sys.addaudithook`` is wrapped: the program's hook is added wrapped in a
filter that drops an event raised by the runtime's own code (the frame that
raised it, the one calling the audited function, is in the runtime's folder) and
calls the program's hook with every other event, as Python would.

A runtime function that calls an audited function for the program (the
program's ``sys.settrace`` through the 3.11 chain, ``input()`` on a terminal,
``sys.addaudithook`` itself) is listed with ``through``: its events pass.

The filter finds the raising frame with ``sys._getframe`` and reads its
``f_code``: both raise events in turn, which every filter drops while it looks
(``_looking``: the threads inside a filter's look). Nothing changes for a
program without audit hooks; one with hooks pays the look on each event. Hooks
added before the runtime starts (``sitecustomize``) or from C are not filtered.
"""

import os
import sys
from _thread import get_ident

_RUNTIME = os.path.dirname(os.path.abspath(__file__)) + os.sep
_looking = set()  # thread idents inside a filter's look (the events it raises are its own)
_through = set()  # code objects of runtime functions whose audited calls are the program's
_own = set()  # code objects of the runtime's outside its folder (named as the standard library's)
_real = sys.addaudithook


def through(fn):
    """fn calls audited functions for the program: their events reach its hooks."""
    _through.add(fn.__code__)
    return fn


def own(code):
    """code is the runtime's, though its file is another's (aio_steps: asyncio's __sleep0)."""
    _own.add(code)


def _filtered(hook):
    def audit_hook(event, args):
        me = get_ident()
        if me in _looking:
            return  # (raised by a filter's own look just below)
        _looking.add(me)
        try:
            code = sys._getframe(1).f_code  # the frame that raised the event
            own = code.co_filename.startswith(_RUNTIME) and code not in _through or code in _own
        except Exception:
            own = False
        finally:
            _looking.discard(me)
        if own:
            return
        try:
            hook(event, args)
        except BaseException as e:
            # (raised to the audited call as from the program's hook: this frame out of its traceback)
            tb = e.__traceback__
            if tb is not None and tb.tb_frame is sys._getframe(0):
                e.__traceback__ = tb.tb_next
            raise

    if type(hook).__name__ == "function":
        # (a plain function's own attributes, read without running the program's code: Python
        # calls a hook with tracing on when it has a true __cantrace__)
        ct = hook.__dict__.get("__cantrace__")
        if ct is not None:
            audit_hook.__cantrace__ = ct
    return audit_hook


@through
def addaudithook(*args, **kwargs):
    if len(args) + len(kwargs) == 1 and (args or "hook" in kwargs):
        return _real(_filtered(args[0] if args else kwargs["hook"]))
    try:
        return _real(*args, **kwargs)  # (its own TypeError, this frame out of the traceback)
    except BaseException as e:
        tb = e.__traceback__
        if tb is not None and tb.tb_frame is sys._getframe(0):
            e.__traceback__ = tb.tb_next
        raise


def install():
    if sys.addaudithook is not _real:
        return
    addaudithook.__doc__ = _real.__doc__
    addaudithook.__module__ = "sys"
    addaudithook.__wrapped__ = _real  # (inspect.signature answers the original's)
    sys.addaudithook = addaudithook
