"""The settrace back-end (Python < 3.12): a global trace function sees the 'call'
of every Python frame and returns a local one (no line events) for the frames of
user generators. The program's own sys.settrace (coverage, bdb, pdb) is chained,
not replaced. Installed only when loaded code needs it (gen_watch.scan_code)."""

import sys

from . import audit, core, gen_lanes, site_scan, state
from .core import frames, OWN
from .gen_callsites import OPNAME, RETURN_OPS, YIELD_OPS, co_bytes
from .gen_lanes import Raised, fast_resume, fast_yield, pending_throws, wanted, want_code, on_enter, on_leave
from .tracer_view import quiet_caller as _quiet_caller, runtimes as _runtimes
from .wrappers import like


def _leave_kind(frame, code):
    co = co_bytes(code)
    i = frame.f_lasti
    try:
        op = OPNAME[co[i]]
    except IndexError:
        return "raise"
    if op in YIELD_OPS:
        return "yield"
    if op in RETURN_OPS:
        return "return"
    if op == "YIELD_FROM" or (i + 2 < len(co) and OPNAME[co[i + 2]] == "YIELD_FROM"):
        return "yield"
    return "raise"


_exc = {}  # id(frame) -> exception seen propagating in a traced frame (its type and repr: gen_lanes.Raised)
_handlers = {}  # (id(code), offset) -> whether a handler of code covers that instruction


def _handled_at(code, off):
    """Whether a try of ``code`` covers its instruction at ``off``. An exception thrown in at a yield that no try
    covers leaves the frame right there (the frame's last instruction is still that yield); one a try covers runs
    its handler first, and if it leaves, it leaves from the handler. So back at the very yield it was thrown into
    with no value, a covered yield was caught and yielded again (`while True: try: x = yield / except KeyError`),
    never raised. (Both are one `exception` event then a `return` of None to settrace, whose lines are off.)"""
    k = (id(code), off)
    r = _handlers.get(k)
    if r is None:
        r = False
        try:
            import dis

            for e in dis._parse_exception_table(code):
                if e.start <= off < e.end:
                    r = True
                    break
        except Exception:
            r = False
        core.keep_code(code)
        _handlers[k] = r
    return r


def _trace(frame, event, arg):
    """Global trace function: 'call' of every Python frame; returns a local
    tracer (no line events) only for the frames of user generators, and one
    with line events for frames of code that calls time.sleep (site_scan)."""
    # At the program's recursion limit a call in here (even id() or dict.get) fails
    # with " while calling a Python object": swallowed, so the program's own next
    # call fails as plain Python's does, with its message (issue 14).
    try:
        code = frame.f_code
        w = wanted.get(id(code))
        if w is None:
            w = _decide(code)
        if not w:
            return None
        if w is not True and not w.gen:
            return _site_frame(frame, w)
        thrown = None
        i = frame.f_lasti
        if i >= 0:
            try:
                if OPNAME[co_bytes(code)[i]] in YIELD_OPS:
                    thrown = True
            except IndexError:
                pass
            if thrown is None:
                # steady state: a lane resumed by the same plain frame as last time
                info = frames.get(id(frame))
                if info is not None and info[3] == OWN:
                    lane = info[0]
                    caller = frame.f_back
                    if (
                        caller is not None
                        and id(caller) == lane.cframe
                        and caller.f_code is lane.ccode
                        and not lane.rdepth
                        and not lane.passthru
                        and state.W is not None
                    ):
                        try:
                            if fast_resume(lane, frame, caller, i):
                                if w is not True:
                                    return _site_frame(frame, w)
                                frame.f_trace_lines = False
                                return _local
                        except RecursionError:
                            return None
                        except Exception as e:
                            core.internal_error("generator resume", e)
        on_enter(frame, code, thrown)
        if w is not True:
            return _site_frame(frame, w)
        if id(frame) in frames:
            frame.f_trace_lines = False
            return _local
        return None
    except RecursionError:
        return None


