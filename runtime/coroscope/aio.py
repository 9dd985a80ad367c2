"""asyncio: a lane per Task, the event loop as a lane, each step as a pair of
switches (loop -> task "step", task -> loop with the reason of what it awaits),
block/wake on what it waits for, a loop-blocked mark for long steps, asyncio
queues as send/recv.

Tasks are seen by installing a thin subclass of the C Task as asyncio.Task (the
C step machinery is kept). Steps are seen with no frame hook at all: every step
is a ``Handle._run`` of the task's step/wakeup callback, which is wrapped; what
the task waits for is read afterwards from ``task._fut_waiter`` and the
coroutine's await chain (``cr_await``), which also gives the innermost user
frame (the yield site and the delegation depth). Coroutine frames driven by
Tasks are therefore skipped by the frame capture (gens.py).
"""

import sys
import time
import weakref

from . import core, gens, varnames
from .core import now, safe_repr, exc_summary, frames, ASYNC
from .values import future_state, is_future, is_sub, task_name, type_name, func_name
from sys import _getframe

_modname = getattr(sys, "_getframemodulename", None)  # 3.12+

_loop_lanes = {}  # id(loop) -> lane
_task_lanes = {}  # id(task) -> lane
_T0 = None
_cb_types = []
_qnames = weakref.WeakKeyDictionary()
_qids = {}  # id(queue) -> (weakref, info): fast path of _qnames


def loop_lane(loop):
    ln = _loop_lanes.get(id(loop))
    if ln is None:
        ln = core.declare("event-loop", "event loop", core.current_lane())
        ln.obj = weakref.ref(loop)
        _loop_lanes[id(loop)] = ln
    return ln


_codes = {}  # id(code) -> (task name, file, first line) of a user coroutine's code, or False


def _code_info(code):
    r = False
    if core.is_user_code(code):  # (which also keeps the code alive: its id stays its own)
        r = (getattr(code, "co_qualname", code.co_name), code.co_filename, code.co_firstlineno)
    _codes[id(code)] = r
    return r


def _on_create(coro, name, loop):
    if type(coro) is _Coro:
        code = coro.cr_code
    elif type(coro) is _Gen:
        code = coro.gi_code  # a generator-based coroutine
    else:
        return None  # (another awaitable object of the program's: not asked)
    ci = _codes.get(id(code))
    if ci is None:
        ci = _code_info(code)
    if not ci:
        return None
    fr = coro.cr_frame if type(coro) is _Coro else getattr(coro, "gi_frame", None)
    if fr is None:
        return None
    if loop is None:
        loop = _running_loop()
    # the creating lane and the user site of create_task, in one walk up the stack
    # from the first frame above asyncio's own (create_task, ensure_future, gather,
    # TaskGroup...): on 3.12+ these are skipped by module name, without making a
    # frame object for each (that walk was a seventh of a task's cost)
    d = 2
    if _modname is not None:
        try:
            m = _modname(d)
            while m is not None and m.startswith("asyncio."):
                d += 1
                m = _modname(d)
        except ValueError:
            d = 2
    file, line, creator = core.site_lane(_getframe(d))
    ll = loop_lane(loop) if loop is not None else creator
    tname, cfile, first = ci
    ln = core.declare("asyncio-task", name if type(name) is str else tname, creator, file, line, cfile, first, loop=ll.id)
    ln.extra = ll
    ln.coro = coro
    ln.cframe = fr
    ln.cfile = cfile
    # its first step starts at the def (and can be held back like any other)
    ln.et = first
    frames[id(fr)] = [ln, 0, fr, ASYNC]
    return ln


# Before 3.12, asyncio.create_task(coro, name=...) and TaskGroup.create_task make
# the Task without its name and set it right after: the name is read from their
# frame, so the task is declared with it (a later set_name is a rename event).
_NAME_LATER = sys.version_info < (3, 12)
_NAMING = ("asyncio/tasks.py", "asyncio/taskgroups.py", "asyncio\\tasks.py", "asyncio\\taskgroups.py")


def _later_name():
    try:
        f = _getframe(2)
        for _ in range(3):
            if f is None:
                break
            code = f.f_code
            if code.co_name == "create_task" and code.co_filename.endswith(_NAMING):
                n = f.f_locals.get("name")
                return n if type(n) is str else None
            f = f.f_back
    except Exception:
        pass
    return None


def _running_loop():
    try:
        return _get_running_loop()
    except Exception:
        return None


_get_running_loop = None  # asyncio.events._get_running_loop, set by install()


def _forget(ln):
    fr = ln.cframe
    if fr is not None:
        info = frames.get(id(fr))
        if info is not None and info[2] is fr:
            del frames[id(fr)]
    ln.cframe = None
    ln.coro = None
    ln.qc = None


_Coro = type((lambda: (yield))())  # placeholder, fixed in install()
_Gen = _Coro
_user = core._user_code


