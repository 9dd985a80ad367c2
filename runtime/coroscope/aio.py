"""asyncio: a lane per Task, the event loop as a lane, each step as a pair of
switches (loop -> task "step", task -> loop with the reason of what it awaits),
block/wake on what it waits for, a loop-blocked mark for long steps, asyncio
queues as send/recv.

Tasks are seen by installing a thin subclass of the C Task as asyncio.Task (the
C step machinery is kept); steps are the task coroutine's frame resuming and
suspending, seen by the generator capture (gens.py) which hands frames it was
told about (``gens.preowned``) to step_start/step_end here.
"""
import sys
import weakref

from . import core, gens
from .core import now, safe_repr, exc_summary, frames

_loop_lanes = {}                 # id(loop) -> lane
_task_lanes = {}                 # id(task) -> lane
_T0 = None
_qnames = weakref.WeakKeyDictionary()
_qcount = [0]


def loop_lane(loop):
    ln = _loop_lanes.get(id(loop))
    if ln is None:
        ln = core.declare("event-loop", "event loop", core.current_lane())
        ln.obj = weakref.ref(loop)
        _loop_lanes[id(loop)] = ln
    return ln


def _on_create(task, coro, name, loop):
    code = getattr(coro, "cr_code", None) or getattr(coro, "gi_code", None)
    if code is None or not core.is_user_code(code):
        return
    fr = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
    if fr is None:
        return
    if loop is None:
        try:
            import asyncio
            loop = asyncio.get_event_loop_policy().get_event_loop() if False else asyncio.get_running_loop()
        except Exception:
            loop = None
    creator = core.current_lane()
    ll = loop_lane(loop) if loop is not None else creator
    file, line = core.caller_site(3)
    tname = name if isinstance(name, str) else getattr(code, "co_qualname", code.co_name)
    ln = core.declare("asyncio-task", tname, creator, file, line, code.co_filename, code.co_firstlineno)
    ln.extra = ll
    gens.preowned[id(fr)] = (ln, fr)
    return ln


def _on_done(task):
    try:
        ln = _task_lanes.pop(id(task), None)
        if ln is None:
            return
        try:
            c = task.get_coro()
            fr = getattr(c, "cr_frame", None)
            if fr is not None:
                gens.preowned.pop(id(fr), None)
        except Exception:
            pass
        if task.cancelled():
            core.end(ln, "cancelled", "CancelledError")
        else:
            e = task.exception()
            if e is not None:
                core.end(ln, "exception", exc_summary(e))
            else:
                core.end(ln, "return", safe_repr(task.result()))
    except Exception as e:
        core.internal_error("asyncio done", e)


def step_start(lane, frame, thrown):
    ll = lane.extra or core.MAIN
    value = None
    w = lane.wait
    if w is not None:
        lane.wait = None
        on, detail, fut = w
        if on is not None:
            core.wake(lane, on, detail)
        if fut is not None:
            try:
                if fut.done():
                    if fut.cancelled():
                        value = "CancelledError"
                    elif fut.exception() is not None:
                        value = exc_summary(fut.exception())
                    else:
                        value = safe_repr(fut.result())
            except Exception:
                pass
    if thrown is not None and thrown is not True:
        value = exc_summary(thrown)
    lane.since = now()
    core.switch(ll, lane, "step", value, None, None, frame.f_code.co_filename, frame.f_lineno,
                lane.rdepth, lane.rframe, ts=lane.since)


def step_end(lane, frame, code, how, val):
    ll = lane.extra or core.MAIN
    ys = lane.ysite
    lane.ysite = None
    if ys is not None:
        file, line, depth, fname = ys
    else:
        file, line, depth, fname = code.co_filename, frame.f_lineno, 0, None
    t = now()
    dur = t - lane.since
    if dur > core.BLOCKING_NS:
        ms = dur // 1_000_000
        core.mark("loop-blocked", "%s held the event loop for %d ms" % (lane.name, ms),
                  lane, ms, None, file, line)
    if how == "yield":
        lane.rdepth, lane.rframe = depth, fname
        reason, on, detail, value, fut = _classify(lane, val)
        core.switch(lane, ll, reason, value, file, line, None, None, depth, fname, ts=t)
        if on is not None:
            core.block(lane, on, detail, file, line)
        lane.wait = (on, detail, fut) if (on is not None or fut is not None) else None
        return
    lane.rdepth, lane.rframe = 0, None
    if how == "return":
        core.switch(lane, ll, "return", safe_repr(val), file, line, ts=t)
    else:
        v = exc_summary(val) if val is not None else None
        cancelled = v is not None and v.startswith("CancelledError")
        core.switch(lane, ll, "cancelled" if cancelled else "raise", v, file, line, ts=t)


_AIO = None