def _decide(code):
    """A code object's first call: are its frames lanes (want_code), and does it
    call time.sleep (site_scan: then `wanted` keeps its Sites, truthy, instead of
    the bool, so other frames pay nothing more)?"""
    w = want_code(code)
    if site_scan.might_sleep(code) and core.is_user_code(code):
        s = site_scan.sites_of(code)
        if s is not None:
            s.gen = w
            wanted[id(code)] = s
            return s
    return w


class _Returns:
    """`wanted`'s entry for a plain code whose returns are watched (watch_return): its frames get _ret_local."""

    gen = False
    tracer = None


RETURNS = {}  # id(code) -> (on_return(frame, value), on_raise(frame, exc))
_RET = _Returns()


def _ret_local(frame, event, arg):
    # (no line events: only its return, and the exceptions that pass through it)
    try:
        if event == "return" or event == "exception":
            h = RETURNS.get(id(frame.f_code))
            if h is not None:
                if event == "return":
                    h[0](frame, arg)
                else:
                    h[1](frame, arg[1])
    except RecursionError:
        pass
    return _ret_local


_Returns.tracer = staticmethod(_ret_local)


def watch_return(code, frame=None):
    """The frames of ``code`` (a greenlet's run function) report their return and exceptions to RETURNS (what it
    returns to a parent waiting in a C switch is seen nowhere else); ``frame``: one of them already running. Installs
    the frame hook (a program with generators has it anyway). Code with sleep sites or a generator is left as is."""
    w = wanted.get(id(code))
    if not w:
        core.keep_code(code)
        wanted[id(code)] = _RET
        w = _RET
    hook_frames()
    if frame is not None and w is _RET and frame.f_trace is None:
        frame.f_trace_lines = False
        frame.f_trace = _ret_local
        # (a greenlet that ran before the hook was installed keeps tracing off in its own state, which greenlet
        # restores at each switch: setting the thread's trace function again here, in the greenlet being switched
        # into, turns it on there)
        t = _real_gettrace()
        if t is not None:
            _real_settrace(t)


def _site_frame(frame, s):
    """A frame of code with time.sleep sites (or a signal handler's): its local
    tracer sees lines (and, on a site's line, opcodes); a generator's frame is
    also a lane as usual (its return and exception events go on to _local)."""
    if s is _RET:
        frame.f_trace_lines = False
        return _ret_local
    frame.f_trace_lines = True
    t = s.tracer
    if t is None:
        t = site_scan.tracer_for(s, _gen_local)
    return t


def _gen_local():
    return _local  # (read at each use: frame_locals may have wrapped it)


def line_watch(code, on_line):
    """signals.py: on_line(frame) on each line the program's signal handler
    runs (its frames get the sleep sites' local tracer, with no sites maybe)."""
    s = wanted.get(id(code))
    if not isinstance(s, site_scan.Sites):
        s = site_scan.sites_of(code) or site_scan.Sites(frozenset(), {})
        s.gen = want_code(code)
    s.on_line = on_line
    s.tracer = None
    wanted[id(code)] = s
    hook_frames()


def _throw_seen(frame, exc):
    p = pending_throws.pop(id(frame), None)
    if p is None:
        return
    frm, lane, reason, f, l, tf, tl, depth, rframe, ts = p
    v = None
    if isinstance(exc, GeneratorExit) and reason == "throw":
        # a close() its caller's bytecode does not name (`shut = g.close; shut()`): GeneratorExit is a close, as
        # the 3.12+ back-end reads it from the exception
        reason = lane.last = "close"
        exc = None
    if exc is not None:
        v = core.exc_repr(exc)
        lane.extra = v
    core.switch(frm, lane, reason, v, f, l, tf, tl, depth, rframe, ts=ts)