def _site(ln):
    """(file, line, depth, frame name, first library awaitable) of where the
    task's coroutine is suspended: the innermost user coroutine of its await chain."""
    top = ln.coro
    c = getattr(top, "cr_await", None) if type(top) is _Coro else getattr(top, "gi_yieldfrom", None)
    depth = 0
    lib = None
    while c is not None:
        tc = type(c)
        if tc is _Coro:
            code = c.cr_code
            nxt = c.cr_await
        elif tc is _Gen:
            code = c.gi_code
            nxt = c.gi_yieldfrom
        else:
            break
        u = _user.get(id(code))
        if u is None:
            u = core.is_user_code(code)
        if not u:
            lib = c
            break
        depth += 1
        top = c
        c = nxt
    fr = top.cr_frame if type(top) is _Coro else getattr(top, "gi_frame", None)
    if fr is None:
        fr = ln.cframe
    if depth:
        code = fr.f_code
        return code.co_filename, fr.f_lineno, depth, getattr(code, "co_qualname", code.co_name), lib
    return ln.cfile, fr.f_lineno, 0, None, lib


from .writer import OUT, SOFT_QUEUE, PEND, unpend, room
from _json import encode_basestring_ascii as _q

_put = OUT.append
_qfile = core.qfile


def _prefixes(lane):
    """Per-lane constant parts of its step lines (ids, file)."""
    ll = lane.extra or core.MAIN
    p = (
        ',"from":"%s","to":"%s","reason":"step"' % (ll.id, lane.id),
        ',"toFile":%s,"toLine":' % _qfile(lane.cfile),
        ',"from":"%s","to":"%s","reason":"' % (lane.id, ll.id),
        ',"file":%s,"line":' % _qfile(lane.cfile),
    )
    lane.fmt = p
    return p


# The commonest step (resumed with nothing, suspended again by sleep(0) in the
# task's own coroutine) is written compactly: one ``step`` line, or a ``resume``
# and a ``suspend`` line when other lines came in between (writer.PEND). Readers
# expand them to the two ``switch`` events (docs/protocol.md); the loop lane and
# the file come from the task's declaration (``loop``, ``codeFile``).
STEP = '{"type":"step","ts":'
SUSPEND = '{"type":"suspend","ts":'
QS = '{"type":"send","ts":'
QR = '{"type":"recv","ts":'


def _dpart(depth, fname):
    if not depth:
        return ""
    if fname:
        return ',"depth":%d,"frame":%s' % (depth, _q(fname))
    return ',"depth":%d' % depth


def step_start(lane, handle, ts):
    lane.held = False  # this start is written now, not held back
    value = None
    w = lane.wait
    if w is not None:
        lane.wait = None
        on, fut = w[0], w[2]
        if on is not None:
            # (at the step's own time: this line is written before the step's
            # switch, and lines of one process are in time order)
            _wake(lane, w, ts)
        if fut is not None:
            # (read from the future's fields: exception() would mark an exception
            # retrieved, and asyncio would no longer log "Task exception was never
            # retrieved"; a future of another class is not asked at all)
            st = future_state(fut)
            if st is not None:
                if st[0] == "CANCELLED":
                    value = "CancelledError"
                elif st[0] == "FINISHED":
                    value = exc_summary(st[2]) if st[2] is not None else safe_repr(st[1])
    args = handle._args
    if args and is_sub(type(args[0]), BaseException):
        value = exc_summary(args[0])
    lane.since = ts
    fr = lane.cframe
    p = lane.fmt or _prefixes(lane)
    if core.W is None:
        return
    if PEND:
        unpend()
    if len(OUT) < SOFT_QUEUE or room():
        _put(
            '{"type":"switch","ts":%d%s%s%s%d%s}\n'
            % (ts, p[0], "" if value is None else ',"value":' + _q(value), p[1], fr.f_lineno if fr is not None else 0, _dpart(lane.rdepth, lane.rframe))
        )
    else:
        core._dropped[0] += 1


