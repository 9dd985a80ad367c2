"""Processes: fork and multiprocessing (fork, spawn, forkserver) children traced
into the same trace file (O_APPEND) / their own socket connection, with task ids
"<pid>:<n>"; os._exit flushes; multiprocessing queues as send/recv.

How a child gets the runtime, per start method (nothing goes through the
environment, which the program and its subprocesses see):
* fork (os.fork, multiprocessing "fork"): the child is a copy; the at-fork hook
  below opens its writer and declares its lane.
* spawn: the child's ``-c`` command line gets a first block that imports
  coroscope.child from the runtime's folder (dormant: multiprocessing hooked);
  the parent adds a "coroscope" entry to multiprocessing's preparation data
  (where events go, the starting lane, the queues' names), and the child starts
  tracing in ``spawn.prepare``, before the program's main module is imported.
* forkserver: the fork server's command line gets the same first block, so the
  server is dormant (not a lane; its preload of the main module is untraced, as
  is everything it does); each child it forks starts tracing in
  ``spawn.prepare`` from the preparation data, like a spawn child.
Wrappers here that an exception of the program can pass through take their
own frame out of its traceback (_drop_own_frame).
"""

import os
import sys
import weakref
from _thread import get_ident

from . import core, imports
from .core import safe_repr

_orig_exit = os._exit
_fork_parent = [None]
_starting = {}  # thread ident -> (name, starting lane id) while that thread starts a Process
_patched = [False]
start_child = [None]  # child.start_from, set by the bootstrap of spawn/forkserver children (child.py)
_installed = [False]


def _drop_own_frame(e):
    """Called in a wrapper's ``except``, before a bare ``raise``: the
    traceback reads as if the wrapper were not there (a bare raise adds no
    entry for the frame it is in)."""
    try:
        tb = e.__traceback__
        if tb is not None and tb.tb_frame is sys._getframe(1):
            e.__traceback__ = tb.tb_next
    except Exception:
        pass


def _before_fork():
    if core.W is None:
        return
    try:
        _fork_parent[0] = core.starter_lane().id
    except Exception:
        _fork_parent[0] = core.MAIN.id if core.MAIN else None
    from . import boot

    boot.flush_now()
    if core.W is not None:
        core.W.stop_thread()


def _after_parent():
    if core.W is not None:
        core.W.start()


def _after_child():
    from . import boot

    if core.W is None:
        return  # not tracing here (e.g. the dormant fork server): nothing to inherit
    st = _starting.get(get_ident())
    child_name = st[0] if st else None
    cfg = boot.state.get("cfg") or {}
    try:
        old = core.W
        core.W = None
        if old is not None:
            for s in old.sinks:
                try:
                    if hasattr(s, "sock") and s.sock is not None:
                        s.sock.close()
                    elif hasattr(s, "fd"):
                        os.close(s.fd)
                except Exception:
                    pass
        core._counter[0] = 0
        core._msg[0] = core.child_msg_base()
        core.frames.clear()
        core.live.clear()  # (the parent's tasks: never "unfinished" here)
        _last.clear()
        _await.clear()
        _sent[0] = False
        _job_lanes.clear()
        aio = sys.modules.get("coroscope.aio")
        if aio is not None:
            # the parent's tasks are the parent's: their steps in a forked child are
            # not traced (their lanes ride on the Task objects themselves)
            for ln in list(aio._task_lanes.values()):
                aio._forget(ln)
                ln.held = False
        for modname in ("coroscope.glet", "coroscope.aio"):
            m = sys.modules.get(modname)
            if m is not None:
                for attr in ("_lanes", "_lane_ids", "_task_lanes", "_loop_lanes"):
                    d = getattr(m, attr, None)
                    if d is not None:
                        d.clear()
        boot.state["finished"] = False
        boot.state["mp_child"] = child_name is not None
        import atexit

        atexit.unregister(boot._atexit)
        trace, sock = cfg.get("trace"), cfg.get("socket")
        if child_name is not None and os.environ.get(boot.ENV_TEST_UNTRACED) == child_name:
            core.PREFIX = "%d:" % os.getpid()
            raise RuntimeError("%s is set to this process's name (a test switch)" % boot.ENV_TEST_UNTRACED)
        core.PREFIX = "%d:" % os.getpid()
        from .writer import Writer

        held = hold_term() if child_name is not None else None
        try:
            core.W = Writer(trace, sock, child=True)
            core.W.write_now(boot.header(boot.state.get("script") or "", sys.argv, core.now()))
            core.MAIN = core.declare("process", child_name or ("fork %d" % os.getpid()), _fork_parent[0], pid=os.getpid())
            core.thread_lanes.clear()
            core.thread_lanes[get_ident()] = core.MAIN
            core.plumbing.clear()
            if child_name is not None:
                core.W.flush()  # the lane is written before the marker says so
                declared()
        finally:
            release_term(held)
        core.W.start()
        atexit.register(boot._atexit)
    except Exception as e:
        # untraced from here: the child runs on as the program made it
        try:
            if core.W is not None:
                boot.abandon(core.exc_summary(e))
            else:
                boot.untraced(cfg, child_name or "fork", core.exc_summary(e))
                from . import gens

                gens.uninstall()
                boot.state["finished"] = True
        except Exception:
            pass


