"""multiprocessing queues as send/recv between processes, and the calls and
results of process pools and executors on the pool's own channel.

A queue gets its channel name where it is created ("JoinableQueue#<pid>.<n>")
and keeps it in every process: fork children inherit the registry below,
spawn and forkserver children get the names of the parent's queues in the
bootstrap info (by the name of each queue's semaphore, which travels with
it); the queue's own pickled state is left as it is, so it loads anywhere.
Each item put while tracing is an envelope (_Env) that ForkingPickler.dumps
writes as the program's object's own pickle followed by a trailer (msg id,
channel, kind): pickle.loads ignores bytes after the pickle, so a process
without the runtime gets the object as if nothing were there; in a traced
process ForkingPickler.loads (used by Queue.get and by stdlib code reading
the pipe directly: the ProcessPoolExecutor / Pool result threads) reads the
trailer and leaves the msg id for the get() wrapper of this thread
(_unwrap). msg ids are numbers unique across processes (core.next_msg: plain
counter in the root, pid * 1e9 + n in children).
"""

import os
import sys
from _thread import get_ident

from . import core, state, varnames, wait_causes, weakmap
from .calls import call_label, pool_label
from .core import safe_repr, drop_own_frame
from .wrappers import like

_qinfo = weakmap.WeakKeyDictionary()  # queue -> [name, quiet]
_qcount = [0]
_last = {}  # thread ident -> (msg, chan, kind) of the last unwrap
_await = {}  # (chan, key) -> lane that waits for that result (this process)
_job_by = {}  # (chan, Pool job) -> lane id of the worker process whose result for it arrived last
_worker_calls = {}  # key -> chan of a call received by this (worker) process


_sent = [False]  # this process has put an item in an envelope


class _Env:
    __slots__ = ("obj", "msg", "chan", "kind")

    def __init__(self, obj, msg, chan=None, kind=None):
        _sent[0] = True
        self.obj = obj
        self.msg = msg
        self.chan = chan
        self.kind = kind

    def __reduce__(self):
        # pickled by something other than ForkingPickler.dumps (which writes the
        # trailer): only the program's object, loadable anywhere
        import operator

        return (operator.getitem, ((self.obj,), 0))


_MAGIC = b"\x00coroscope-msg\x01"  # ends the trailer (a pickle ends with b".")
_TLEN = len(_MAGIC) + 4


def _trailer(e):
    t = ("%d\x1f%s\x1f%s" % (e.msg, e.chan or "", e.kind or "")).encode("utf-8", "surrogatepass")
    return t + len(t).to_bytes(4, "little") + _MAGIC


def _read_trailer(data):
    """(msg, chan, kind) from a message's trailer, or None."""
    n = len(data)
    if n <= _TLEN or data[n - len(_MAGIC) :] != _MAGIC:
        return None
    k = int.from_bytes(bytes(data[n - _TLEN : n - len(_MAGIC)]), "little")
    msg, chan, kind = bytes(data[n - _TLEN - k : n - _TLEN]).decode("utf-8", "surrogatepass").split("\x1f")
    return int(msg), chan or None, kind or None


def _patch_pickler(FP):
    import io

    o_dumps = FP.__dict__["dumps"].__func__  # a classmethod
    o_loads = FP.loads

    def dumps(cls, obj, protocol=None, *a, **k):
        try:
            if type(obj) is not _Env or a or k:
                return o_dumps(cls, obj, protocol, *a, **k)
            # as the original does, with the trailer written into the same buffer (no copy
            # of a large item)
            buf = io.BytesIO()
            cls(buf, protocol).dump(obj.obj)
        except BaseException as e:
            drop_own_frame(e)
            raise
        try:
            buf.write(_trailer(obj))
        except Exception as e:
            core.internal_error("mp pickle", e)
        return buf.getbuffer()

    def loads(data, *a, **k):
        try:
            obj = o_loads(data, *a, **k)
        except BaseException as e:
            drop_own_frame(e)
            raise
        try:
            t = _read_trailer(data)
            if t is not None:
                _unwrap(t[0], t[1], t[2], obj)
        except Exception as e:
            core.internal_error("mp unpickle", e)
        return obj

    FP.dumps = classmethod(like(dumps, o_dumps))
    FP.loads = staticmethod(like(loads, o_loads))


