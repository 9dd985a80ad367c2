"""multiprocessing.Pool: each task a ``send`` on the pool's channel (``Pool#1``)
from the lane that submitted the job, received by the worker process, its result
sent back (mp_queues.py carries both across the processes)."""

import weakref

from . import core, mp_queues, state
from .calls import pool_label
from .wrappers import like

_pool_count = [0]
_pool_names = weakref.WeakKeyDictionary()
_job_lanes = {}  # (chan, job) -> lane that submitted the job


@state.after_fork
def _forget_parent():
    _job_lanes.clear()


def patch(mpool):
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
                        lane = _job_lanes.get((_chan, job))
                        if lane is not None:
                            m = core.next_msg()
                            item = mp_queues.envelope(task, m, _chan, "ptask")
                            mp_queues.awaiting(_chan, (job, i), lane)
                            ev = (lane, pool_label(func, args), m)
                except Exception:
                    item = task
                if ev is not None:
                    try:
                        core.sendrecv("send", ev[0], _chan, ev[1], ev[2])
                        state.flush()
                    except Exception:
                        pass
                return _put(item)

            self._quick_put = put_task
        except Exception as e:
            core.internal_error("mp pool", e)

    P._setup_queues = like(_setup_queues, o_setup)

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
                        _job_lanes[(chan, self._job)] = core.current_lane()
                except Exception:
                    pass

            C.__init__ = like(__init__, o_init)

        wrap()