def own_end():
    """Does this child write its lane's ``end`` itself? A multiprocessing child
    whose messages reach its parent has it written by the parent, which learns
    the exit code (or the signal that killed it) when it joins/polls it: one
    writer, so a child killed while shutting down never gets two ``end``s."""
    from . import boot

    return not (boot.state.get("mp_child") and _sent[0])


# Who writes a multiprocessing child's ``end``. The child declares its lane at
# once when it starts, then makes a marker file named after its pid in a private
# folder of the run (cfg "marks"). When the parent reaps the child (Popen.poll)
# and can remove the marker, the child has a lane and did not write its end:
# the parent writes it, with the exit code or the signal (a pool worker
# terminated before it got any work, a daemon terminated at exit). A child that
# writes its own end removes its marker first. A child killed before its
# marker exists has no lane, and gets no end.

_marks_owner = [None]


def marks_dir(create=False):
    from . import boot

    cfg = boot.state.get("cfg")
    if cfg is None:
        return None
    d = cfg.get("marks")
    if d is None and create:
        import tempfile

        d = cfg["marks"] = tempfile.mkdtemp(prefix="coroscope-lanes-")
        _marks_owner[0] = os.getpid()
        try:
            import multiprocessing.util as mu

            # after multiprocessing has joined or terminated the children at exit
            mu.Finalize(None, _remove_marks, args=(d, os.getpid()), exitpriority=-10000)
        except Exception:
            pass
    return d


def _remove_marks(d, pid):
    if os.getpid() != pid:
        return
    import shutil

    shutil.rmtree(d, ignore_errors=True)


def _marker(pid):
    d = marks_dir()
    return os.path.join(d, str(pid)) if d else None


def hold_term():
    """Between writing a child's lane and making its marker, a SIGTERM (a pool
    terminating a worker that is still starting) would leave a lane that no one
    ends: it waits (blocked) until the marker exists, then acts as it would have."""
    try:
        import signal

        return signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM])
    except Exception:
        return None


def release_term(old):
    if old is not None:
        try:
            import signal

            signal.pthread_sigmask(signal.SIG_SETMASK, old)
        except Exception:
            pass


def declared():
    """In a multiprocessing child, once its lane is written: the marker."""
    try:
        m = _marker(os.getpid())
        if m is not None:
            os.close(os.open(m, os.O_CREAT | os.O_WRONLY, 0o600))
    except Exception:
        pass


def end_self(code):
    """This child's lane ends (at its exit), unless its parent writes that."""
    main = core.MAIN
    if main is None or main.ended:
        return
    if not own_end():
        main.ended = True  # the parent writes it
        return
    from . import boot

    m = _marker(os.getpid()) if boot.state.get("mp_child") else None
    if m is None:
        core.end(main, "exit", str(code))
        return
    # from taking the marker to the end being written, a SIGTERM waits: either
    # the parent writes the end, or this process does, never neither
    held = hold_term()
    try:
        try:
            os.unlink(m)
        except FileNotFoundError:
            main.ended = True
            return
        except OSError:
            pass
        core.end(main, "exit", str(code))
        if core.W is not None:
            core.W.flush()
    finally:
        release_term(held)


