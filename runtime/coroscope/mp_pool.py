"""multiprocessing.Pool: each task a ``send`` on the pool's channel (``Pool#1``)
from the lane that submitted the job, received by the worker process, its result
sent back (mp_queues.py carries both across the processes)."""

import sys

from . import core, mp_queues, state, weakmap
from .calls import pool_label
from .wrappers import like

_pool_count = [0]
_pool_names = weakmap.WeakKeyDictionary()
_completers = {}  # id(ApplyResult) -> lane id of the worker process whose result completed it
_job_lanes = {}  # (chan, job) -> (lane that submitted the job, (file, line) of the program's call, {task i: msg} sent)
_POOL_PY = ("/multiprocessing/pool.py", "\\multiprocessing\\pool.py")


@state.after_fork
def _forget_parent():
    _job_lanes.clear()


def _call_tasks(frame):
    """[(task index, label)] of the job the pool method at or above ``frame`` is making, when its tasks are
    known at the call: apply_async, and map/starmap/map_async/starmap_async/imap/imap_unordered of a list, tuple
    or range (cut into chunks as Pool._get_tasks does); None otherwise (imap of another iterable: the handler
    thread reads it, item by item, and only exact built-in sequences are looked into)."""
    f = frame
    n = 0
    while f is not None and n < 4:
        c = f.f_code
        if c.co_filename.endswith(_POOL_PY):
            if c.co_name == "apply_async":
                loc = f.f_locals
                return [(0, pool_label(loc["func"], loc["args"]))]
            if c.co_name == "_map_async":
                loc = f.f_locals
                it, size, func, mapper = loc["iterable"], loc["chunksize"], loc["func"], loc["mapper"]
                t = type(it)
                if not (t is list or t is tuple or t is range) or type(size) is not int or size <= 0:
                    return None
                return [(i, pool_label(mapper, ((func, tuple(it[k : k + size])),))) for i, k in enumerate(range(0, len(it), size))]
            if c.co_name in ("imap", "imap_unordered"):
                # (one task per item, or, with a chunksize, the chunks Pool._get_tasks makes, each a mapstar call)
                loc = f.f_locals
                it, size, func = loc["iterable"], loc["chunksize"], loc["func"]
                t = type(it)
                if not (t is list or t is tuple or t is range) or type(size) is not int or size <= 0:
                    return None
                if size == 1:
                    return [(i, pool_label(func, (x,))) for i, x in enumerate(it)]
                return [(i, pool_label(_mapstar[0], ((func, tuple(it[k : k + size])),))) for i, k in enumerate(range(0, len(it), size))]
        else:
            return None  # (above the pool's own frames: MapResult.__init__ calls ApplyResult's)
        f = f.f_back
        n += 1
    return None


def _send_at_call(chan, lane, site, frame):
    """The sends of a job's tasks, at the program's call (its lane, line and time): {task index: msg}."""
    tasks = _call_tasks(frame)
    if not tasks:
        return None
    sent = {}
    for i, label in tasks:
        m = sent[i] = core.next_msg()
        core.sendrecv("send", lane, chan, label, m, site[0], site[1])
    state.flush()
    return sent


_mapstar = [None]  # multiprocessing.pool.mapstar (imap's chunks call it)