def step_end(lane, task):
    if lane.cframe is None:
        return  # forgotten meanwhile (a forked child: the parent's task)
    ll = lane.extra or core.MAIN
    t = now()
    st = future_state(task)  # (not task.exception(): see step_start)
    if st is not None and st[0] != "PENDING":
        fr = lane.cframe
        line = fr.f_lineno if fr is not None else 0
        lane.rdepth, lane.rframe = 0, None
        if t - lane.since > core.BLOCKING_NS:
            _blocked(lane, t, lane.cfile, line)
        # a task is done after its last step: its story ends here (every step of
        # a Task of ours comes through Handle._run, so no done callback is needed)
        if st[0] == "CANCELLED":
            reason = outcome = "cancelled"
            v = "CancelledError"
        else:
            e = st[2]
            if e is None:
                reason = outcome = "return"
                v = safe_repr(st[1])
            else:
                v = exc_summary(e)
                reason = "cancelled" if v.startswith("CancelledError") else "raise"
                outcome = "exception"
        _task_lanes.pop(id(task), None)
        _forget(lane)
        lane.ended = True
        core.live.pop(lane.id, None)
        lane.esite = (lane.cfile, line)
        lane.clane = None
        if core.W is not None:
            # the last switch back to the loop and the end, queued as one item
            # (formatted here: a task that never took a slow path has no lane.fmt,
            # and making it for its last line costs more than this)
            v = _q(v)
            i = lane.id
            core._enq(
                f'{{"type":"switch","ts":{t},"from":"{i}","to":"{ll.id}","reason":"{reason}",'
                f'"value":{v},"file":{_qfile(lane.cfile)},"line":{line}}}\n'
                f'{{"type":"end","ts":{t},"task":"{i}","outcome":"{outcome}","value":{v}}}\n'
            )
        return
    file, line, depth, fname, lib = _site(lane)
    if t - lane.since > core.BLOCKING_NS:
        _blocked(lane, t, file, line)
    lane.rdepth, lane.rframe = depth, fname
    fut = task._fut_waiter
    if fut is None:
        if not depth and lane.cframe is not None:
            # where the next step starts (the resume line of a held-back start)
            lane.el = lane.cframe.f_lasti
            lane.et = line
            lane.etail = ',"task":"%s","line":%d}\n' % (lane.id, line)
        if core.W is None:
            return
        if PEND:
            unpend()
        if len(OUT) < SOFT_QUEUE or room():
            p = lane.fmt or _prefixes(lane)
            _put(
                '{"type":"switch","ts":%d%ssleep","value":"0"%s%d%s}\n'
                % (t, p[2], p[3] if file is lane.cfile else ',"file":%s,"line":' % _qfile(file), line, _dpart(depth, fname))
            )
        else:
            core._dropped[0] += 1
        return
    reason, on, detail, value, fut, cause, obj = _classify(lane, fut, lib)
    core.switch(lane, ll, reason, value, file, line, None, None, depth, fname, ts=t)
    if on is not None:
        core.block(lane, on, detail, file, line)
    lane.wait = (on, detail, fut, cause, obj)


def _blocked(lane, t, file, line):
    dur = t - lane.since
    if dur > core.BLOCKING_NS:
        ms = dur // 1_000_000
        # (at the step's end time t: the step's own end lines, written next, carry it)
        core.mark("loop-blocked", "%s held the event loop for %d ms" % (lane.name, ms), lane, ms, None, file, line, t)


# asyncio.sleep(0) awaits tasks.__sleep0(), a bare yield. Ours (below) also notes
# the frame that called sleep(0), so the end of a step tells a sleep(0) right in
# the task's own coroutine (the commonest step, written compactly) by comparing
# that frame with the task's, where the Task and its await chain would take three
# attribute reads through C getters. tasks.sleep looks __sleep0 up at each call.
NOFRAME = object()
SLEPT = [NOFRAME]


class _NoHandle:
    _args = ()


_NO_HANDLE = _NoHandle()  # the "handle" of an eager first step (it has none)


def __sleep0():
    try:
        SLEPT[0] = _getframe(2)  # (0: this generator, 1: sleep(), 2: what awaited sleep(0))
    except ValueError:
        pass
    yield


def _hook_sleep0(tasks, types):
    """Put our __sleep0 in asyncio.tasks, looking like the original in a traceback
    (a task cancelled in sleep(0) shows the same frames as without Coroscope): the
    file and name are the original's, the yield on the original's yield line, at
    the same column. (Without it every step ends on the general path: slower, the
    same trace.)"""
    name = "_" + "_sleep0"
    orig = getattr(tasks, name, None)
    oc = getattr(orig, "__code__", None)
    if oc is None or name not in tasks.sleep.__code__.co_names:
        return
    ours = __sleep0.__code__

    def last_line(code):
        if hasattr(code, "co_lines"):
            return max(ln for _, _, ln in code.co_lines() if ln is not None)
        from .gens import dis  # (the standard library's, whatever the script's folder holds)

        return max(ln for _, ln in dis.findlinestarts(code))

    first = ours.co_firstlineno + last_line(oc) - last_line(ours)
    if first < 1:
        return
    changes = {"co_filename": oc.co_filename, "co_name": oc.co_name, "co_firstlineno": first}
    if hasattr(oc, "co_qualname"):
        changes["co_qualname"] = oc.co_qualname
    f = types.FunctionType(ours.replace(**changes), globals(), orig.__name__)
    f.__qualname__ = orig.__qualname__
    f.__module__ = orig.__module__
    f.__doc__ = orig.__doc__
    f.__wrapped__ = orig
    setattr(tasks, name, types.coroutine(f))


_AIO = None


