"""Calls the runtime must see without wrapping what is called (Python 3.12+).

A wrapper around ``time.sleep`` would be a frame of its own in every sleeping
thread's stack (``sys._current_frames()``, ``traceback.extract_stack``), and
gevent's compiled primitives (``Queue.put``, ``Event.set``, ...) cannot be
wrapped at all (immutable types). Instead, a ``sys.monitoring`` CALL event is
switched on *locally* on the program's own code objects (found as they are
loaded: ``gen_watch.scan_code``), on the runtime's tool id. Its callback looks the
callable up by identity among the few it watches and returns ``DISABLE`` for
every other call site, so a site pays once, on its first call, and then runs at
full speed (CPython takes the instrumentation out of that instruction). A
watched site keeps its event, and its C_RETURN / C_RAISE (which CPython ties to
CALL) tell when the call returned.

Not seen: a call site whose first callable was not watched and whose later ones
are (``f()`` where ``f`` is sometimes ``time.sleep``), code the import system
does not load (``exec`` of text; a spawned child's main module, which runpy
runs), and anything on Python < 3.12 (no CALL event
there, and a profile function would cost on every call: site_scan.py watches
the time.sleep and gevent call sites there through the settrace hook)."""

import sys
from types import BuiltinMethodType, CoroutineType, FunctionType, GeneratorType, MethodType

from . import core, state

TOOL = None
_CALL = 0
_on_call = {}  # id(callable) -> handler(frame, obj or first argument)
_on_ret = {}  # id(callable) -> handler(raised: bool)
_keep = []  # the watched callables (kept alive: their ids stay theirs)
_seen = set()  # id() of code objects switched on (kept alive by core._code_refs)
_closing = {}  # id(generator) -> what gen_lanes records if that gen.close() ran none of the generator


def available():
    return TOOL is not None


def watch(fn, on_call, on_return=None):
    """Call on_call(frame, obj) when the program's code calls fn (obj: the
    object a method is called on, else the first argument), and
    on_return(raised) when that call returns or raises."""
    if fn is None:
        return
    _keep.append(fn)
    _on_call[id(fn)] = on_call
    if on_return is not None:
        _on_ret[id(fn)] = on_return


def _nested(code):
    todo = [code]
    while todo:
        c = todo.pop()
        yield c
        for k in c.co_consts:
            if type(k) is type(code):
                todo.append(k)


def watch_code(code):
    """A user module's code was loaded: its call sites report their first call."""
    if TOOL is None:
        return
    try:
        mon = sys.monitoring
        for c in _nested(code):
            if id(c) not in _seen and core.is_user_code(c):
                _seen.add(id(c))
                mon.set_local_events(TOOL, c, mon.get_local_events(TOOL, c) | _CALL)
    except Exception as e:
        core.internal_error("calls", e)


def install():
    """Once the runtime's sys.monitoring tool id is taken (gens)."""
    global TOOL, _CALL
    mon = getattr(sys, "monitoring", None)
    if mon is None or TOOL is not None:
        return
    tid = None
    for i in range(6):
        try:
            if mon.get_tool(i) == "coroscope":
                tid = i
                break
        except Exception:
            continue
    if tid is None:
        return
    E = mon.events
    DISABLE = mon.DISABLE
    from .gen_sites import GEN_FLAGS, made, ON
    from .gen_lanes import close_called, close_returned

    MISSING = mon.MISSING
    get = _on_call.get
    rget = _on_ret.get
    _getframe = sys._getframe

    gclose, cclose = GeneratorType.close, CoroutineType.close

    def on_call(code, off, fn, arg0):
        if fn is gclose or fn is cclose:
            # g.close(): the method descriptor is called, the generator as its first argument
            if type(arg0) is GeneratorType or type(arg0) is CoroutineType:
                _close_call(off, arg0)
            return None
        h = get(id(fn))
        if h is None:
            t = type(fn)
            if t is FunctionType:
                c = fn.__code__
                if c.co_flags & GEN_FLAGS and core.is_user_code(c):
                    # a generator made by the program: where, and by whom (gen_sites)
                    try:
                        if state.W is not None:
                            made(_getframe(1), c)
                    except Exception as e:
                        core.internal_error("generator site", e)
                    return None
                return DISABLE
            if t is BuiltinMethodType and fn.__name__ == "close":
                # gen.close(): 3.12/3.13 may close it without running it (gen_lanes.close_called); a site of
                # another close() (a file's) keeps its event, as the same site may close a generator later
                g = fn.__self__
                if type(g) is GeneratorType or type(g) is CoroutineType:
                    _close_call(off, g)
                return None
            if t is not MethodType:
                return DISABLE
            # a bound method (3.12/3.13 `with x:` calls x.__exit__ so)
            h = get(id(fn.__func__))
            if h is None:
                return DISABLE
            arg0 = fn.__self__
        try:
            if state.W is not None:
                h(_getframe(1), None if arg0 is MISSING else arg0)
        except RecursionError:
            pass
        except Exception as e:
            core.internal_error("call hook", e)
        return None

    def _close_call(off, g):
        try:
            if state.W is not None:
                tok = close_called(_getframe(2), g)
                if tok is not None:
                    _closing[id(g)] = tok
        except Exception as e:
            core.internal_error("generator close", e)

    def _closed_gen(fn, arg0):
        # (the generator of a close() call: the descriptor's first argument, or a bound close's __self__)
        return id(arg0) if fn is gclose or fn is cclose else id(fn.__self__) if type(fn) is BuiltinMethodType else None

    def on_return(code, off, fn, arg0):
        if _closing:
            tok = _closing.pop(_closed_gen(fn, arg0), None)
            if tok is not None:
                try:
                    close_returned(tok)
                except Exception as e:
                    core.internal_error("generator close", e)
                return
        h = rget(id(fn))
        if h is not None:
            try:
                h(False)
            except Exception:
                pass

    def on_raise(code, off, fn, arg0):
        if _closing:
            # (it raised: its frame ran, the frame hooks recorded it)
            _closing.pop(_closed_gen(fn, arg0), None)
        h = rget(id(fn))
        if h is not None:
            try:
                h(True)
            except Exception:
                pass

    mon.register_callback(tid, E.CALL, on_call)
    mon.register_callback(tid, E.C_RETURN, on_return)
    mon.register_callback(tid, E.C_RAISE, on_raise)
    _CALL = E.CALL
    TOOL = tid
    ON[0] = True


def uninstall():
    if TOOL is None:
        return
    try:
        mon = sys.monitoring
        for ev in (mon.events.CALL, mon.events.C_RETURN, mon.events.C_RAISE):
            mon.register_callback(TOOL, ev, None)
    except Exception:
        pass
