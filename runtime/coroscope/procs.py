"""Processes: fork and multiprocessing (fork and spawn) children traced into the
same trace file (O_APPEND) / their own socket connection, with task ids
"<pid>:<n>"; os._exit flushes; multiprocessing queues as send/recv."""
import os
import sys
import weakref

from . import core, imports
from .core import safe_repr

_orig_exit = os._exit
_child_name = [None]
_fork_parent = [None]


def _before_fork():
    try:
        _fork_parent[0] = core.current_lane().id
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
    try:
        from . import boot, gens
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
        core.frames.clear()
        for modname in ("coroscope.glet", "coroscope.aio"):
            m = sys.modules.get(modname)
            if m is not None:
                for attr in ("_lanes", "_lane_ids", "_task_lanes", "_loop_lanes"):
                    d = getattr(m, attr, None)
                    if d is not None:
                        d.clear()
        boot.state["finished"] = False
        boot.state["mp_child"] = _child_name[0] is not None
        import atexit
        atexit.unregister(boot._atexit)
        trace = os.environ.get(boot.ENV_TRACE)
        sock = os.environ.get(boot.ENV_SOCKET)
        core.PREFIX = "%d:" % os.getpid()
        from .writer import Writer
        core.W = Writer(trace, sock, child=True)
        core.W.write_now(boot.header(boot.state.get("script") or "", sys.argv, core.now()))
        from _thread import get_ident
        core.MAIN = core.declare("process", _child_name[0] or ("fork %d" % os.getpid()),
                                 _fork_parent[0], pid=os.getpid())
        core.thread_lanes.clear()
        core.thread_lanes[get_ident()] = core.MAIN
        core.W.start()
        atexit.register(boot._atexit)
    except Exception:
        pass


def _exit(code):
    try:
        from . import boot
        if boot.state.get("mp_child"):
            if core.MAIN is not None:
                core.end(core.MAIN, "exit", str(code))
            boot.finish(code)
        else:
            boot.flush_now()
    except BaseException:
        pass
    _orig_exit(code)


def _patch_mp(mp):
    import multiprocessing.process as mpp
    import multiprocessing.spawn as sp
    import multiprocessing.queues as mq
    from . import boot
    BP = mpp.BaseProcess
    o_start = BP.start

    def start(self):
        old = {k: os.environ.get(k) for k in ("COROSCOPE_CHILD_NAME", boot.ENV_PARENT)}
        try:
            _child_name[0] = self.name
            os.environ["COROSCOPE_CHILD_NAME"] = self.name
            os.environ[boot.ENV_PARENT] = core.current_lane().id
        except Exception:
            pass
        try:
            return o_start(self)
        finally:
            _child_name[0] = None
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    BP.start = start

    o_gcl = sp.get_command_line

    def get_command_line(**kwds):
        args = o_gcl(**kwds)
        try:
            for i, a in enumerate(args):
                if isinstance(a, str) and "spawn_main" in a and a.startswith("from multiprocessing"):
                    args = list(args)
                    args[i] = "import coroscope.child; " + a
                    break
        except Exception:
            pass
        return args

    sp.get_command_line = get_command_line

    # multiprocessing queues: name travels with the pickled queue
    count = [0]
    Q = mq.Queue
    o_gs, o_ss, o_put, o_get = Q.__getstate__, Q.__setstate__, Q.put, Q.get
    names = weakref.WeakKeyDictionary()

    def qname(q):
        n = names.get(q)
        if n is None:
            count[0] += 1
            n = names[q] = "%s#%d.%d" % (type(q).__name__, os.getpid(), count[0])
        return n

    def gs(self):
        st = o_gs(self)
        try:
            return (st, qname(self))
        except Exception:
            return st

    def ss(self, state):
        if isinstance(state, tuple) and len(state) == 2 and isinstance(state[1], str) \
                and isinstance(state[0], tuple):
            o_ss(self, state[0])
            try:
                names[self] = state[1]
            except Exception:
                pass
        else:
            o_ss(self, state)

    def put(self, obj, block=True, timeout=None):
        r = o_put(self, obj, block, timeout)
        try:
            f, l = core.caller_site(2)
            core.sendrecv("send", core.current_lane(), qname(self), safe_repr(obj), None, f, l)
        except Exception as e:
            core.internal_error("mp queue", e)
        return r

    def get(self, block=True, timeout=None):
        obj = o_get(self, block, timeout)
        try:
            f, l = core.caller_site(2)
            core.sendrecv("recv", core.current_lane(), qname(self), safe_repr(obj), None, f, l)
        except Exception as e:
            core.internal_error("mp queue", e)
        return obj

    Q.__getstate__, Q.__setstate__, Q.put, Q.get = gs, ss, put, get
    JQ = mq.JoinableQueue
    o_jput = JQ.put

    def jput(self, obj, block=True, timeout=None):
        r = o_jput(self, obj, block, timeout)
        try:
            f, l = core.caller_site(2)
            core.sendrecv("send", core.current_lane(), qname(self), safe_repr(obj), None, f, l)
        except Exception as e:
            core.internal_error("mp queue", e)
        return r

    JQ.put = jput


def install():
    os._exit = _exit
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(before=_before_fork, after_in_parent=_after_parent,
                            after_in_child=_after_child)
    imports.when_imported("multiprocessing", _patch_mp)
