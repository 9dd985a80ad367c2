"""What an asyncio task waits on when its step ends, and why it wakes.

The awaited future is classified by the first library coroutine of the task's
await chain (a sleep, a queue, an ``Event``/``Lock``/``Condition``, a thread, a
socket, a task, a timeout); its wake names the cause and, where another task
decided it, that task and its line (aio_primitives.py notes them)."""

import sys

from . import aio_primitives, aio_queues, aio_tasks, core, futures
from .core import safe_repr
from .values import future_state, is_future, is_sub, type_name, func_name

_T0 = None  # asyncio's own Task class (set by bind)


def bind(task_class):
    global _T0
    _T0 = task_class


def classify(lane, val, inner):
    """-> (reason, wait kind, detail, value, future, expected wake cause, the
    object whose last actor woke it (a primitive) or the lane it waits for)"""
    if not is_future(val):
        return "yield", None, None, safe_repr(val), None, None, None
    if _T0 is not None and is_sub(type(val), _T0):
        other = aio_tasks.lane_of(val)
        nm = other.name if other is not None else aio_tasks.tname(val)
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
            qn = aio_queues.queue_info(q)[0] if q is not None else "Queue"
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
            pn = aio_primitives.prim_name(prim, qn.split(".")[0]) if prim is not None else qn
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
            if name == "wait_for" and _local(inner, "timeout_handle") is not None:
                # 3.11's wait_for waits on its own future, released by the awaited call's end or by its timer:
                # which one is told at the wake by whether the call is done (see wake)
                f = _local(inner, "fut")
                if is_future(f):
                    return "await", "future", name, None, val, "done", (f,) + tuple(aio_tasks.site(lane)[:2])
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
        for c in cb.__closure__ or ():
            lb = futures.label(c.cell_contents)
            if lb:
                return "run_in_executor(%s)" % lb
    except Exception:
        pass
    return "run_in_executor"


def wake(lane, w, ts=None):
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
    elif type(obj) is tuple:
        # 3.11 wait_for (classify): its call still running means its timer released it
        st = future_state(obj[0])
        if st is not None and st[0] == "PENDING":
            cause, by, bf, bl = "timeout", lane, obj[1], obj[2]
        else:
            by = aio_tasks.lane_of(obj[0])
    elif type(obj) is core.Lane:
        by = obj
        if obj.esite is not None:
            bf, bl = obj.esite
    elif obj is not None:
        a = aio_primitives.actor(obj)
        if a is not None:
            by, bf, bl = a
    core.wake(lane, on, detail, cause, by, bf, bl, ts)


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