def _classify(lane, val, inner):
    """-> (reason, wait kind, detail, value, future, expected wake cause, the
    object whose last actor woke it (a primitive) or the lane it waits for)"""
    if not is_future(val):
        return "yield", None, None, safe_repr(val), None, None, None
    if _T0 is not None and is_sub(type(val), _T0):
        other = _task_lanes.get(id(val))
        nm = other.name if other is not None else _tname(val)
        return "await", "task", "task %s" % nm, nm, val, "done", other
    if inner is not None:
        code = getattr(inner, "cr_code", None) or getattr(inner, "gi_code", None)
        fn = code.co_filename.replace("\\", "/")
        name = code.co_name
        if fn.endswith("asyncio/tasks.py") and name == "sleep":
            d = _local(inner, "delay")
            return "sleep", "timer", "%s s" % safe_repr(d), safe_repr(d), val, "timer", None
        if fn.endswith("asyncio/queues.py"):
            q = _local(inner, "self")
            qn = _qinfo(q)[0] if q is not None else "Queue"
            return "queue", "queue", "%s.%s" % (qn, name), None, val, "put" if name == "get" else "get", q
        if fn.endswith("asyncio/threads.py"):
            f = _local(inner, "func")
            nm = func_name(f) or "function"  # (a callable object of the program's is not asked)
            a, k = _local(inner, "args"), _local(inner, "kwargs")
            a = core.args_repr(a if type(a) is tuple else (), k if type(k) is dict else None)[1:-1]
            # as the program wrote it: to_thread(slow_square, 7)
            return "thread", "thread", "to_thread(%s%s)" % (nm, ", " + a if a else ""), None, val, "done", None
        if fn.endswith("asyncio/locks.py"):
            qn = getattr(code, "co_qualname", name)
            prim = _local(inner, "self")
            pn = _prim_name(prim, qn.split(".")[0]) if prim is not None else qn
            if qn.startswith("Event."):
                return "event", "event", "%s.wait" % pn, None, val, "set", prim
            if qn.startswith("Condition."):
                return "lock", "lock", "%s.%s" % (pn, name), None, val, "notify", prim
            if qn.startswith("Barrier."):
                return "lock", "lock", "%s.%s" % (pn, name), None, val, "done", prim
            return "lock", "lock", "%s.%s" % (pn, "acquire" if name == "__aenter__" else name), None, val, "release", prim
        if fn.endswith(("asyncio/streams.py", "asyncio/selector_events.py", "asyncio/base_events.py", "asyncio/proactor_events.py")):
            fd = None
            try:
                s = _local(inner, "sock")
                # (a socket's own C fileno(); any other object is not asked)
                so = sys.modules.get("_socket")
                S = getattr(so, "socket", None) if so is not None else None
                fd = S.fileno(s) if type(S) is type and is_sub(type(s), S) else None
            except Exception:
                fd = None
            direction = "write" if any(k in name for k in ("write", "send", "drain", "connect")) else "read"
            det = ("fd=%d %s" % (fd, direction)) if fd is not None else "%s %s" % (name, direction)
            return "io-wait", "fd", det, None, val, "fd", None
        if fn.endswith("asyncio/tasks.py") and name in ("wait_for", "wait", "_wait", "gather", "shield"):
            return "await", "future", name, None, val, "done", None
    try:
        for cb in _callbacks(val):
            f = cb[0] if type(cb) is tuple else cb
            if "_chain_future" in (func_name(f) or ""):
                return "thread", "thread", _executor_label(f), None, val, "done", None
    except Exception:
        pass
    tn = type_name(type(val), False)
    if tn == "_GatheringFuture":
        return "await", "future", "gather", None, val, "done", None
    return "future", "future", "%s pending" % tn, None, val, "done", None


def _executor_label(cb):
    """run_in_executor(None, square, 3): the call, from the executor future that
    the awaited future is chained to (a cell of asyncio's own callback)."""
    try:
        fut = sys.modules.get("coroscope.futures")
        for c in cb.__closure__ or ():
            try:
                lb = fut._labels.get(c.cell_contents) if fut is not None else None
            except TypeError:  # (not weakly referable: not a future)
                continue
            if lb:
                return "run_in_executor(%s)" % lb
    except Exception:
        pass
    return "run_in_executor"


# --- why a task woke up -------------------------------------------------------

_actors = {}  # id(primitive) -> (lane, file, line) of the last call that could wake a waiter
_tsites = {}  # id(asyncio.Timeout) -> (file, line) of the async with / wait_for that made it
_pnames = weakref.WeakKeyDictionary()  # asyncio Event/Lock/... -> display name


def _prim_name(prim, label):
    try:
        r = _pnames.get(prim)
    except TypeError:
        return label
    if r is None:
        r = _pnames[prim] = varnames.numbered(label)
    return r