def patch(mpool):
    _mapstar[0] = getattr(mpool, "mapstar", None)
    P = mpool.Pool
    o_setup = P._setup_queues

    def _setup_queues(self):
        o_setup(self)
        try:
            _pool_count[0] += 1
            chan = "%s#%s%d" % (type(self).__name__, state.PREFIX.replace(":", "."), _pool_count[0])
            _pool_names[self] = chan
            inq, outq = self._inqueue, self._outqueue
            if not hasattr(inq, "_writer"):
                return  # ThreadPool: queue.SimpleQueue, same process
            mp_queues.entry(inq)[1] = chan
            mp_queues.entry(outq)[1] = chan
            quick_put = self._quick_put

            def put_task(task, _put=quick_put, _chan=chan):
                item = task
                ev = None
                try:
                    if state.W is not None and type(task) is tuple and len(task) == 5:
                        job, i, func, args, kwds = task
                        jl = _job_lanes.get((_chan, job))
                        if jl is not None:
                            lane, site, sent = jl
                            m = sent.pop(i, None) if sent else None
                            if m is None:
                                # (not sent at the call: its items are read from the program's iterable here)
                                m = core.next_msg()
                                ev = (lane, pool_label(func, args), m, site)
                            item = mp_queues.envelope(task, m, _chan, "ptask")
                            mp_queues.awaiting(_chan, (job, i), lane)
                except Exception:
                    item = task
                if ev is not None:
                    try:
                        core.sendrecv("send", ev[0], _chan, ev[1], ev[2], ev[3][0], ev[3][1])
                        state.flush()
                    except Exception:
                        pass
                return _put(item)

            self._quick_put = put_task
        except Exception as e:
            core.internal_error("mp pool", e)

    P._setup_queues = like(_setup_queues, o_setup)

    AR = getattr(mpool, "ApplyResult", None)
    if AR is not None:
        o_wait = AR.wait

        def wait(self, timeout=None):
            # r.get(), pool.map(...): the program's lane waits for the job's results (a pool's own wait, on an
            # Event of multiprocessing's, is not the program's call: recorded here, at the program's line)
            try:
                chan = _pool_names.get(self._pool) if state.W is not None and not self.ready() else None
            except TypeError:
                chan = None  # (done meanwhile: its _pool is None)
            if chan is None:
                return o_wait(self, timeout)
            f, l, lane = core.site_lane(sys._getframe(1))
            d = "%s on %s" % ("map()" if type(self).__name__ == "MapResult" else "get()", chan)
            core.block(lane, "future", d, f, l)
            try:
                return o_wait(self, timeout)
            finally:
                done = self.ready()
                core.wake(lane, "future", d, "done" if done else "timer", _completers.pop(id(self), None) if done else None)

        AR.wait = like(wait, o_wait)

        def wrap_set(C):
            o_set = C.__dict__["_set"]

            def _set(self, i, obj):
                # (the result handler thread: the result just unpickled is the one that completes the job when
                # the job is ready after it -- a map's last chunk, or its first failure)
                # (noted before the result is set: setting it wakes the waiter, which may read this before
                # o_set returns; a later result of a job already complete no longer overwrites it)
                try:
                    chan = _pool_names.get(self._pool) if state.W is not None and not self.ready() else None
                    if chan is not None:
                        if len(_completers) > 4096:
                            _completers.clear()
                        _completers[id(self)] = mp_queues.job_done_by(chan, self._job)
                except Exception:
                    pass
                return o_set(self, i, obj)

            C._set = like(_set, o_set)

        for C in (AR, getattr(mpool, "MapResult", None)):
            if C is not None and "_set" in C.__dict__:
                wrap_set(C)

    for cname in ("ApplyResult", "IMapIterator"):
        C = getattr(mpool, cname, None)
        if C is None:
            continue

        def wrap(C=C):
            o_init = C.__init__

            def __init__(self, pool, *a, **k):
                o_init(self, pool, *a, **k)
                try:
                    chan = _pool_names.get(pool)
                    if chan is not None and state.W is not None:
                        # (the program's call that made the job: pool.map(...), apply_async(...); its tasks go
                        # to the workers' pipe later, from the pool's task handler thread, which has no line of
                        # the program's: sent here, at the call's time, when its tasks are known now)
                        lane = core.current_lane()
                        site = core.user_site(sys._getframe(1))
                        _job_lanes[(chan, self._job)] = (lane, site, _send_at_call(chan, lane, site, sys._getframe(1)))
                except Exception as e:
                    core.internal_error("mp pool call", e)

            C.__init__ = like(__init__, o_init)

        wrap()