def _exit(code):
    try:
        from . import boot

        if core.PREFIX:
            # a child process (fork or multiprocessing); the root process alone
            # writes ``finish``
            end_self(code)
            boot.finish(code)
        else:
            boot.flush_now()
    except BaseException:
        pass
    _orig_exit(code)


def _process_name(p):
    """A Process's name without running a property a subclass may define."""
    try:
        n = object.__getattribute__(p, "__dict__").get("_name")
        return n if type(n) is str else None
    except Exception:
        return None


def _bootstrap_prefix(root):
    """What goes before a spawn child's / the fork server's ``-c`` command:
    import the runtime (dormant) from its folder, which is then taken off
    sys.path again; if that fails the process runs on untraced. One ``exec``
    on the command's first line, so the program's code keeps its line numbers
    (a traceback through it reads ``File "<string>", line 1``)."""
    block = (
        "import sys\ntry:\n sys.path.insert(0, %r)\n import coroscope.child\nexcept BaseException:\n pass\nfinally:\n if %r in sys.path: sys.path.remove(%r)\n"
    ) % (root, root, root)
    return "exec(%r); " % block


def _with_bootstrap(args, marker):
    """args with the bootstrap before the ``-c`` command that contains marker."""
    for i, a in enumerate(args):
        if isinstance(a, str) and marker in a and i > 0 and args[i - 1] == "-c":
            args = list(args)
            args[i] = _bootstrap_prefix(os.path.dirname(core.HERE)) + a
            break
    return args


def _queue_names():
    """{semaphore name: [channel name, quiet]} of the queues of this process
    that a child can get (they travel with a named semaphore)."""
    out = {}
    for q, r in list(_qinfo.items()):
        sn = _semname(q)
        if sn:
            out[sn] = [r[0], r[1] if type(r[1]) is str else bool(r[1])]
    for sn, r in _inherited.items():
        out.setdefault(sn, r)
    return out


def _bootstrap_info(name):
    from . import boot

    cfg = boot.state.get("cfg") or {}
    st = _starting.get(get_ident())
    parent = st[1] if st and st[0] == name else (core.MAIN.id if core.MAIN is not None else None)
    return {
        "trace": cfg.get("trace"),
        "socket": cfg.get("socket"),
        "blocking": cfg.get("blocking"),
        "locals": cfg.get("locals"),
        "parent": parent,
        "queues": _queue_names(),
        "marks": cfg.get("marks"),
    }


def patch_mp(mp):
    if _patched[0]:
        return
    _patched[0] = True
    import multiprocessing.process as mpp
    import multiprocessing.spawn as sp
    import multiprocessing.queues as mq
    import multiprocessing.util as mu
    import multiprocessing.reduction as mr

    BP = mpp.BaseProcess
    o_start = BP.start

    def start(self):
        ident = get_ident()
        try:
            _starting[ident] = (_process_name(self), core.starter_lane().id if core.W is not None else None)
            if core.W is not None:
                marks_dir(create=True)
        except Exception:
            pass
        try:
            return o_start(self)
        except BaseException as e:
            _drop_own_frame(e)
            raise
        finally:
            _starting.pop(ident, None)

    BP.start = start

    o_bootstrap = BP._bootstrap

    def _bootstrap(self, *a, **k):
        code = o_bootstrap(self, *a, **k)
        try:
            if core.PREFIX and core.MAIN is not None and core.W is not None:
                boot.state["exit"] = code
                end_self(code)
        except Exception:
            pass
        return code

    from . import boot

    BP._bootstrap = _bootstrap

    o_gcl = sp.get_command_line

    def get_command_line(**kwds):
        args = o_gcl(**kwds)
        if core.W is not None:
            try:
                args = _with_bootstrap(args, "spawn_main")
            except Exception as e:
                core.internal_error("mp spawn", e)
        return args

    sp.get_command_line = get_command_line

    o_gpd = sp.get_preparation_data

    def get_preparation_data(name, *a, **k):
        try:
            d = o_gpd(name, *a, **k)
        except BaseException as e:
            _drop_own_frame(e)
            raise
        if core.W is not None and type(d) is dict:
            try:
                d["coroscope"] = _bootstrap_info(name)  # (prepare() ignores keys it does not know)
            except Exception as e:
                core.internal_error("mp spawn", e)
        return d

    sp.get_preparation_data = get_preparation_data

    o_prepare = sp.prepare

    def prepare(data, *a, **k):
        try:
            info = data.get("coroscope") if type(data) is dict else None
            if info is not None and core.W is None and start_child[0] is not None:
                start_child[0](info, data)
        except Exception:
            pass
        try:
            return o_prepare(data, *a, **k)
        except BaseException as e:
            _drop_own_frame(e)
            raise

    sp.prepare = prepare

    o_spf = getattr(mu, "spawnv_passfds", None)
    if o_spf is not None:

        def spawnv_passfds(path, args, passfds):
            if core.W is not None:
                try:
                    args = _with_bootstrap(args, "multiprocessing.forkserver import main")
                except Exception as e:
                    core.internal_error("mp forkserver", e)
            try:
                return o_spf(path, args, passfds)
            except BaseException as e:
                _drop_own_frame(e)
                raise

        mu.spawnv_passfds = spawnv_passfds

    _patch_pickler(mr.ForkingPickler)
    _patch_queues(mq)
    imports.when_imported("multiprocessing.pool", _patch_pool)
    imports.when_imported("multiprocessing.popen_fork", _patch_popen)
    imports.when_imported("multiprocessing.popen_forkserver", _patch_popen)


