"""greenlet: a lane per greenlet, every switch/throw seen through
greenlet.settrace; values passed to switch()/throw() captured by a thin subclass
installed as ``greenlet.greenlet`` (isinstance checks still see the C type)."""

import sys
import weakref
from _thread import get_ident

from . import core, glet_names, state, writer, weakmap
from .core import now, safe_repr, exc_repr, type_name
from .values import func_code, func_name
from .typenames import CNamed, c_name
from .wrappers import like

C_GREENLET = None  # the C greenlet type, once installed (stackless: the runtime hooks greenlets)
getcurrent = None  # greenlet.getcurrent, once installed
_lanes = weakmap.WeakKeyDictionary()
_pending = [None]  # (target, reason, value) announced by the switching side
_waiting = set()  # id() of greenlets blocked inside our switch wrapper
_fin = {}
_fin_sw = {}
_started = set()  # id(target) -> dead origin lane whose end the wrapper reports
hub_hook = None  # set by gevent hook: (origin, target, o_lane, t_lane) -> (reason, value) | None
prev_trace = None
_main_lanes = {}  # thread ident -> main greenlet


def register(g, kind, name, creator=None, site=None, code=None, **extra):
    """Declare g's lane now with a given kind/name (stackless tasklets)."""
    file, line = site or (None, None)
    ln = core.declare(
        kind, name, creator or core.current_lane(), file, line, code.co_filename if code else None, code.co_firstlineno if code else None, **extra
    )
    try:
        ln.obj = weakref.ref(g)
    except TypeError:
        pass
    _lanes[g] = ln
    return ln


_lane_ids = {}  # id(g) -> (weakref to g, lane): fast path of _lanes


def lane_of(g, creator=None, site=None, extra=None):
    e = _lane_ids.get(id(g))
    if e is not None and e[0]() is g:
        return e[1]
    ln = _lane_of(g, creator, site, extra)
    try:
        if len(_lane_ids) > 100000:
            _lane_ids.clear()
        _lane_ids[id(g)] = (weakref.ref(g), ln)
    except TypeError:
        pass
    return ln


@state.after_fork
def _forget_parent():
    # the greenlets' lanes are the parent's: a forked child declares its own
    _lanes.clear()
    _lane_ids.clear()


def _lane_of(g, creator=None, site=None, extra=None):
    ln = _lanes.get(g)
    if ln is not None:
        return ln
    if g.parent is None:  # a thread's main greenlet: the thread's lane
        ln = core.thread_lanes.get(get_ident()) or core.root_lane()
        _lanes[g] = ln
        return ln
    kind, name = "greenlet", None
    c = None
    h = name_hook
    if h is not None:
        try:
            r = h(g)
            if r and r[0] == "lane":
                _lanes[g] = r[1]  # (a lane declared already: a monkey-patched thread's)
                return r[1]
            if r:
                kind, name = r[0], r[1]
                if len(r) > 2:
                    c = r[2]  # the code it runs (a gevent Greenlet's function)
                if len(r) > 5:
                    # a gevent Greenlet first seen here: its creator and site as gevent recorded them
                    creator = creator or r[3]
                    site = site or r[4]
                    extra = extra or r[5]
        except Exception:
            pass
    raw = name is None  # (a greenlet of greenlet's own type or the program's subclass: no gevent/stackless outcome)
    run = None
    if name is None:
        run = getattr(g, "run", None)
        name = func_name(run) or "greenlet"  # (a callable object of the program's is not asked)
    par = creator
    if par is None:
        try:
            par = lane_of(g.parent) if g.parent is not None else state.MAIN
        except Exception:
            par = state.MAIN
    if raw and run is None and c is None and site is None and state.W is not None and _starting(g):
        # greenlet took `run` off it as it started: named once its first frame runs (glet_names)
        ln = glet_names.start_unnamed(g, kind, par, _named, getcurrent)
        ln.obj = weakref.ref(g)
        _lanes[g] = ln
        return ln
    file, line = site or (None, None)
    codef = codel = None
    if c is None:
        run = getattr(g, "run", None)
        c = func_code(run)  # (a callable object of the program's is not asked)
    if c is not None:
        codef, codel = c.co_filename, c.co_firstlineno
    ln = core.declare(kind, name, par, file, line, codef, codel, **(extra or {}))
    ln.obj = weakref.ref(g)
    _lanes[g] = ln
    if raw and c is not None and core.is_user_code(c):
        _run_codes[ln.id] = c
    return ln