def _local(frame, event, arg):
    # (at the recursion limit: as in _trace)
    try:
        if pending_throws:
            _throw_seen(frame, arg[1] if event == "exception" else None)
        if event == "return":
            info = frames.get(id(frame))
            if info is not None:
                lane = info[0]
                if info[3] == OWN and lane.ysite is None and not lane.passthru and not _exc and lane.fmt is not None and state.W is not None:
                    caller = frame.f_back
                    if caller is not None and id(caller) == lane.cframe and caller.f_code is lane.ccode:
                        try:
                            if fast_yield(lane, frame, caller, arg, frame.f_lasti):
                                return None
                        except RecursionError:
                            return None
                        except Exception as e:
                            core.internal_error("generator yield", e)
                code = frame.f_code
                how = _leave_kind(frame, code)
                if how == "yield" and arg is None:
                    lane = info[0]
                    if lane.last in ("throw", "close") and frame.f_lasti == lane.rlasti and info[3] == OWN and not _handled_at(code, frame.f_lasti):
                        how = "raise"  # the thrown exception left at the yield it was thrown into
                    elif info[3] != OWN and _exc and getattr(_exc.get(id(frame)), "type", None) is GeneratorExit:
                        # a generator a `yield from` delegates to, closed before its delegator (close() of the
                        # outer closes the inner first): the GeneratorExit left it, it did not yield (kept as a
                        # delegated frame, it held its locals -- a generator it iterates -- until exit)
                        how = "raise"
                if _exc:
                    e = _exc.pop(id(frame), None)
                    if how == "raise" and arg is None and e is not None:
                        arg = e
                on_leave(frame, code, how, arg)
            elif _exc:
                _exc.pop(id(frame), None)  # (a frame of no lane: an unstarted generator's close())
            return None
        if event == "exception":
            try:
                _exc[id(frame)] = Raised(arg[1])
            except Exception:
                pass
        return _local
    except RecursionError:
        return _local if event == "exception" else None


# which loaded user code needs the frame hook (Python < 3.12: a trace hook costs
# every Python call, so it is only installed when the program has user generators,
# or coroutines that no asyncio Task drives)
HOOKED = [False]


TRACE_PAD = 1


def hook_frames():
    if HOOKED[0] or gen_lanes.capture == "monitoring":
        return
    HOOKED[0] = True
    import threading

    # the trace function runs above every new frame: the limit is raised by its
    # depth (hidden, recursion.pad_recursion), so the program's recursion gets as deep
    from .recursion import pad_recursion

    pad_recursion(TRACE_PAD)
    u = sys.gettrace()  # a tracer the program set before (coverage started early)
    _real_settrace(_trace)
    threading.settrace(_trace)
    _wrap_settrace(threading)
    if u is not None:
        _settrace(u)


# --- the program's own sys.settrace (coverage, bdb, pdb) on the settrace back-end.
# One trace function per thread: the runtime's stays installed and calls the
# program's first (chained), so generator tracing goes on, and sys.gettrace()
# answers what the program set. Threads started later get the program's
# threading.settrace() function the same way.

_real_settrace = sys.settrace
_real_gettrace = sys.gettrace
real_settrace = _real_settrace  # (glet_names: the thread's own trace function, under the program's view of it)
real_gettrace = _real_gettrace
_utrace = {}  # thread ident -> the program's trace function there
_uthread = [None]  # the program's threading.settrace() function


def unhook():
    """This thread's trace function off (gens.uninstall)."""
    _real_settrace(None)


def wrap_tracers(wrap):
    """frame_locals: the global and the local trace function replaced by wrappers of them, ``wrap(trace, local) ->
    (trace, local)``. Both are named through this module's globals (hook_frames, the chained tracer, the local
    tracer's own return value): replaced here, the wrappers are used everywhere; already installed (a spawned child,
    COROSCOPE_FRAMES=1), the wrapper goes in now."""
    global _trace, _local
    orig = _trace
    _trace, _local = wrap(_trace, _local)
    if HOOKED[0]:
        import threading

        _real_settrace(_trace)
        if getattr(threading, "_trace_hook", None) is orig:
            threading._trace_hook = _trace