def _unwrap(msg, chan, kind, obj):
    try:
        _last[get_ident()] = (msg, chan, kind)
        if kind is not None and chan is not None:
            _result_arrived(msg, chan, kind, obj)
    except Exception:
        pass
    return obj


_inherited = {}  # semaphore name -> [channel name, quiet]: the parent's queues (spawn, forkserver)


def inherit_queue_names(names):
    if type(names) is dict:
        for sn, r in names.items():
            if type(sn) is str and type(r) is list and len(r) == 2 and type(r[0]) is str:
                _inherited[sn] = [r[0], r[1] if type(r[1]) in (str, bool) else False]


def _semname(q):
    try:
        n = q._rlock._semlock.name
        return n if type(n) is str else None
    except Exception:
        return None


def _qentry(q):
    r = _qinfo.get(q)
    if r is None and _inherited:
        got = _inherited.get(_semname(q))
        if got is not None:
            r = _qinfo[q] = [got[0], got[1]]
    if r is None:
        _qcount[0] += 1
        tn = type(q).__name__
        r = _qinfo[q] = ["%s#%d.%d" % (tn, os.getpid(), _qcount[0]), tn == "_SafeQueue"]
    return r


def _assigned_name(f):
    """The variable the program's line that made this queue assigns it to
    (``q = multiprocessing.Queue()`` -> ``q``): the first frame above the queue's
    own constructors and the context's factory (``ctx.Queue()``), when that is the
    program's; a queue a pool or executor makes for itself keeps its type name.
    In a child process the name carries its pid (``q#<pid>.1``): a child's ``q``
    is another queue than its parent's, and a queue's name is its identity in
    every process."""
    n = 0
    while f is not None and n < 4 and f.f_code.co_filename.endswith(_MP_FACTORIES):
        f = f.f_back
        n += 1
    if f is None or not core.is_user_code(f.f_code):
        return None
    nm = varnames.assigned(f)
    if nm is not None and state.PREFIX:
        _qcount[0] += 1
        nm = "%s#%d.%d" % (nm.split("#")[0], os.getpid(), _qcount[0])
    return nm


_MP_FACTORIES = ("/multiprocessing/queues.py", "/multiprocessing/context.py", "\\multiprocessing\\queues.py", "\\multiprocessing\\context.py")


def _internal_caller(depth):
    """Called from multiprocessing / executor plumbing (Pool's change notifier,
    sentinels, ...), not from the program?"""
    try:
        return core.internal_file(sys._getframe(depth + 1).f_code.co_filename)
    except Exception:
        return False


_MP_QUEUES = ("/multiprocessing/queues.py", "\\multiprocessing\\queues.py")


def _program_op(depth, op):
    """The call the program made, as written: ``op`` when the caller at ``depth`` is the program, ``op + "_nowait"``
    when it is multiprocessing's own ``put_nowait``/``get_nowait`` called by the program (they call
    ``self.put(obj, False)`` / ``self.get(False)``); None when it is other plumbing (a pool's, a manager's)."""
    try:
        f = sys._getframe(depth + 1)
        fn = f.f_code.co_filename
        if not core.internal_file(fn):
            return op
        nw = op + "_nowait"
        if f.f_code.co_name == nw and fn.endswith(_MP_QUEUES):
            b = f.f_back
            if b is not None and not core.internal_file(b.f_code.co_filename):
                return nw
        return None
    except Exception:
        return op


def _take_last():
    return _last.pop(get_ident(), None)


def last_unwrapped():
    """(msg, chan, kind) of the last item this thread unwrapped (futures: which process completed a call), or None."""
    return _last.get(get_ident())


def _value_of(ok, value):
    if ok:
        return safe_repr(value)
    return safe_repr(getattr(value, "exc", value))