_ended_by_parent = set()  # pids of children whose lane's end this process wrote


def _patch_popen(pf):
    """The parent writes the ``end`` of a child's lane when it learns how it
    ended (exit code, or the signal that killed it), if the child has a lane and
    did not write its end itself (see marks_dir)."""
    P = pf.Popen
    o_poll = P.__dict__.get("poll")  # popen_forkserver's own; popen_spawn_posix inherits popen_fork's
    if o_poll is None:
        return

    def poll(self, *a, **k):
        rc = o_poll(self, *a, **k)
        try:
            if rc is not None and core.W is not None and self.pid not in _ended_by_parent:
                _ended_by_parent.add(self.pid)
                m = _marker(self.pid)
                if m is None:
                    return rc
                try:
                    os.unlink(m)
                except OSError:
                    return rc  # no lane, or it wrote its own end
                lane = core.Lane("%d:1" % self.pid, "process", "", None)
                if rc >= 0:
                    core.end(lane, "exit", str(rc))
                else:
                    import signal

                    try:
                        sig = signal.Signals(-rc).name
                    except Exception:
                        sig = "signal %d" % -rc
                    core.end(lane, "killed", sig)
        except Exception:
            pass
        return rc

    P.poll = poll


# --- multiprocessing queues -------------------------------------------------
#
# A queue gets its channel name where it is created ("JoinableQueue#<pid>.<n>")
# and keeps it in every process: fork children inherit the registry below,
# spawn and forkserver children get the names of the parent's queues in the
# bootstrap info (by the name of each queue's semaphore, which travels with
# it); the queue's own pickled state is left as it is, so it loads anywhere.
# Each item put while tracing is an envelope (_Env) that ForkingPickler.dumps
# writes as the program's object's own pickle followed by a trailer (msg id,
# channel, kind): pickle.loads ignores bytes after the pickle, so a process
# without the runtime gets the object as if nothing were there; in a traced
# process ForkingPickler.loads (used by Queue.get and by stdlib code reading
# the pipe directly: the ProcessPoolExecutor / Pool result threads) reads the
# trailer and leaves the msg id for the get() wrapper of this thread
# (_unwrap). msg ids are numbers unique across processes (core.next_msg: plain
# counter in the root, pid * 1e9 + n in children).

_qinfo = weakref.WeakKeyDictionary()  # queue -> [name, quiet]
_qcount = [0]
_last = {}  # thread ident -> (msg, chan, kind) of the last unwrap
_await = {}  # (chan, key) -> lane that waits for that result (this process)
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
            _drop_own_frame(e)
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
            _drop_own_frame(e)
            raise
        try:
            t = _read_trailer(data)
            if t is not None:
                _unwrap(t[0], t[1], t[2], obj)
        except Exception as e:
            core.internal_error("mp unpickle", e)
        return obj

    FP.dumps = classmethod(dumps)
    FP.loads = staticmethod(loads)


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


def _child_flush():
    """In a child process, make a cross-process transfer durable at once: pool
    workers and daemon children are often terminated (SIGTERM) right after
    their last put, before the writer's next ~20 ms flush."""
    w = core.W
    if w is not None and core.PREFIX:
        try:
            w.flush()
        except Exception:
            pass


