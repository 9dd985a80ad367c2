"""asyncio primitives: who woke a waiting task. The calls that can wake one
(``Event.set``, ``Lock``/``Semaphore.release``, ``Condition.notify``, and the
asyncio queues' transfers, aio_queues.py) note the caller's lane and line, only
while someone waits; a Task's ``cancel()`` notes its canceller, or the
``asyncio.timeout``/``wait_for`` that fired; primitives are named after the
variable the creating line assigns them to."""

from sys import _getframe

from . import core, varnames, weakmap
from .wrappers import like

_actors = {}  # id(primitive) -> (lane, file, line) of the last call that could wake a waiter
_tsites = {}  # id(asyncio.Timeout) -> (file, line, its length) of the async with / wait_for that made it
_tlens = {}  # id(asyncio.Timeout) -> its length in seconds (JSON text), from its making until it is entered
_TIMEOUTS = ("asyncio/timeouts.py", "asyncio\\timeouts.py")
_pnames = weakmap.WeakKeyDictionary()  # asyncio Event/Lock/... -> display name


def prim_name(prim, label):
    try:
        r = _pnames.get(prim)
    except TypeError:
        return label
    if r is None:
        r = _pnames[prim] = varnames.numbered(label)
    return r


def note_caller(obj, f):
    """Note who did something to obj that wakes a waiter (set, release, put...),
    from frame f (the caller of the primitive's method)."""
    try:
        file, line, lane = core.site_lane(f)
        if len(_actors) > 4096:
            _actors.clear()
        _actors[id(obj)] = (lane, file, line)
    except Exception:
        pass


def note_finish(q, f):
    """The task_done() called from frame f finished q's last item: it releases q.join()."""
    try:
        file, line, lane = core.site_lane(f)
        if len(_actors) > 4096:
            _actors.clear()
        _actors[("join", id(q))] = (lane, file, line)
    except Exception:
        pass


def finisher(q):
    """(lane, file, line) of the task_done() that last finished q's items, or None."""
    return _actors.get(("join", id(q)))


def note(obj, lane, file, line):
    """lane, at file:line, did something to obj that wakes a waiter."""
    _actors[id(obj)] = (lane, file, line)


def actor(obj):
    """(lane, file, line) of the last call that could wake obj's waiters, or None."""
    return _actors.get(id(obj))


def cancel_cause(task, f):
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
            site = _tsites.get(id(tm), (None, None, None))
            return ("timeout", task._cs_lane, site[0], site[1], None, site[2])
        if code.co_name in ("wait_for", "_cancel_and_wait") and fn.endswith("asyncio/tasks.py"):
            file, line, lane = core.site_lane(g)
            # (3.11: wait_for cancels the task it made of the awaited call; its timeout is that frame's argument)
            w = g if code.co_name == "wait_for" else g.f_back
            t = w.f_locals.get("timeout") if w is not None and w.f_code.co_name == "wait_for" else None
            return ("timeout", lane, file, line, None, core.seconds(t))
        if code.co_name == "_on_task_done" and fn.endswith("asyncio/taskgroups.py"):
            # a TaskGroup cancels its other tasks and its parent because this child failed: the child did it,
            # where it raised (the loop only ran the child's done callback)
            child = g.f_locals.get("task")
            ln = getattr(child, "_cs_lane", None) if type(child) is type(task) else None
            if ln is not None:
                return ("cancel", ln) + (ln.esite or (None, None))
        if code.co_name == "_on_sigint" and fn.endswith("asyncio/runners.py"):
            # Ctrl+C: asyncio.run's SIGINT handler cancels the main task (no task of the
            # program's did: the frame below the handler is whatever SIGINT interrupted)
            return ("signal", None, None, None, "SIGINT")
        g = g.f_back
    file, line, lane = core.site_lane(f)
    return ("cancel", lane, file, line)


def hook(locks, timeouts):
    """The calls that wake a waiting task note who made them (only when some
    task waits: set/release on a primitive nobody waits for costs one test)."""

    def noting(orig, waiters):
        def hooked(self, *a, **k):
            if getattr(self, waiters, None):
                note_caller(self, _getframe(1))
            try:
                return orig(self, *a, **k)
            except BaseException as e:
                core.drop_own_frame(e)
                raise

        return like(hooked, orig)

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
        o_init, o_enter = T.__init__, T.__aenter__

        def __init__(self, *a, **k):
            try:
                o_init(self, *a, **k)
            except BaseException as e:
                core.drop_own_frame(e)  # (a bad argument's error: plain Python's traceback)
                raise
            try:
                # its length as the program gave it: asyncio.timeout(delay) makes it with the deadline only
                # (loop.time() + delay); the delay is that call's argument (timeout_at(when) has none)
                f = _getframe(1)
                if f.f_code.co_name == "timeout" and f.f_code.co_filename.endswith(_TIMEOUTS):
                    d = core.seconds(f.f_locals.get("delay"))
                    if d is not None:
                        if len(_tlens) > 4096:
                            _tlens.clear()
                        _tlens[id(self)] = d
            except Exception:
                pass

        async def __aenter__(self):
            try:
                if len(_tsites) > 4096:
                    _tsites.clear()
                site = core.user_site(_getframe(1))
                _tsites[id(self)] = (site[0], site[1], _tlens.pop(id(self), None))
            except Exception:
                pass
            try:
                return await o_enter(self)
            except BaseException as e:
                core.drop_own_frame(e)  # (an entered Timeout's RuntimeError: plain Python's traceback)
                raise

        T.__init__ = like(__init__, o_init)
        T.__aenter__ = like(__aenter__, o_enter)