def _actor(obj, f):
    """Note who did something to obj that wakes a waiter (set, release, put...),
    from frame f (the caller of the primitive's method)."""
    try:
        file, line, lane = core.site_lane(f)
        if len(_actors) > 4096:
            _actors.clear()
        _actors[id(obj)] = (lane, file, line)
    except Exception:
        pass


def _wake(lane, w, ts=None):
    on, detail, fut, cause, obj = w
    by = bf = bl = None
    c = lane.wby
    st = future_state(fut) if fut is not None else None  # (not fut.cancelled(): see step_start)
    cancelled = st is not None and st[0] == "CANCELLED"
    if c is not None and cancelled:
        lane.wby = None
        cause, by, bf, bl = c
    elif cancelled and cause != "done":
        cause = "cancel"
    elif type(obj) is core.Lane:
        by = obj
        if obj.esite is not None:
            bf, bl = obj.esite
    elif obj is not None:
        a = _actors.get(id(obj))
        if a is not None:
            by, bf, bl = a
    core.wake(lane, on, detail, cause, by, bf, bl, ts)


def _cancel_cause(task, f):
    """(cause, lane, file, line) of a cancel() called from frame f: a timeout
    (asyncio.timeout / wait_for) or a plain cancel by some task."""
    g = f
    for _ in range(4):
        if g is None:
            break
        code = g.f_code
        fn = code.co_filename.replace("\\", "/")
        if code.co_name == "_on_timeout" and fn.endswith("asyncio/timeouts.py"):
            tm = g.f_locals.get("self")
            site = _tsites.get(id(tm), (None, None))
            return ("timeout", task._cs_lane) + tuple(site)
        if code.co_name in ("wait_for", "_cancel_and_wait") and fn.endswith("asyncio/tasks.py"):
            file, line, lane = core.site_lane(g)
            return ("timeout", lane, file, line)
        g = g.f_back
    file, line, lane = core.site_lane(f)
    return ("cancel", lane, file, line)


def _hook_primitives(locks, timeouts):
    """The calls that wake a waiting task note who made them (only when some
    task waits: set/release on a primitive nobody waits for costs one test)."""

    def noting(orig, waiters):
        def hooked(self, *a, **k):
            if getattr(self, waiters, None):
                _actor(self, _getframe(1))
            return orig(self, *a, **k)

        hooked.__wrapped__ = orig
        hooked.__name__ = orig.__name__
        hooked.__qualname__ = orig.__qualname__
        hooked.__doc__ = orig.__doc__
        return hooked

    for cls, meth in (
        (locks.Event, "set"),
        (locks.Lock, "release"),
        (locks.Semaphore, "release"),
        (locks.Condition, "notify"),
        (locks.Condition, "notify_all"),
    ):
        if meth in cls.__dict__:
            setattr(cls, meth, noting(cls.__dict__[meth], "_waiters"))
    for cls in (locks.Event, locks.Lock, locks.Semaphore, locks.Condition):
        varnames.name_on_init(cls, _pnames)
    if timeouts is not None:
        T = timeouts.Timeout
        o_enter = T.__aenter__

        async def __aenter__(self):
            try:
                if len(_tsites) > 4096:
                    _tsites.clear()
                _tsites[id(self)] = core.user_site(_getframe(1))
            except Exception:
                pass
            return await o_enter(self)

        __aenter__.__wrapped__ = o_enter
        __aenter__.__qualname__ = o_enter.__qualname__
        T.__aenter__ = __aenter__


def _local(c, name):
    fr = getattr(c, "cr_frame", None) or getattr(c, "gi_frame", None)
    if fr is None:
        return None
    return fr.f_locals.get(name)


def _callbacks(f):
    """A Future's done callbacks, from its own field (C getter or instance dict)."""
    m = sys.modules.get("_asyncio")
    F = getattr(m, "Future", None) if m is not None else None
    if type(F) is type and is_sub(type(f), F):
        r = F.__dict__["_callbacks"].__get__(f)
    else:
        from asyncio.futures import _PyFuture

        d = _PyFuture.__dict__["__dict__"].__get__(f) if is_sub(type(f), _PyFuture) else None
        r = dict.get(d, "_callbacks") if type(d) is dict else None
    return r if type(r) is list else ()


def _tname(t):
    return task_name(t) or "task"


def _qname(q):
    e = _qids.get(id(q))
    if e is not None and e[0]() is q:
        return e[1]
    r = _qnames.get(q)
    if r is None:
        from collections import deque

        r = [varnames.numbered("asyncio." + type(q).__name__), deque()]
        _qnames[q] = r
    if len(_qids) > 1000:
        _qids.clear()
    _qids[id(q)] = (weakref.ref(q), r)
    return r