def _starting(g):
    """Is g starting now: the trace hook runs in it (the current greenlet) with no frame of its own under the hook's?"""
    if g is not getcurrent():
        return False
    f = sys._getframe(1)
    while f is not None and f.f_code.co_filename == __file__:
        f = f.f_back
    return f is None


def _named(g, ln, code, frame):
    """glet_names: the first frame of a greenlet started unnamed ran: its run function's return is watched as a
    raw greenlet's (_watch_end), when it is the program's."""
    if code is not None and core.is_user_code(code):
        _run_codes[ln.id] = code
        _watch_end(g, ln)


start_args = {}  # id(greenlet) -> the arguments a library's C switch will start it with, as written ("(41)")
_run_codes = {}  # lane id -> the code of a raw greenlet's run function (the program's)
_armed = set()  # id() of run codes whose returns are watched
_armed_g = set()  # id() of live greenlets whose run function's return is watched
_rets = {}  # id(greenlet) -> the safe repr of what its run function returned
_raised = {}  # id(greenlet) -> the repr of the last exception that passed through its run function


def started(lane):
    """Has this greenlet's lane been switched into (started) yet?"""
    return lane.id in _started


def _returned(frame, value):
    if frame.f_back is None:  # (the greenlet's own first frame: a plain call of the same function has a caller)
        _rets[id(getcurrent())] = safe_repr(value)


def _raised_in(frame, exc):
    if frame.f_back is None:
        _raised[id(getcurrent())] = exc_repr(exc)


def _watch_end(target, t):
    """A switch into ``target``, a raw greenlet of the program, whose parent waits in a C switch (greenlet's own,
    gevent's hub, another greenlet's ``parent.switch()``), not in this module's wrapper: should it end now, what it
    returns goes to that parent through C, seen by no hook. Its run function's return is watched (3.12+: a local
    PY_RETURN event of that code; 3.11: a local tracer on its frames), from now on and on its frame if running."""
    par = target.parent
    if par is None or id(par) in _waiting or id(target) in _armed_g:
        return
    code = _run_codes.get(t.id)
    if code is None:
        return
    _armed_g.add(id(target))  # (its frames are watched from now on: each later switch into it pays one look-up)
    fr = None
    try:
        # (the hook runs in the greenlet switched into: a started one's frames are the running stack)
        fr = target.gr_frame if target is not getcurrent() else sys._getframe(2)
        while fr is not None and fr.f_back is not None:
            fr = fr.f_back
        if fr is not None and fr.f_code is not code:
            fr = None
    except Exception:
        fr = None
    if id(code) in _armed and (fr is None or fr.f_trace is not None):
        return  # (3.12+: the code's local event covers every frame of it, started or not)
    _armed.add(id(code))
    from . import gens

    gens.watch_return(code, _returned, _raised_in, fr)


name_hook = None  # gevent / stackless: g -> (kind, name) | None
outcome_hook = None  # gevent: a dead greenlet -> (outcome, value repr) | None


def current_lane():
    try:
        return lane_of(getcurrent())
    except Exception:
        return None