def _result_arrived(msg, chan, kind, obj):
    """In the process that waits for results: a result item was unpickled (by
    the stdlib's result thread); record its recv on the lane that submitted."""
    if kind == "result":  # ProcessPoolExecutor _ResultItem
        key = obj.work_id
        exc = obj.exception
        value = _value_of(exc is None, obj.result if exc is None else exc)
    elif kind == "presult":  # Pool (job, i, (ok, value))
        job, i, res = obj
        key = (job, i)
        value = _value_of(res[0], res[1])
        if len(_job_by) > 4096:
            _job_by.clear()
        _job_by[(chan, job)] = wait_causes.process_lane(msg)  # (the last result of a job completes it)
    else:
        return
    lane = _await.pop((chan, key), None)
    if lane is None:
        return
    core.sendrecv("recv", lane, chan, value, msg)


def _patch_queues(mq):
    Q, SQ, JQ = mq.Queue, mq.SimpleQueue, mq.JoinableQueue
    _QTYPES[:] = [Q, SQ, JQ]

    def named_init(cls):
        o_init = cls.__init__

        def __init__(self, *a, **k):
            o_init(self, *a, **k)
            try:
                if self not in _qinfo:
                    nm = _assigned_name(sys._getframe(1)) if state.W is not None else None
                    if nm is not None:
                        _qinfo[self] = [nm, False]
                _qentry(self)
            except Exception:
                pass

        cls.__init__ = like(__init__, o_init)

    named_init(Q)
    named_init(SQ)

    # an item that could not be pickled by the feeder thread goes to the
    # queue's error hook as the program's object, not as the envelope
    o_feed = Q.__dict__.get("_feed")
    if isinstance(o_feed, staticmethod):
        feed = o_feed.__func__

        def _feed(*args):
            try:
                if len(args) >= 2 and callable(args[-2]):
                    onerror = args[-2]

                    def unwrapping(e, obj, _on=onerror):
                        if type(obj) is _Env:
                            obj = obj.obj
                        return _on(e, obj)

                    args = args[:-2] + (unwrapping, args[-1])
            except Exception:
                pass
            return feed(*args)

        Q._feed = staticmethod(like(_feed, feed))

    def wrap_put(cls, sig_block):
        o_put = cls.put

        def envelope(self, obj):
            """-> (item to put, event to record after a successful put or None)"""
            if state.W is None:
                return obj, None  # not tracing: the program's object as is
            name, quiet = _qentry(self)
            if quiet:
                return _quiet_put(self, name, quiet, obj)
            op = _program_op(2, "put")
            if op is None:
                return obj, None
            m = core.next_msg()
            return _Env(obj, m), ("send", core.current_lane(), name, safe_repr(obj), m, None, op)

        if sig_block:

            def put(self, obj, block=True, timeout=None):
                try:
                    item, ev = envelope(self, obj)
                except Exception as e:
                    core.internal_error("mp queue", e)
                    item, ev = obj, None
                # (the feeder thread sends the item after this returns: record after,
                # so a put that times out (Full) records nothing)
                r = o_put(self, item, block, timeout)
                _record(ev)
                return r
        else:

            def put(self, obj):
                try:
                    item, ev = envelope(self, obj)
                except Exception as e:
                    core.internal_error("mp queue", e)
                    item, ev = obj, None
                # SimpleQueue.put pickles and writes at once: record first, so the
                # send is written before the other process's recv and before a
                # worker can be terminated after its last put
                _record(ev)
                try:
                    return o_put(self, item)
                except BaseException:
                    if ev is not None and len(ev) > 5 and ev[5] is not None:
                        _worker_calls[ev[5]] = ev[2]  # a result that did not pickle: its
                    raise  # replacement (the error) goes instead

        cls.put = like(put, o_put)

    def _record(ev):
        if ev is None or state.W is None:
            return
        try:
            kind, lane, name, value, m = ev[:5]
            if len(ev) > 5 and ev[5] is not None:  # a pool/executor result: no user site (see _quiet_get)
                _worker_calls.pop(ev[5], None)
                core.sendrecv(kind, lane, name, value, m)
            else:
                f, l = core.caller_site(3)
                core.sendrecv(kind, lane, name, value, m, f, l, op=ev[6])
                wait_causes.sent(m, lane, f, l)  # (a get here that waited for it: woken by this put)
            state.flush()
        except Exception as e:
            core.internal_error("mp queue", e)

    wrap_put(Q, True)
    wrap_put(JQ, True)
    wrap_put(SQ, False)

    def wrap_get(cls, sig_block):
        o_get = cls.get

        def before(self, block):
            _take_last()
            if block and not self._poll():
                name, quiet = _qentry(self)
                if not quiet and _internal_caller(3):  # (before, traced, get, its caller)
                    return None
                lane = core.current_lane()
                f, l = core.caller_site(4) if not quiet else (None, None)
                core.block(lane, "queue", _quiet_detail(name, quiet), f, l)
                state.flush_in_child()
                return lane
            return None

        def after(self, obj, blocked):
            info = _take_last()
            name, quiet = _qentry(self)
            if blocked is not None:
                # woken by the put of this item: its lane and line when put here, else its process
                by, bf, bl = wait_causes.put_by(info[0]) if info else (None, None, None)
                core.wake(blocked, "queue", _quiet_detail(name, quiet), "put", by, bf, bl)
            if quiet:
                _quiet_get(obj, info)
                state.flush_in_child()
                return
            op = _program_op(3, "get")  # (after, traced, get, its caller)
            if op is None:
                return
            f, l = core.caller_site(4)
            core.sendrecv("recv", core.current_lane(), name, safe_repr(obj), info[0] if info else None, f, l, op=op)
            state.flush_in_child()

        def wake_only(self, blocked):
            try:
                if blocked is not None:
                    core.wake(blocked, "queue", _quiet_detail(*_qentry(self)))
            except Exception:
                pass

        def traced(self, block, args):
            # one body for Queue.get(block, timeout) and SimpleQueue.get()
            blocked = None
            if state.W is not None:
                try:
                    blocked = before(self, block)
                except Exception:
                    blocked = None
            try:
                obj = o_get(self, *args)
            except BaseException as e:
                wake_only(self, blocked)
                drop_own_frame(e)  # (and get's, there)
                raise
            if state.W is not None:
                try:
                    after(self, obj, blocked)
                except Exception as e:
                    core.internal_error("mp queue", e)
            return obj

        if sig_block:

            def get(self, block=True, timeout=None):
                try:
                    return traced(self, block, (block, timeout))
                except BaseException as e:
                    drop_own_frame(e)
                    raise
        else:

            def get(self):
                try:
                    return traced(self, True, ())
                except BaseException as e:
                    drop_own_frame(e)
                    raise

        cls.get = like(get, o_get)

    wrap_get(Q, True)
    wrap_get(SQ, False)


