"""Locals, as Python Tutor shows them (opt-in: ``--locals``).

At each switch of a user generator, coroutine, greenlet or tasklet, and after
each asyncio task step, a ``locals`` line records the safe reprs of the local
variables of the frame that gave up control (and of a generator's frame at its
start: its arguments). Readers attach it to the event before it: the trace
stays in ``ts`` order, and the line always follows the switch it belongs to.

Nothing here runs when the option is off: the switch paths are not touched.
When on, the runtime's own hooks are wrapped from outside, never edited:
- sys.monitoring (3.12+): a second tool id, lower than gens.py's (CPython calls
  the highest tool first, so its lines follow the switch lines), with the same
  local events on the same user generator code objects;
- settrace (< 3.12): gens.py's global and local trace functions, wrapped;
- greenlet: the greenlet tracer, wrapped (tasklets switch through greenlets);
- asyncio: ``Handle._run`` as aio.py wrapped it, wrapped once more.

Values follow values.py's rules (only exact built-in types are looked into; no
``__repr__`` or attribute of a user object runs). Frames of the standard
library, site-/dist-packages and the runtime are never read. Caps: VALUE_CAP
characters per value, MAX_VARS variables and MAX_CHARS characters per line
(``more``: how many variables were left out). A lane whose locals did not
change since its last line gets no new one (readers keep the last one).
"""

import sys
import types

from . import core, state
from .core import frames, OWN, now, is_user_code
from .values import safe_repr, is_sub
from .wrappers import delegating, like
from _json import encode_basestring_ascii as _q

ON = [False]
VALUE_CAP = 80
MAX_VARS = 24
MAX_CHARS = 1500
_MODULE_SKIP = frozenset(map(id, (types.ModuleType, types.FunctionType, types.BuiltinFunctionType)))
_last = {}  # lane id -> the vars part of its last locals line (an unchanged state is not written again)
_heads = {}  # id(code) -> (code, its line's "frame" part)


def _proxy_type():
    # 3.13+: a function frame's f_locals is a FrameLocalsProxy (PEP 667), a C type
    def f():
        return type(sys._getframe().f_locals)

    t = f()
    return None if t is dict else t


_PROXY = _proxy_type()


def _qualname(code):
    return getattr(code, "co_qualname", code.co_name)


def record(lane, frame):
    """Queue a ``locals`` line for ``lane``: the variables of ``frame`` (a user
    frame; anything else is ignored). Never raises, never runs user code."""
    body = render(lane, frame)
    if body is not None:
        write(lane, body)


def render(lane, frame):
    """The ``frame``/``vars`` part of a locals line, or None (nothing to write:
    not a user frame, or the same as the lane's last one)."""
    if state.W is None or lane is None or frame is None:
        return None
    try:
        code = frame.f_code
        if not is_user_code(code):
            return None
        fl = frame.f_locals
        t = type(fl)
        if t is dict:
            items = dict.items(fl)
        elif t is _PROXY and _PROXY is not None:
            items = fl.items()  # (C: the frame's own slots, no user code)
        else:
            return None
        # a module's frame: its variables are its globals, functions and imports included
        top = code.co_name == "<module>"
        parts = []
        used = more = 0
        for k, v in items:
            if type(k) is not str or k[:1] == "." or (top and (k[:2] == "__" or id(type(v)) in _MODULE_SKIP or is_sub(type(v), type))):
                continue
            if len(parts) >= MAX_VARS or used >= MAX_CHARS:
                more += 1
                continue
            r = safe_repr(v, VALUE_CAP)
            used += len(r) + len(k)
            parts.append(_q(k) + ":" + _q(r))
        h = _heads.get(id(code))
        if h is None or h[0] is not code:
            if len(_heads) > 10000:
                _heads.clear()
            h = _heads[id(code)] = (code, '"frame":%s,"vars":{' % _q(_qualname(code)))
        body = h[1] + ",".join(parts) + "}"
        if more:
            body += ',"more":%d' % more
        key = lane.id
        if _last.get(key) == body:
            return None
        if len(_last) > 20000:
            _last.clear()
        _last[key] = body
        return body
    except RecursionError:
        return None
    except Exception as e:
        core.internal_error("locals", e)
        return None