def _trace(event, args):
    try:
        origin, target = args
        if glet_names.pending and id(origin) in glet_names.pending:
            glet_names.settle(origin)  # (its first frame never came: a run function of C)
        o = lane_of(origin)
        t = lane_of(target)
        p = _pending[0]
        reason, value = ("switch" if event == "switch" else "throw"), None
        pargs = False
        if p is not None and p[0] is target:
            _pending[0] = None
            reason, value = p[1], p[2]
            pargs = len(p) > 3 and p[3]
        if origin.dead:
            if _armed_g:
                _armed_g.discard(id(origin))
            if id(target) in _waiting:
                _fin[id(target)] = o  # the wrapper in target reports with the value
                if _rets or _raised:
                    _rets.pop(id(origin), None)
                    _raised.pop(id(origin), None)
            else:
                r = None
                h = outcome_hook
                if h is not None:
                    try:
                        r = h(origin)
                    except Exception:
                        r = None
                if r is not None:
                    outcome, v = r[0], r[1]
                    core.switch(o, t, "raise" if outcome == "exception" else "return", v)
                    if len(r) > 2:
                        by, bf, bl = r[2]  # (killed: by whom, at which call)
                        core.end(o, outcome, v, by=by, byFile=bf, byLine=bl)
                    else:
                        core.end(o, outcome, v)
                elif event == "throw":
                    v = _raised.pop(id(origin), None)
                    _rets.pop(id(origin), None)
                    core.switch(o, t, "raise", v)
                    core.end(o, "exception", v)
                else:
                    # (what its run function returned, when it was watched: _watch_end)
                    v = _rets.pop(id(origin), None)
                    _raised.pop(id(origin), None)
                    core.switch(o, t, "return", v)
                    core.end(o, "return", v)
            t.since = now()
            return
        file = line = None
        try:
            fr = origin.gr_frame if origin is not getcurrent() else sys._getframe(1)
            file, line = core.user_site(fr)
        except Exception:
            pass
        tf = tl = None
        try:
            tfr = target.gr_frame
            if tfr is not None:
                tf, tl = core.user_site(tfr)
        except Exception:
            pass
        if t.id not in _started and ((t.kind != "main" and t.kind != "thread" and t.kind != "process") or target.parent is not None):
            # (a thread's main greenlet runs from its declaration; a monkey-patched thread's greenlet starts here)
            _started.add(t.id)
            if reason == "switch":
                reason = "start"
            if value is None and start_args:
                value = start_args.pop(id(target), None)  # (gevent.spawn_raw(f, 41): the hub's switch(41))
                pargs = value is not None
        elif o is t:
            return  # g.switch() of a dead greenlet whose parent is the caller, or of itself: it returns at once
        if _run_codes and t.id in _run_codes:
            _watch_end(target, t)
        h = hub_hook
        if h is not None:
            r = h(origin, target, o, t, reason, value)
            if r is not None:
                reason, value = r[0], r[1]
                if len(r) > 2 and file is None:
                    file, line = r[2], r[3]  # (a library's own line: gevent's exit sleep, gev._exit_site)
        if value is None and id(target) in _waiting and reason in ("switch", "start"):
            # the target resumes inside our switch wrapper, which knows the value
            # (its place in the queue now: the program's greenlet tracer, called below, and other
            # threads queue later lines before the target resumes there)
            ts = now()
            _fin_sw[id(target)] = (o, t, reason, file, line, tf, tl, ts, writer.late(ts))
        else:
            core.switch(o, t, reason, value, file, line, tf, tl, args=pargs and value is not None)
        t.since = now()
    except Exception as e:
        core.internal_error("greenlet trace", e)
    finally:
        pt = prev_trace
        if pt is not None:
            try:
                pt(event, args)
            except Exception:
                pass


def announce(target, reason, value=None, args=False):
    """Called by the switching side (stackless, wrappers) right before a switch.
    ``args``: value is the tuple of a call's positional arguments (switch(2, 3))."""
    _pending[0] = (target, reason, value, args)


def _after(self_cur, r, exc=None):
    sw = _fin_sw.pop(id(self_cur), None)
    if sw is not None:
        o, t, reason, file, line, tf, tl, ts, place = sw
        try:
            core.switch(
                o,
                t,
                reason,
                safe_repr(r) if exc is None and r is not None and not (type(r) is tuple and not r) else None,
                file,
                line,
                tf,
                tl,
                ts=ts,
                into=place,
            )
        finally:
            writer.fill(place, "")  # (nothing, if the line could not be made: the queue goes on)
    o = _fin.pop(id(self_cur), None)
    if o is not None:
        t = lane_of(self_cur)
        if exc is not None:
            v = exc_repr(exc)
            core.switch(o, t, "raise", v)
            core.end(o, "exception", v)
        else:
            killed = C_GREENLET is not None and type(r).__name__ == "GreenletExit"
            v = safe_repr(r)
            core.switch(o, t, "return", v)
            core.end(o, "killed" if killed else "return", v)


_MRO = type.__dict__["__mro__"].__get__


def _thrown_repr(args):
    """What g.throw(*args) raises in g, as written: throw(ValueError) raises ValueError(), throw(ValueError, 'x')
    ValueError('x') (greenlet makes the instance, as `raise typ(val)` would), throw(typ, inst) the instance."""
    if not args:
        return "GreenletExit()"
    typ = args[0]
    val = args[1] if len(args) > 1 else None
    if not isinstance(typ, type):
        return exc_repr(typ)
    if isinstance(val, BaseException) and typ in _MRO(type(val)):  # (no metaclass's __instancecheck__ runs)
        return exc_repr(val)
    if val is None:
        return type_name(typ, False) + "()"
    return "%s(%s)" % (type_name(typ, False), ", ".join(safe_repr(x) for x in val) if type(val) is tuple else safe_repr(val))


def wrap_after(wrap):
    """frame_locals: what runs once a switch wrapper's caller is resumed replaced by ``wrap(after)`` (the
    wrappers call it through this module's globals)."""
    global _after
    _after = wrap(_after)


def switch_deferred(target):
    """The switch into ``target`` is written when it resumes in its switch wrapper (which learns the value there),
    not by the trace hook that just saw it."""
    return id(target) in _fin_sw