def install(asyncio):
    global _T0, _Coro, _Gen, _get_running_loop
    import types

    _Coro, _Gen = types.CoroutineType, types.GeneratorType
    gens.ASYNCIO[0] = True
    import asyncio.events as events
    import asyncio.tasks as tasks
    import asyncio.base_events as be
    import asyncio.queues as queues

    T0 = tasks.Task
    _T0 = T0
    _get_running_loop = events._get_running_loop

    class Task(T0):
        __slots__ = ("_cs_lane",)  # its lane, read by every step (the task is hot in memory, a dict is not)

        def __init__(self, coro, *args, **kwargs):
            self._cs_lane = None
            try:
                name = kwargs.get("name")
                if name is None and _NAME_LATER:
                    name = _later_name()
                ln = _on_create(coro, name, kwargs.get("loop"))
            except Exception as e:
                ln = None
                core.internal_error("asyncio task", e)
            rl = _running_loop() if ln is not None and kwargs.get("eager_start") else None
            if rl is not None and kwargs.get("loop", rl) is rl:
                # 3.12+ eager start: the first step runs right here, inside
                # __init__, not through Handle._run
                _task_lanes[id(self)] = ln
                self._cs_lane = ln
                try:
                    step_start(ln, _NO_HANDLE, now())
                except Exception as e:
                    core.internal_error("asyncio eager step", e)
                T0.__init__(self, coro, *args, **kwargs)
                try:
                    SLEPT[0] = NOFRAME
                    step_end(ln, self)
                except Exception as e:
                    core.internal_error("asyncio eager step", e)
                return
            T0.__init__(self, coro, *args, **kwargs)
            if ln is not None:
                _task_lanes[id(self)] = ln
                self._cs_lane = ln

        def cancel(self, *args, **kwargs):
            ln = self._cs_lane
            if ln is not None:
                try:
                    if not T0.done(self):
                        ln.wby = _cancel_cause(self, _getframe(1))
                except Exception as e:
                    core.internal_error("asyncio cancel", e)
            return T0.cancel(self, *args, **kwargs)

        def set_name(self, value):
            T0.set_name(self, value)
            try:
                ln = self._cs_lane
                if ln is not None:
                    core.rename(ln, T0.get_name(self))
            except Exception as e:
                core.internal_error("asyncio set_name", e)

    Task.__module__ = T0.__module__
    Task.__qualname__ = T0.__qualname__
    Task.__name__ = T0.__name__
    tasks.Task = Task
    asyncio.Task = Task
    if hasattr(tasks, "create_eager_task_factory"):
        # (3.12+: the module's eager_task_factory was made with the C Task, before
        # this class existed; a factory the program makes from now on gets ours)
        tasks.eager_task_factory = tasks.create_eager_task_factory(Task)
        if getattr(asyncio, "eager_task_factory", None) is not None:
            asyncio.eager_task_factory = tasks.eager_task_factory

    _hook_sleep0(tasks, types)

    H = events.Handle
    orig_run = H._run
    CBK = {}  # id(type of a Handle's callback) -> it is a method-like C or Python type

    def _cb_kind(tc):
        k = (
            tc is types.MethodType
            or tc is types.BuiltinMethodType
            or (type_name(tc, False) == "TaskStepMethWrapper" and type.__dict__["__module__"].__get__(tc) in ("_asyncio", "builtins"))
        )
        CBK[id(tc)] = k
        _cb_types.append(tc)  # (keeps the id its own)
        return k

    # (the names the common step reads are default arguments, the fastest to
    # read; each one costs a little on every call, so the rare ones are globals)
    def _run(
        self, _now=now, _put=_put, OUT=OUT, MAXQ=SOFT_QUEUE, len=len, type=type, BLOCK=core.BLOCKING_NS, STEP=STEP, PEND=PEND, SLEPT=SLEPT, NOFRAME=NOFRAME
    ):
        cb = self._callback
        # a step of one of our Tasks? (no exception when not: most callbacks are
        # plain functions or other objects' methods)
        # (only the step wrapper and methods are asked for their __self__: a
        # callable object of the program's might run code for it)
        k = CBK.get(id(type(cb)))
        if k is None:
            k = _cb_kind(type(cb))
        if not k:
            return orig_run(self)
        t = cb.__self__
        if type(t) is not Task and not issubclass(type(t), Task):
            return orig_run(self)
        ln = t._cs_lane
        if ln is None or ln.cframe is None:
            return orig_run(self)
        args = self._args
        try:
            ts = _now()
            if not args and ln.wait is None and not ln.rdepth:
                # the common start (resumed with nothing, where the last step ended:
                # el/et): held back (writer.PEND)
                ln.since = ts
                if PEND:
                    unpend()
                ln.held = True
                PEND.append(ln)
            else:
                step_start(ln, self, ts)
        except Exception as e:
            core.internal_error("asyncio step", e)
        try:
            if args:
                self._context.run(cb, *args)
            else:
                self._context.run(cb)
        except (SystemExit, KeyboardInterrupt):
            SLEPT[0] = NOFRAME
            try:
                step_end(ln, t)
            except Exception:
                pass
            raise
        except BaseException as exc:
            _report(self, exc)
        try:
            # the common end of a step: suspended in asyncio.sleep(0) called right
            # in the task's coroutine (so it is not done), waiting for no future
            # (a sleep(0) the coroutine drove itself, then an await of a future)
            if SLEPT[0] is ln.cframe and t._fut_waiter is None:
                SLEPT[0] = NOFRAME
                ts = _now()
                since = ln.since
                d = ts - since
                if d <= BLOCK:
                    p = PEND.pop() if PEND else None
                    la = ln.cframe.f_lasti
                    if la == ln.el:
                        # suspended where it resumed (a loop around one await)
                        if p is ln:
                            if len(OUT) < MAXQ or room():
                                _put(f'{STEP}{since},"dur":{d}{ln.etail}')
                            else:
                                core._dropped[0] += 1
                            return
                    else:
                        r = ln.et
                        ln.el = la
                        ln.et = e = ln.cframe.f_lineno
                        ln.etail = ',"task":"%s","line":%d}\n' % (ln.id, e)
                        if p is ln:
                            if len(OUT) < MAXQ or room():
                                if r == e:
                                    _put(f'{STEP}{since},"dur":{d}{ln.etail}')
                                else:
                                    _put(f'{STEP}{since},"dur":{d},"task":"{ln.id}","line":{e},"toLine":{r}}}\n')
                            else:
                                core._dropped[0] += 1
                            return
                    # its start was written already (other lines came in between,
                    # or it started from a wait or inside a delegated coroutine)
                    if ln.rdepth:
                        ln.rdepth = 0
                        ln.rframe = None
                    if p is not None:
                        PEND.append(p)
                        unpend()
                    if ln.held:
                        # another thread took it and is writing it: let it finish
                        # (bounded: whatever happened there, never hang the program)
                        for _ in range(1000):
                            time.sleep(0)
                            if not ln.held:
                                break
                    if len(OUT) < MAXQ or room():
                        _put(f"{SUSPEND}{ts}{ln.etail}")
                    else:
                        core._dropped[0] += 1
                    return
            SLEPT[0] = NOFRAME
            step_end(ln, t)
        except Exception as e:
            core.internal_error("asyncio step", e)

    def _report(self, exc):
        # what Handle._run does with an exception escaping a callback
        from asyncio import format_helpers

        cb = format_helpers._format_callback_source(self._callback, self._args)
        context = {"message": "Exception in callback %s" % cb, "exception": exc, "handle": self}
        if self._source_traceback:
            context["source_traceback"] = self._source_traceback
        self._loop.call_exception_handler(context)

    _run.__wrapped__ = orig_run
    H._run = _run

    orig_rf = be.BaseEventLoop.run_forever

    def run_forever(self, *a, **k):
        me = sys._getframe(0)
        try:
            ll = loop_lane(self)
            frm = core.current_lane()
            frames[id(me)] = [ll, 0, me, core.OWN]
            core.switch(frm, ll, "run")
        except Exception:
            ll = None
        try:
            return orig_rf(self, *a, **k)
        finally:
            if ll is not None:
                try:
                    frames.pop(id(me), None)
                    core.switch(ll, frm, "return")
                except Exception:
                    pass

    run_forever.__wrapped__ = orig_rf
    be.BaseEventLoop.run_forever = run_forever

    try:
        import asyncio.locks as locks

        try:
            import asyncio.timeouts as timeouts
        except ImportError:
            timeouts = None
        _hook_primitives(locks, timeouts)
    except Exception as e:
        core.internal_error("asyncio primitives", e)
    Q = queues.Queue
    Q.__init__ = _queue_init(Q.__init__)
    Q.put_nowait = _queue_hook(Q.put_nowait, True, queues.__name__)
    Q.get_nowait = _queue_hook(Q.get_nowait, False, queues.__name__)
    gens.aio = sys.modules[__name__]