def write(lane, body):
    if state.W is not None:
        core.enq('{"type":"locals","ts":%d,"task":"%s",%s}\n' % (now(), lane.id, body))


def _caller_lane(lane, caller):
    """The lane of the frame that resumed ``lane``: gens.py's cache when it is the
    plain frame it saw last (a frame walk otherwise)."""
    if caller is not None and id(caller) == lane.cframe and caller.f_code is lane.ccode:
        c = lane.clane
        if c is not None:
            return c
    return core.lane_at(caller)


def _user_frame(f, limit=64):
    """The innermost user frame at or above f (greenlets: their stack's top is
    often a library's, e.g. gevent's sleep)."""
    n = 0
    while f is not None and n < limit:
        if is_user_code(f.f_code):
            return f
        f = f.f_back
        n += 1
    return None


def install():
    """Called by boot.start after gens.install when locals are on."""
    from . import gens, imports

    ON[0] = True
    try:
        if gens.capture == "monitoring":
            _install_monitoring()
        else:
            _install_settrace()
    except Exception as e:
        core.internal_error("locals", e)
    imports.when_imported("asyncio", _install_asyncio)
    imports.when_imported("greenlet", _install_greenlet)


# --- generators, sys.monitoring ---------------------------------------------

TOOL = None
_ALL = 0


def _install_monitoring():
    from . import gen_lanes, gen_monitoring, gen_watch

    global TOOL, _ALL
    mon = sys.monitoring
    TOOL = gen_monitoring.take_tool(range(gen_monitoring.TOOL - 1, 0, -1), "coroscope-locals")
    if TOOL is None:
        core.mark("info", "locals are not recorded for generators: no free sys.monitoring tool id below the runtime's")
        return
    E = mon.events
    DISABLE = mon.DISABLE
    _ALL = E.PY_START | E.PY_RESUME | E.PY_YIELD | E.PY_RETURN
    want = gen_lanes.wanted
    fget = frames.get
    getframe = sys._getframe
    local = mon.set_local_events

    mine = set()  # id(code): its local events are set for this tool too
    ends = {}  # id(frame) -> lane, for its values at its return

    def start(code, off):
        # (after gens.py's callback, which decided whether the code is traced and
        # made the generator's lane)
        w = want.get(id(code))
        if not w:
            return DISABLE if w is False or not code.co_flags & gen_lanes.GEN_FLAGS else None
        if id(code) not in mine:
            # first seen through the global PY_START (code made by exec/compile,
            # child processes): its other events from here on (on before the code is
            # noted: a thread that finds it noted goes on, its events must be on)
            local(TOOL, code, _ALL)
            mine.add(id(code))
        frame = getframe(1)
        info = fget(id(frame))
        if info is None or info[3] != OWN:
            return None
        caller = frame.f_back
        if caller is not None:
            record(_caller_lane(info[0], caller), caller)
        record(info[0], frame)  # its arguments
        if len(ends) > 100000:
            ends.clear()
        ends[id(frame)] = info[0]  # (gens.py forgets the frame when it returns, before ret below)
        return None

    def resume(code, off):
        w = want.get(id(code))
        if not w:
            return DISABLE if w is False else None
        frame = getframe(1)
        info = fget(id(frame))
        if info is not None and info[3] == OWN:
            caller = frame.f_back
            if caller is not None:
                record(_caller_lane(info[0], caller), caller)
        return None

    def yld(code, off, val):
        w = want.get(id(code))
        if not w:
            return DISABLE if w is False else None
        frame = getframe(1)
        info = fget(id(frame))
        if info is not None and info[3] == OWN:
            record(info[0], frame)
        return None

    def ret(code, off, val):
        ln = ends.pop(id(getframe(1)), None)
        if ln is not None:
            record(ln, getframe(1))
        elif want.get(id(code)) is False:
            return DISABLE
        return None

    mon.register_callback(TOOL, E.PY_START, start)
    mon.register_callback(TOOL, E.PY_RESUME, resume)
    mon.register_callback(TOOL, E.PY_YIELD, yld)
    mon.register_callback(TOOL, E.PY_RETURN, ret)

    # the same local events on the same code objects as gens.py: gens.scan_code
    # finds them as they are loaded (_watch), and its global PY_START, when on, is
    # mirrored
    def wrap(orig_watch):
        def watch(code):
            orig_watch(code)
            try:
                for c in gen_watch.nested_codes(code):
                    if c.co_flags & gen_lanes.GEN_FLAGS and id(c) not in mine and is_user_code(c):
                        local(TOOL, c, _ALL)
                        mine.add(id(c))
                if gen_watch.started_everywhere():
                    mon.set_events(TOOL, E.PY_START)
            except Exception as e:
                core.internal_error("locals", e)

        return watch

    gen_watch.wrap_watch(wrap)
    if gen_watch.started_everywhere():
        mon.set_events(TOOL, E.PY_START)