def _settrace(*args, **kwargs):
    from _thread import get_ident

    if len(args) != 1 or kwargs:
        try:
            return _real_settrace(*args, **kwargs)  # (its own TypeError, this frame out of the traceback)
        except BaseException as e:
            core.drop_own_frame(e)
            raise
    func = args[0]
    ident = get_ident()
    if func is _trace:
        # a new thread (threading's hook is the runtime's): the program's own
        # threading.settrace() function comes with it
        func = _uthread[0]
        if func is None:
            _arm(ident)  # (the runtime's own: plain Python sets no trace function here, so no audit event)
            return
    if func is None:
        _utrace.pop(ident, None)
        _real_settrace(_trace)
    else:
        _utrace[ident] = func
        _real_settrace(_trace_chain)


def _arm(ident):
    _utrace.pop(ident, None)
    _real_settrace(_trace)


def rearm():
    """Python turns a thread's trace function off when calling it fails (a
    RecursionError at the program's recursion limit, on the settrace back-end):
    put it back at the next chance (the thread's next print) and say so."""
    if HOOKED[0] and gen_lanes.capture != "monitoring" and _real_gettrace() is None:
        from _thread import get_ident

        _real_settrace(_trace_chain if get_ident() in _utrace else _trace)
        core.mark(
            "info", "generator tracing was off in this thread for a while (the trace hook failed at the recursion limit); events of that stretch are missing"
        )


def _gettrace():
    from _thread import get_ident

    return _utrace.get(get_ident())


def _wrap_settrace(threading):
    sys.settrace = audit.through(like(_settrace, _real_settrace))  # (the program's call: its hooks see sys.settrace)
    sys.gettrace = like(_gettrace, _real_gettrace)

    def settrace(func):
        _uthread[0] = func

    def gettrace():
        return _uthread[0]

    threading.settrace = like(settrace, threading.settrace)
    if hasattr(threading, "gettrace"):
        threading.gettrace = like(gettrace, threading.gettrace)


def _trace_chain(frame, event, arg):
    from _thread import get_ident

    u = _utrace.get(get_ident())
    lu = None
    if u is not None and not _runtimes(frame):  # (the runtime's frames: not the program's to see, tracer_view.py)
        _quiet_caller(frame)
        try:
            lu = u(frame, event, arg)
        except BaseException as e:
            # Python turns tracing off in this thread when a trace function
            # raises: the program's, and with it the runtime's
            _utrace.pop(get_ident(), None)
            core.mark("info", "the program's trace function raised: generators in this thread are not traced from here on")
            core.drop_own_frame(e)  # (what it raised reaches the program as from its own tracer)
            raise
    mine = _trace(frame, event, arg)
    if mine is None:
        return lu
    if lu is None:
        return mine
    frame.f_trace_lines = True
    return _both(lu, mine)


def _both(lu, mine):
    """A frame both tracers watch: the runtime's sees return/exception (a frame
    with time.sleep sites: every event), the program's every event but the
    opcode events the runtime turned on for a sleep site, and its answer decides
    its own next tracer."""
    sites = mine is not _local
    owned = site_scan.owned

    def local(frame, event, arg):
        nonlocal lu
        if sites:
            # the program's tracer first, with the opcode flag as it left it: on
            # a new line the runtime's own flag is dropped, the program may turn it
            # on (then its opcode events are its), and the runtime's turns it on
            # for a sleep site's line otherwise (then they are the runtime's only)
            if event == "line" and id(frame) in owned:
                owned.discard(id(frame))
                frame.f_trace_opcodes = False
            if lu is not None and not (event == "opcode" and id(frame) in owned):
                lu = lu(frame, event, arg)
            mine(frame, event, arg)
            return local
        if event == "return" or event == "exception":
            _local(frame, event, arg)
        if lu is not None:
            lu = lu(frame, event, arg)
            if lu is None:
                frame.f_trace_lines = False
        return local

    return local