def _queue_init(orig):
    """asyncio.Queue(): named after the variable the creating line assigns it to."""

    def __init__(self, *args, **kwargs):
        orig(self, *args, **kwargs)
        try:
            nm = varnames.assigned(_getframe(1))
            if nm is not None:
                from collections import deque

                _qnames[self] = [nm, deque()]
        except Exception as e:
            core.internal_error("asyncio queue", e)

    __init__.__wrapped__ = orig
    __init__.__qualname__ = orig.__qualname__
    __init__.__doc__ = orig.__doc__
    return __init__


def _qparts(lane, info, f):
    """(task + channel part, site part) of the lines of a queue event by `lane` at
    frame f (the innermost user frame, or None)."""
    pre = ',"task":"%s","channel":%s,"value":' % (lane.id, _q(info[0]))
    if f is None:
        return pre, "}\n"
    fn = f.f_code.co_filename
    if fn == lane.cfile:
        return pre, ',"line":%d}\n' % f.f_lineno  # (in the task's codeFile: readers know it)
    return pre, ',"file":%s,"line":%d}\n' % (_qfile(fn), f.f_lineno)


def _qinfo(q):
    e = _qids.get(id(q))
    if e is None or e[0]() is not q:
        _qname(q)
        e = _qids[id(q)]
    return e[1]


