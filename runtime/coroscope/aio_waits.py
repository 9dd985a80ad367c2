"""What an asyncio task waits on when its step ends, and why it wakes.

The awaited future is classified by the first library coroutine of the task's
await chain (a sleep, a queue, an ``Event``/``Lock``/``Condition``, a thread, a
socket, a task, a timeout); its wake names the cause and, where another task
decided it, that task and its line (aio_primitives.py notes them)."""

import sys
from types import FunctionType as _FunctionType
from weakref import ref as _ref

from . import aio_primitives, aio_queues, aio_tasks, core, futures
from .core import safe_repr
from .values import future_state, is_future, is_sub, type_name, func_name
from .wrappers import like

_T0 = None  # asyncio's own Task class (set by bind)
_lane_of = None  # our Task's _cs_lane slot getter (set by hook_completions)

# A gather or a TaskGroup is done by the end of one of its tasks: the last one,
# or the first that failed (gather without return_exceptions). Its completion
# notes that task's lane here (id(future) -> (weak reference to the future,
# lane): a future nobody traced waits on is not kept alive with its results);
# the wake of the task that waited on it names it (cause done, by).
_completer = {}
_COMPLETED = object()  # classify's "who woke it" for such a wait: see _completer


def bind(task_class):
    global _T0
    _T0 = task_class


def _completed(fut, child):
    """fut (a gather's or a TaskGroup's) got done by the end of task child."""
    ln = _lane_of(child) if _lane_of is not None and is_sub(type(child), _T0) else None
    if ln is None:
        return
    if len(_completer) > 4096:
        _completer.clear()
    try:
        _completer[id(fut)] = (_ref(fut), ln)
    except TypeError:
        pass  # (a future of another loop's class that takes no weak reference: no by)


def hook_completions(tasks, Task):
    """gather's future and TaskGroup's end note the task whose end completed
    them (a Python method of asyncio's own classes, called once per gather and
    once per TaskGroup task: no step pays for it)."""
    global _lane_of
    _lane_of = Task.__dict__["_cs_lane"].__get__
    import asyncio.events as events

    _Handle.append(events.Handle)
    GF = getattr(tasks, "_GatheringFuture", None)
    if GF is not None:
        from sys import _getframe

        def completing(meth):
            orig = getattr(GF, meth)

            def done(self, *a):
                try:
                    # called by gather's _done_callback(fut), a done callback of the child whose end
                    # completed it, run by the loop's Handle._run: the child is that handle's argument
                    # (the callback's own `fut` is reused by its loop over the children by now)
                    f = _getframe(1)
                    if f.f_code.co_name == "_done_callback" and f.f_code.co_filename.endswith(_TASKS):
                        _completed(self, _handle_arg(f.f_back))
                except Exception as e:
                    core.internal_error("asyncio gather", e)
                return orig(self, *a)

            setattr(GF, meth, like(done, orig, qualname="%s.%s" % (GF.__qualname__, meth)))

        completing("set_result")
        completing("set_exception")
    try:
        import asyncio.taskgroups as tgs
    except ImportError:
        return  # (before 3.11)
    TG = tgs.TaskGroup
    orig_done = TG._on_task_done

    def _on_task_done(self, task):
        # (asyncio's own TaskGroup only: a subclass of the program's is not read)
        fut = self._on_completed_fut if type(self) is TG else None
        r = orig_done(self, task)
        if fut is not None:
            try:
                st = future_state(fut)
                if st is not None and st[0] != "PENDING":
                    _completed(fut, task)
            except Exception as e:
                core.internal_error("asyncio TaskGroup", e)
        return r

    TG._on_task_done = like(_on_task_done, orig_done)


_TASKS = ("asyncio/tasks.py", "asyncio\\tasks.py")
_EVENTS = ("asyncio/events.py", "asyncio\\events.py")
_Handle = []  # asyncio.events.Handle (set by hook_completions)


def _handle_arg(f):
    """The first argument of the callback run by the Handle._run frame at or
    just above f (asyncio's own Handle only), or None."""
    for _ in range(3):
        if f is None:
            return None
        code = f.f_code
        if code.co_name == "_run" and code.co_filename.endswith(_EVENTS):
            h = f.f_locals.get("self")
            if _Handle and type(h) is _Handle[0]:
                a = h._args
                return a[0] if type(a) is tuple and a else None
            return None
        f = f.f_back
    return None


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
            if name == "join":
                # released by the task_done() that finishes the last item (it read `get`, as if room were made)
                return "queue", "queue", "%s.join" % qn, None, val, "done", (_QJOIN, q)
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
        if fn.endswith("asyncio/taskgroups.py"):
            # the end of `async with TaskGroup()`: its tasks' ends (the last one wakes it)
            return "await", "future", "TaskGroup", None, val, "done", _COMPLETED
        if fn.endswith("asyncio/tasks.py") and name in ("wait_for", "wait", "_wait", "gather", "shield"):
            if name == "wait_for" and _local(inner, "timeout_handle") is not None:
                # 3.11's wait_for waits on its own future, released by the awaited call's end or by its timer:
                # which one is told at the wake by whether the call is done (see wake); its lane is found
                # now (a task's lane is forgotten when it ends)
                f = _local(inner, "fut")
                if is_future(f):
                    ln = aio_tasks.lane_of(f)
                    site = aio_tasks.site(lane)
                    return "await", "future", name, None, val, "done", (_WAIT_FOR, f, ln, site[0], site[1], core.seconds(_local(inner, "timeout")))
            if name in ("wait", "_wait"):
                w = _wait_of(lane, inner if name == "_wait" else getattr(inner, "cr_await", None))
                if w is not None:
                    return "await", "future", "wait", None, val, "done", w
            return "await", "future", name, None, val, "done", _COMPLETED if name == "gather" else None
    try:
        for cb in _callbacks(val):
            f = cb[0] if type(cb) is tuple else cb
            if "_chain_future" in (func_name(f) or ""):
                return "thread", "thread", _executor_label(f), None, val, "done", None
            sh = _shielded(f)
            if sh is not None:
                # the outer future of shield(task): the shielded task's end completes it
                return "await", "future", "shield", None, val, "done", aio_tasks.lane_of(sh)
    except Exception:
        pass
    tn = type_name(type(val), False)
    if tn == "_GatheringFuture":
        return "await", "future", "gather", None, val, "done", _COMPLETED
    return "future", "future", "%s pending" % tn, None, val, "done", None