def flush_cross():
    """After a cross-process send (any process): write it out now, so that in
    the merged file it comes before the other process's recv (readers that keep
    file order then draw the arrow forwards)."""
    w = core.W
    if w is not None:
        try:
            w.flush()
        except Exception:
            pass


def _internal_caller(depth):
    """Called from multiprocessing / executor plumbing (Pool's change notifier,
    sentinels, ...), not from the program?"""
    try:
        from .threads import _internal_file

        return _internal_file(sys._getframe(depth + 1).f_code.co_filename)
    except Exception:
        return False


def _take_last():
    return _last.pop(get_ident(), None)


def _callable_name(fn):
    return getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or type(fn).__name__


def call_label(fn, args, kwargs=None):
    """``square(3)``: the function's name and its arguments as written (a
    functools.partial is unwrapped: to_thread's partial(Context.run, f, *args))."""
    try:
        import functools

        while type(fn) is functools.partial:
            args = tuple(fn.args) + tuple(args or ())
            if fn.keywords:
                kwargs = dict(fn.keywords, **(kwargs or {}))
            fn = fn.func
            if getattr(fn, "__name__", None) == "run" and type(getattr(fn, "__self__", None)).__name__ == "Context" and args:
                fn, args = args[0], args[1:]
    except Exception:
        pass
    return "%s%s" % (_callable_name(fn), core.args_repr(args, kwargs))


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
    else:
        return
    lane = _await.pop((chan, key), None)
    if lane is None:
        return
    core.sendrecv("recv", lane, chan, value, msg)


def _patch_queues(mq):
    Q, SQ, JQ = mq.Queue, mq.SimpleQueue, mq.JoinableQueue

    def named_init(cls):
        o_init = cls.__init__

        def __init__(self, *a, **k):
            o_init(self, *a, **k)
            try:
                _qentry(self)
            except Exception:
                pass

        cls.__init__ = __init__

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

        Q._feed = staticmethod(_feed)

    def wrap_put(cls, sig_block):
        o_put = cls.put

        def envelope(self, obj):
            """-> (item to put, event to record after a successful put or None)"""
            if core.W is None:
                return obj, None  # not tracing: the program's object as is
            name, quiet = _qentry(self)
            if quiet:
                return _quiet_put(self, name, quiet, obj)
            if _internal_caller(2):
                return obj, None
            m = core.next_msg()
            return _Env(obj, m), ("send", core.current_lane(), name, safe_repr(obj), m)

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
                    if ev is not None and len(ev) > 5:
                        _worker_calls[ev[5]] = ev[2]  # a result that did not pickle: its
                    raise  # replacement (the error) goes instead

        cls.put = put

    def _record(ev):
        if ev is None or core.W is None:
            return
        try:
            kind, lane, name, value, m = ev[:5]
            if len(ev) > 5:  # a pool/executor result: no user site (see _quiet_get)
                _worker_calls.pop(ev[5], None)
                core.sendrecv(kind, lane, name, value, m)
            else:
                f, l = core.caller_site(3)
                core.sendrecv(kind, lane, name, value, m, f, l)
            flush_cross()
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
                if not quiet and _internal_caller(2):
                    return None
                lane = core.current_lane()
                f, l = core.caller_site(3) if not quiet else (None, None)
                core.block(lane, "queue", _quiet_detail(name, quiet), f, l)
                _child_flush()
                return lane
            return None

        def after(self, obj, blocked):
            info = _take_last()
            name, quiet = _qentry(self)
            if blocked is not None:
                core.wake(blocked, "queue", _quiet_detail(name, quiet))
            if quiet:
                _quiet_get(obj, info)
                _child_flush()
                return
            if _internal_caller(2):
                return
            f, l = core.caller_site(3)
            core.sendrecv("recv", core.current_lane(), name, safe_repr(obj), info[0] if info else None, f, l)
            _child_flush()

        def wake_only(self, blocked):
            try:
                if blocked is not None:
                    core.wake(blocked, "queue", _quiet_detail(*_qentry(self)))
            except Exception:
                pass

        if sig_block:

            def get(self, block=True, timeout=None):
                blocked = None
                if core.W is not None:
                    try:
                        blocked = before(self, block)
                    except Exception:
                        blocked = None
                try:
                    obj = o_get(self, block, timeout)
                except BaseException:
                    wake_only(self, blocked)
                    raise
                if core.W is not None:
                    try:
                        after(self, obj, blocked)
                    except Exception as e:
                        core.internal_error("mp queue", e)
                return obj
        else:

            def get(self):
                blocked = None
                if core.W is not None:
                    try:
                        blocked = before(self, True)
                    except Exception:
                        blocked = None
                try:
                    obj = o_get(self)
                except BaseException:
                    wake_only(self, blocked)
                    raise
                if core.W is not None:
                    try:
                        after(self, obj, blocked)
                    except Exception as e:
                        core.internal_error("mp queue", e)
                return obj

        cls.get = get

    wrap_get(Q, True)
    wrap_get(SQ, False)

    o_join = JQ.join

    def join(self):
        lane = None
        if core.W is not None:
            try:
                if not self._unfinished_tasks._semlock._is_zero():
                    lane = core.current_lane()
                    f, l = core.caller_site(2)
                    core.block(lane, "queue", _qentry(self)[0] + ".join()", f, l)
            except Exception:
                lane = None
        try:
            return o_join(self)
        finally:
            if lane is not None:
                try:
                    core.wake(lane, "queue", _qentry(self)[0] + ".join()")
                except Exception:
                    pass

    JQ.join = join


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
        label = _pool_label(func, args)
    else:
        return
    # no file/line: the worker runs the stdlib's loop (in a fork child the
    # nearest user frame would be the parent's fork site)
    core.sendrecv("recv", core.current_lane(), chan, label, m)