def _qslow(q, f):
    """(queue record, task + channel part, site part) of a transfer made elsewhere
    than right in a task's own coroutine (a helper coroutine or function, a
    callback): walk up to the innermost user frame and the first frame of a lane."""
    info = _qinfo(q)
    uc = core._user_code
    fget = frames.get
    site = None
    lane = None
    n = 0
    while f is not None and n < 64:
        if site is None:
            code = f.f_code
            u = uc.get(id(code))
            if u is None:
                u = core.is_user_code(code)
            if u:
                site = f
        fi = fget(id(f))
        if fi is not None:
            lane = fi[0]
            break
        f = f.f_back
        n += 1
    if lane is None:
        lane = core.root_lane()
    return (info,) + _qparts(lane, info, site)


_NO_ITEM = object()


def _queue_hook(orig, send, qmod):
    """asyncio.Queue.put_nowait / get_nowait (Queue.put / get call them), reporting
    each transfer as a send / recv line, formatted in place: a hot path, hence one
    function with the original call inside, and no frame object made for
    Queue.put / get where the interpreter can name a frame's module without one."""
    _getframe = sys._getframe
    modname = getattr(sys, "_getframemodulename", None)
    fget = frames.get
    _msg = core._msg
    QSR = QS if send else QR

    def hooked(self, item=_NO_ITEM, _now=now, len=len, type=type, PEND=PEND, OUT=OUT, MAXQ=SOFT_QUEUE, int=int, NO=_NO_ITEM):
        # (a positional default, not *args: a call with an argument tuple is not
        # specialized by the interpreter, and this runs for every item)
        wt = len(self._getters if send else self._putters)  # someone to wake: note who does
        r = orig(self) if item is NO else orig(self, item)
        try:
            # the site and the lane: usually the task's own coroutine frame, right
            # above Queue.put / get (or put_nowait / get_nowait); the queue's record
            # and the line parts are cached per lane by instruction offset
            if modname is not None:
                f = _getframe(2) if modname(1) == qmod else _getframe(1)
            else:
                f = _getframe(1)
                if f.f_globals.get("__name__") == qmod:
                    f = f.f_back
            fi = fget(id(f))
            if fi is not None and fi[2] is f:
                lane = fi[0]
                qc = lane.qc
                if qc is None:
                    qc = lane.qc = {}  # (dropped with the task's frame: _forget)
                la = f.f_lasti
                c = qc.get(la)
                if c is None or c[0] is not self:
                    if len(qc) > 64:
                        qc.clear()
                    info = _qinfo(self)
                    c = qc[la] = (self, info) + _qparts(lane, info, f)
                _, info, pre, tail = c
                if wt:
                    _actors[id(self)] = (lane, f.f_code.co_filename, f.f_lineno)
            else:
                lane = None
                info, pre, tail = _qslow(self, f)
                if wt:
                    _actor(self, f)
            if send:
                _msg[0] += 1
                m = _msg[0]
                info[1].append(m)
                v = item
            else:
                m = info[1].popleft() if info[1] else None
                v = r
            fold = ""
            if PEND:
                if lane is not None and PEND[-1] is lane:
                    # the held-back start of this very step: folded into this line
                    # (stepTs, stepLine) rather than written as a resume line of its own
                    try:
                        p = PEND.pop()
                    except IndexError:
                        p = None
                    if p is lane:
                        fold = f',"stepTs":{lane.since},"stepLine":{lane.et}'
                        lane.held = False
                    elif p is not None:
                        PEND.append(p)
                if PEND:
                    unpend()
            if len(OUT) < MAXQ or room():
                # a line = head + ts + (task, channel) part + value + msg + step + site part
                if m is None:
                    _put(f"{QSR}{_now()}{pre}{_q(safe_repr(v))}{fold}{tail}")
                elif type(v) is int and -1152921504606846976 < v < 1152921504606846976:
                    _put(f'{QSR}{_now()}{pre}"{v}","msg":{m}{fold}{tail}')
                else:
                    _put(f'{QSR}{_now()}{pre}{_q(safe_repr(v))},"msg":{m}{fold}{tail}')
            else:
                core._dropped[0] += 1
        except Exception as e:
            core.internal_error("asyncio queue", e)
        return r

    hooked.__wrapped__ = orig
    hooked.__name__ = orig.__name__
    hooked.__qualname__ = orig.__qualname__
    hooked.__doc__ = orig.__doc__
    return hooked