def _make_subclass(mod):
    C = mod.greenlet

    class _Meta(CNamed if type(C) is type else type(C)):  # (CNamed: error messages name greenlet.greenlet)
        def __instancecheck__(cls, obj):
            return isinstance(obj, C)

        def __subclasscheck__(cls, sub):
            return issubclass(sub, C)

    def __init__(self, run=None, parent=None):
        if parent is None:
            C.__init__(self, run)
        else:
            C.__init__(self, run, parent)
        try:
            lane_of(self, core.current_lane(), core.caller_site(2))
        except Exception:
            pass

    def wrapping(call, reason):
        """switch() and throw(): the value is announced to the trace hook, which
        records the switch; once the caller is resumed (or raises), _after
        records how. One body for both: only the value differs."""
        throwing = reason == "throw"

        def method(self, *args, **kwargs):
            try:
                if throwing:
                    v, many = _thrown_repr(args), False
                elif len(args) == 1 and not kwargs:
                    v, many = safe_repr(args[0]), False
                elif args or kwargs:
                    # switch(2, 3): the arguments as written, flagged as such
                    v, many = core.args_repr(args, kwargs, 200), True
                else:
                    v, many = None, False
                announce(self, reason, v, many)
                cur = getcurrent()
                _waiting.add(id(cur))
            except Exception:
                cur = None
            try:
                r = call(self, *args, **kwargs)
            except BaseException as e:
                try:
                    _waiting.discard(id(cur))
                    _after(cur, None, e)
                    tb = e.__traceback__
                    if tb is not None and tb.tb_frame is sys._getframe(0):
                        e.__traceback__ = tb.tb_next
                except Exception:
                    pass
                raise
            try:
                _waiting.discard(id(cur))
                _after(cur, r)
            except Exception:
                pass
            return r

        # named as the method it stands for (a suspended greenlet's stack shows it)
        code = method.__code__
        method.__code__ = code.replace(co_name=reason, **({"co_qualname": "_make_subclass.<locals>." + reason} if hasattr(code, "co_qualname") else {}))
        method.__name__ = reason
        method.__qualname__ = "_make_subclass.<locals>." + reason
        return method

    switch = wrapping(C.switch, "switch")
    throw = wrapping(C.throw, "throw")

    plain_name = "<%s.%s " % (C.__module__, C.__name__)

    def __repr__(self):
        # (the C repr names the type by its C name, greenlet.greenlet; this class's is greenlet)
        r = C.__repr__(self)
        if type(self) is cls and r.startswith("<greenlet "):
            r = plain_name + r[len("<greenlet ") :]
        return r

    ns = {
        "__init__": __init__,
        "switch": switch,
        "throw": throw,
        "__repr__": __repr__,
        "__module__": C.__module__,
        "__qualname__": "greenlet",
        "__doc__": C.__doc__,
    }
    cls = _Meta("greenlet", (C,), ns)
    c_name(cls, C)  # (error messages: 'greenlet.greenlet' object …)
    return cls


def _wrap_settrace(mod):
    """greenlet.settrace/gettrace as the program sees them: its tracer is called
    after the runtime's (prev_trace), which stays installed."""
    real = mod.settrace

    def settrace(callback):
        global prev_trace
        old, prev_trace = prev_trace, callback
        return old

    def gettrace():
        return prev_trace

    mod.settrace = like(settrace, real)
    mod.gettrace = like(gettrace, mod.gettrace)


def install(mod):
    global C_GREENLET, getcurrent, prev_trace
    C_GREENLET = mod.greenlet
    getcurrent = mod.getcurrent
    try:
        prev_trace = mod.gettrace()
    except Exception:
        prev_trace = None
    mod.settrace(_trace)
    _wrap_settrace(mod)
    core.root_hook = current_lane
    try:
        sub = _make_subclass(mod)
        C = mod.greenlet
        # Compiled extensions (gevent's Cython types) must subclass the C type:
        # only the program's own code gets the value-capturing subclass.
        mod.__dict__.pop("greenlet", None)
        prev = mod.__dict__.get("__getattr__")

        def __getattr__(name):
            if name == "greenlet":
                try:
                    user = core.is_user_code(sys._getframe(1).f_code)
                except Exception:
                    user = False
                return sub if user else C
            if prev is not None:
                return prev(name)
            raise AttributeError("module 'greenlet' has no attribute %r" % (name,))

        mod.__getattr__ = __getattr__
    except Exception as e:
        core.internal_error("greenlet subclass", e)