def join_detail(q):
    """block/wake detail of a JoinableQueue's join() (mp_joins.py)."""
    return _qentry(q)[0] + ".join()"


def _quiet_detail(name, quiet):
    """block/wake detail: the queue's name, or the pool/executor it serves."""
    if quiet and quiet is not True:
        return quiet
    return name


# Queues that belong to a pool or executor are "quiet": their raw traffic is not
# shown; calls and results are shown on the pool's own channel instead
# ("ProcessPoolExecutor#1", "Pool#1"). quiet is the channel name (or True).


def _quiet_put(q, name, quiet, obj):
    tn = type(obj).__name__
    if tn == "_CallItem":  # parent's manager thread -> worker
        wi = getattr(q, "pending_work_items", {}).get(obj.work_id)
        info = _futures_route(getattr(wi, "future", None))
        if info is None:
            return obj, None
        chan, m, lane = info[0], info[1], info[2]
        _await[(chan, obj.work_id)] = lane
        return _Env(obj, m, chan, "call"), None
    if tn == "_ResultItem":  # worker -> parent
        key = ("x", obj.work_id)
        chan = _worker_calls.get(key)
        if chan is None:
            return obj, None
        exc = obj.exception
        value = _value_of(exc is None, obj.result if exc is None else exc)
        m = core.next_msg()
        return _Env(obj, m, chan, "result"), ("send", core.current_lane(), chan, value, m, key)
    if tn == "tuple" and len(obj) == 3 and isinstance(quiet, str):  # Pool worker -> parent
        job, i, res = obj
        key = ("p", job, i)
        chan = _worker_calls.get(key)
        if chan is None or not isinstance(res, tuple) or len(res) != 2:
            return obj, None
        m = core.next_msg()
        return _Env(obj, m, chan, "presult"), ("send", core.current_lane(), chan, _value_of(*res), m, key)
    return obj, None