_WAIT_FOR = object()  # classify's obj for 3.11 wait_for: (_WAIT_FOR, future, its lane, file, line, timeout's length)
_QJOIN = object()  # for await q.join(): (_QJOIN, queue)
_WAIT = object()  # for asyncio.wait: (_WAIT, ((child, its lane), ...), return_when, timer handle, file, line)


def _wait_of(lane, w):
    """asyncio.wait's _wait coroutine w (asyncio's own frame, its locals read as
    a dict) -> classify's obj: its children with their lanes, found now (a
    task's lane is forgotten when it ends), its return_when and timer."""
    code = getattr(w, "cr_code", None)
    if code is None or code.co_name != "_wait" or not code.co_filename.replace("\\", "/").endswith("asyncio/tasks.py"):
        return None
    fs = _local(w, "fs")
    if type(fs) is not set:
        return None
    # (a set's own iteration: its members are not asked anything; only asyncio's Task class has a lane)
    kids = tuple((f, aio_tasks.lane_of(f) if is_sub(type(f), _T0) else None) for f in set.__iter__(fs))
    return (_WAIT, kids, _local(w, "return_when"), _local(w, "timeout_handle")) + tuple(aio_tasks.site(lane)[:2])


def _timer_fired(h):
    """wait's timer handle ran (not cancelled: _on_completion cancels it when a child releases the wait)."""
    if h is None:
        return False
    import asyncio.events as events

    return type(h) is events.TimerHandle and not events.Handle.__dict__["_cancelled"].__get__(h)


def _wait_releaser(kids, return_when):
    """The lane of the child whose end released asyncio.wait, replaying its
    _on_completion over the children done, in the order they ended (a child done
    before the wait began counts first; one without a lane names nobody)."""
    done = []
    for i, (f, ln) in enumerate(kids):
        st = future_state(f)
        if st is None or st[0] == "PENDING":
            continue
        e = ln.ended if ln is not None else 0
        done.append((e if type(e) is int else 0, i, ln, st))
    done.sort(key=_first_two)
    counter = len(kids)
    for _, _, ln, st in done:
        counter -= 1
        if counter <= 0 or return_when == "FIRST_COMPLETED" or (return_when == "FIRST_EXCEPTION" and st[0] != "CANCELLED" and st[2] is not None):
            return ln
    return None


def _first_two(x):
    return x[0], x[1]


def _shielded(cb):
    """The task shielded by shield(), from asyncio's own _outer_done_callback
    (its closure cell `inner`), or None."""
    if type(cb) is not _FunctionType:
        return None  # (a callable object of the program's is not asked)
    code = cb.__code__
    if code.co_name != "_outer_done_callback" or not code.co_filename.replace("\\", "/").endswith("asyncio/tasks.py"):
        return None
    try:
        c = cb.__closure__[code.co_freevars.index("inner")].cell_contents
    except (ValueError, IndexError, TypeError):
        return None
    return c if _T0 is not None and is_sub(type(c), _T0) else None


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
    by = bf = bl = sig = after = None
    c = lane.wby
    st = future_state(fut) if fut is not None else None  # (not fut.cancelled(): see step_start)
    cancelled = st is not None and st[0] == "CANCELLED"
    if c is not None and cancelled:
        lane.wby = None
        cause, by, bf, bl = c[:4]
        if len(c) > 4:
            sig = c[4]  # (a cancel by a signal's handler of asyncio's own: Ctrl+C)
        if len(c) > 5:
            after = c[5]  # (a timeout's length)
    elif cancelled and cause != "done":
        cause = "cancel"
    elif type(obj) is tuple and obj[0] is _WAIT_FOR:
        # 3.11 wait_for (classify): its call still running means its timer released it
        st = future_state(obj[1])
        if st is not None and st[0] == "PENDING":
            cause, by, bf, bl, after = "timeout", lane, obj[3], obj[4], obj[5]
        else:
            by = obj[2]
            if by is not None and by.esite is not None:
                bf, bl = by.esite
    elif type(obj) is tuple and obj[0] is _WAIT:
        if _timer_fired(obj[3]):
            cause, by, bf, bl = "timeout", lane, obj[4], obj[5]
        else:
            by = _wait_releaser(obj[1], obj[2])
            if by is not None and by.esite is not None:
                bf, bl = by.esite
    elif type(obj) is tuple and obj[0] is _QJOIN:
        a = aio_primitives.finisher(obj[1])
        if a is not None:
            by, bf, bl = a
    elif obj is _COMPLETED:
        e = _completer.pop(id(fut), None)
        if e is not None and e[0]() is fut:
            # the task whose end completed the gather / TaskGroup, and the line where it ended
            by = e[1]
            if by.esite is not None:
                bf, bl = by.esite
    elif type(obj) is core.Lane:
        by = obj
        if obj.esite is not None:
            bf, bl = obj.esite
    elif obj is not None:
        a = aio_primitives.actor(obj)
        if a is not None:
            by, bf, bl = a
    core.wake(lane, on, detail, cause, by, bf, bl, ts, sig, after)


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