def _classify(lane, val):
    """-> (reason, wait kind, detail, value, future)"""
    if val is None:
        return "sleep", None, None, "0", None
    if not hasattr(val, "_asyncio_future_blocking"):
        return "yield", None, None, safe_repr(val), None
    if _T0 is not None and isinstance(val, _T0):
        other = _task_lanes.get(id(val))
        nm = other.name if other is not None else _tname(val)
        return "await", "task", "task %s" % (other.id if other is not None else nm), nm, val
    # find what the task is awaiting: the innermost coroutine in its await chain
    inner = None
    try:
        t = lane.obj() if lane.obj is not None else None
        c = t.get_coro() if t is not None else None
        n = 0
        while c is not None and n < 50:
            code = getattr(c, "cr_code", None) or getattr(c, "gi_code", None)
            if code is not None and not core.is_user_code(code):
                inner = c
                break
            c = getattr(c, "cr_await", None) or getattr(c, "gi_yieldfrom", None)
            n += 1
    except Exception:
        inner = None
    if inner is not None:
        code = getattr(inner, "cr_code", None) or getattr(inner, "gi_code", None)
        fn = code.co_filename.replace("\\", "/")
        name = code.co_name
        if fn.endswith("asyncio/tasks.py") and name == "sleep":
            d = _local(inner, "delay")
            return "sleep", "timer", "%s s" % safe_repr(d), safe_repr(d), val
        if fn.endswith("asyncio/queues.py"):
            return "queue", "queue", "Queue.%s" % name, None, val
        if fn.endswith("asyncio/threads.py"):
            f = _local(inner, "func")
            nm = getattr(f, "__qualname__", None) or getattr(f, "__name__", "function")
            return "thread", "thread", "to_thread(%s)" % nm, None, val
        if fn.endswith("asyncio/locks.py"):
            kind = "event" if "Event" in getattr(code, "co_qualname", "") else "lock"
            return "lock", kind, getattr(code, "co_qualname", name), None, val
        if fn.endswith(("asyncio/streams.py", "asyncio/selector_events.py", "asyncio/base_events.py",
                        "asyncio/proactor_events.py")):
            fd = None
            try:
                s = _local(inner, "sock")
                fd = s.fileno() if s is not None else None
            except Exception:
                fd = None
            direction = "write" if any(k in name for k in ("write", "send", "drain", "connect")) else "read"
            det = ("fd=%d %s" % (fd, direction)) if fd is not None else "%s %s" % (name, direction)
            return "io-wait", "fd", det, None, val
        if fn.endswith("asyncio/tasks.py") and name in ("wait_for", "wait", "_wait", "gather", "shield"):
            return "await", "future", name, None, val
    try:
        for cb in getattr(val, "_callbacks", None) or ():
            f = cb[0] if isinstance(cb, tuple) else cb
            if "_chain_future" in getattr(f, "__qualname__", ""):
                return "thread", "thread", "run_in_executor", None, val
    except Exception:
        pass
    tn = type(val).__name__
    if tn == "_GatheringFuture":
        return "await", "future", "gather", None, val
    return "future", "future", "%s pending" % tn, None, val


def _local(c, name):
    fr = getattr(c, "cr_frame", None) or getattr(c, "gi_frame", None)
    if fr is None:
        return None
    return fr.f_locals.get(name)


def _tname(t):
    try:
        return t.get_name()
    except Exception:
        return "task"


def _qname(q):
    r = _qnames.get(q)
    if r is None:
        _qcount[0] += 1
        from collections import deque
        r = ["asyncio.Queue#%d" % _qcount[0], deque()]
        _qnames[q] = r
    return r


def install(asyncio):
    global _T0
    import asyncio.tasks as tasks
    import asyncio.base_events as be
    import asyncio.queues as queues
    T0 = tasks.Task
    _T0 = T0

    class Task(T0):
        def __init__(self, coro, *args, **kwargs):
            ln = None
            try:
                ln = _on_create(self, coro, kwargs.get("name"), kwargs.get("loop"))
            except Exception as e:
                core.internal_error("asyncio task", e)
            T0.__init__(self, coro, *args, **kwargs)
            if ln is not None:
                try:
                    if kwargs.get("name") is None:
                        nm = T0.get_name(self)
                        if not nm.startswith("Task-"):
                            ln.name = nm
                    ln.obj = weakref.ref(self)
                    _task_lanes[id(self)] = ln
                    T0.add_done_callback(self, _on_done)
                except Exception as e:
                    core.internal_error("asyncio task", e)

    Task.__module__ = T0.__module__
    Task.__qualname__ = T0.__qualname__
    Task.__name__ = T0.__name__
    tasks.Task = Task
    asyncio.Task = Task

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

    Q = queues.Queue
    o_put, o_get = Q.put_nowait, Q.get_nowait

    def put_nowait(self, item):
        r = o_put(self, item)
        try:
            name, msgs = _qname(self)
            m = core.next_msg()
            msgs.append(m)
            f, l = core.caller_site(2)
            core.sendrecv("send", core.current_lane(), name, safe_repr(item), m, f, l)
        except Exception as e:
            core.internal_error("asyncio queue", e)
        return r

    def get_nowait(self):
        item = o_get(self)
        try:
            name, msgs = _qname(self)
            m = msgs.popleft() if msgs else None
            f, l = core.caller_site(2)
            core.sendrecv("recv", core.current_lane(), name, safe_repr(item), m, f, l)
        except Exception as e:
            core.internal_error("asyncio queue", e)
        return item

    Q.put_nowait = put_nowait
    Q.get_nowait = get_nowait
    gens.aio = sys.modules[__name__]