def _quiet_get(obj, info):
    if info is None or info[1] is None:
        return
    m, chan, kind = info
    if kind == "call":
        _worker_calls[("x", obj.work_id)] = chan
        label = call_label(obj.fn, obj.args)
    elif kind == "ptask":
        job, i, func, args, kwds = obj
        _worker_calls[("p", job, i)] = chan
        label = pool_label(func, args)
    else:
        return
    # no file/line: the worker runs the stdlib's loop (in a fork child the
    # nearest user frame would be the parent's fork site)
    core.sendrecv("recv", core.current_lane(), chan, label, m)


_routes = [None]  # future -> [chan, msg, lane, ...] of an executor's call (given by futures.py)


def route_calls(lookup):
    """futures.py tells how to find the call a ProcessPoolExecutor future stands for."""
    _routes[0] = lookup


def _futures_route(fut):
    if fut is None or _routes[0] is None:
        return None
    try:
        return _routes[0](fut)
    except Exception:
        return None


_QTYPES = []  # the queue classes (exact types: looking a user object up in _qinfo would hash it)


def name_if_queue(obj):
    """The channel name of obj when it is a multiprocessing queue, else None."""
    t = type(obj)
    if any(t is q for q in _QTYPES):
        try:
            return _qentry(obj)[0]
        except Exception:
            return None
    return None


def entry(q):
    """[channel name, quiet] of a queue (quiet: the pool or executor it serves;
    set it to show its traffic on that pool's channel)."""
    return _qentry(q)


def envelope(obj, msg, chan, kind):
    """An item to put with a trailer (see above)."""
    return _Env(obj, msg, chan, kind)


def job_done_by(chan, job):
    """The lane id of the worker process whose result last arrived for Pool job ``job`` on ``chan`` (None: none)."""
    return _job_by.get((chan, job))


def awaiting(chan, key, lane):
    """lane waits for the result key on channel chan (its recv when it arrives)."""
    _await[(chan, key)] = lane


def sent_any():
    """Has this process put an item in an envelope (so its parent hears from it)?"""
    return _sent[0]


_travel = {}  # key -> [channel name, False]: other names that go to spawn/forkserver children (mp_pipes: "pipe:<inode>")


def travel(key, name):
    """A name a spawn/forkserver child gets with the queues' (inherited_name(key) there)."""
    if len(_travel) > 4096:
        _travel.clear()
    _travel[key] = [name, False]


def inherited_name(key):
    """The name the parent gave with travel(key), or None."""
    r = _inherited.get(key)
    return r[0] if r is not None else None


def last_taken():
    """(msg, chan, kind) of the item this thread unwrapped last, taken (None: none since the last take)."""
    return _take_last()


def queue_names():
    """{semaphore name: [channel name, quiet]} of the queues of this process
    that a child can get (they travel with a named semaphore)."""
    out = {}
    for q, r in list(_qinfo.items()):
        sn = _semname(q)
        if sn:
            out[sn] = [r[0], r[1] if type(r[1]) is str else bool(r[1])]
    for sn, r in _travel.items():
        out.setdefault(sn, r)
    for sn, r in _inherited.items():
        out.setdefault(sn, r)
    return out


def patch(mq, mr):
    """multiprocessing.queues and the ForkingPickler of multiprocessing.reduction."""
    _patch_pickler(mr.ForkingPickler)
    _patch_queues(mq)


@state.after_fork
def _forget_parent():
    _last.clear()
    _await.clear()
    _job_by.clear()
    _sent[0] = False