# --- generators, settrace (< 3.12) ------------------------------------------


def _install_settrace():
    from . import gen_settrace

    gen_settrace.wrap_tracers(_wrap_tracers)


def _wrap_tracers(orig_trace, orig_local):
    def trace(frame, event, arg):
        first = id(frame) not in frames
        r = orig_trace(frame, event, arg)
        if r is not None:
            info = frames.get(id(frame))
            if info is not None and info[3] == OWN:
                caller = frame.f_back
                if caller is not None:
                    record(_caller_lane(info[0], caller), caller)
                if first:
                    record(info[0], frame)
        return r

    def local(frame, event, arg):
        if event != "return":
            return orig_local(frame, event, arg)
        info = frames.get(id(frame))
        r = orig_local(frame, event, arg)
        if info is not None and info[3] == OWN:
            record(info[0], frame)
        return r

    return trace, local


# --- greenlets and tasklets -----------------------------------------------------


def _install_greenlet(mod):
    from . import glet

    real = sys.modules.get("greenlet._greenlet")
    real_set = getattr(real, "settrace", None) if real is not None else None
    if real_set is None:
        core.mark("info", "locals are not recorded for greenlets: this greenlet has no greenlet._greenlet.settrace")
        return
    getcurrent = mod.getcurrent
    prev = None
    held = {}  # id(target) -> (lane, body): written after the switch glet.py holds back

    def trace(event, args):
        fr = None
        try:
            origin = args[0]
            if not origin.dead:
                fr = _user_frame(origin.gr_frame if origin is not getcurrent() else sys._getframe(1))
        except Exception:
            fr = None
        prev(event, args)
        if fr is not None:
            try:
                ln = glet.lane_of(origin)
                body = render(ln, fr)
                if body is not None:
                    if glet.switch_deferred(args[1]):
                        # the switch line is written when the target resumes in
                        # glet's switch wrapper (it learns the value there): after it
                        held[id(args[1])] = (ln, body)
                    else:
                        write(ln, body)
            except Exception as e:
                core.internal_error("locals", e)

    def wrap(orig_after):
        def after(self_cur, r, exc=None):
            orig_after(self_cur, r, exc)
            h = held.pop(id(self_cur), None)
            if h is not None:
                write(h[0], h[1])

        return after

    glet.wrap_after(wrap)
    prev = real_set(trace)
    if prev is None:
        real_set(None)


# --- asyncio task steps -----------------------------------------------------------


def _install_asyncio(mod):
    from . import aio_tasks
    from .values import type_name

    H = mod.events.Handle
    inner = H._run
    lane_of = aio_tasks.lane_lookup()
    MT = types.MethodType
    BMT = types.BuiltinMethodType
    STEP = {}  # id(type) -> a step callback's type (TaskStepMethWrapper)

    @delegating
    def _run(self):
        cb = self._callback
        tc = type(cb)
        inner(self)
        if tc is MT or tc is BMT or STEP.get(id(tc)) or (id(tc) not in STEP and _is_step(tc)):
            # (method-like C types only: their __self__ is their own slot)
            ln = lane_of(id(cb.__self__))
            if ln is not None and not ln.ended:
                record(ln, ln.cframe)

    def _is_step(tc):
        r = STEP[id(tc)] = type_name(tc, False) == "TaskStepMethWrapper"
        _keep.append(tc)
        return r

    H._run = like(_run, inner)


_keep = []