def _futures_route(fut):
    if fut is None:
        return None
    try:
        from . import futures

        return futures.route.get(fut)
    except Exception:
        return None


# --- multiprocessing.Pool ---------------------------------------------------

_pool_count = [0]
_pool_names = weakref.WeakKeyDictionary()
_job_lanes = {}  # (chan, job) -> lane that submitted the job


def _pool_label(func, args):
    try:
        fname = getattr(func, "__name__", "")
        if fname in ("mapstar", "starmapstar") and getattr(func, "__module__", "") == "multiprocessing.pool":
            f, chunk = args[0]
            return "%s %s(%s)" % ("map" if fname == "mapstar" else "starmap", _callable_name(f), safe_repr(list(chunk))[1:-1])
    except Exception:
        pass
    return call_label(func, args)


def _patch_pool(mpool):
    P = mpool.Pool
    o_setup = P._setup_queues

    def _setup_queues(self):
        o_setup(self)
        try:
            _pool_count[0] += 1
            chan = "%s#%s%d" % (type(self).__name__, core.PREFIX.replace(":", "."), _pool_count[0])
            _pool_names[self] = chan
            inq, outq = self._inqueue, self._outqueue
            if not hasattr(inq, "_writer"):
                return  # ThreadPool: queue.SimpleQueue, same process
            _qentry(inq)[1] = chan
            _qentry(outq)[1] = chan
            quick_put = self._quick_put

            def put_task(task, _put=quick_put, _chan=chan):
                item = task
                ev = None
                try:
                    if core.W is not None and type(task) is tuple and len(task) == 5:
                        job, i, func, args, kwds = task
                        lane = _job_lanes.get((_chan, job))
                        if lane is not None:
                            m = core.next_msg()
                            item = _Env(task, m, _chan, "ptask")
                            _await[(_chan, (job, i))] = lane
                            ev = (lane, _pool_label(func, args), m)
                except Exception:
                    item = task
                if ev is not None:
                    try:
                        core.sendrecv("send", ev[0], _chan, ev[1], ev[2])
                        flush_cross()
                    except Exception:
                        pass
                return _put(item)

            self._quick_put = put_task
        except Exception as e:
            core.internal_error("mp pool", e)

    P._setup_queues = _setup_queues

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
                    if chan is not None and core.W is not None:
                        _job_lanes[(chan, self._job)] = core.current_lane()
                except Exception:
                    pass

            C.__init__ = __init__

        wrap()


def install():
    if _installed[0]:
        return
    _installed[0] = True
    os._exit = _exit
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(before=_before_fork, after_in_parent=_after_parent, after_in_child=_after_child)
    imports.when_imported("multiprocessing", patch_mp)
