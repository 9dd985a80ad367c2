"""Threads (a lane each, start/end), queue.Queue put->get as send/recv.
(concurrent.futures: futures.py.) The helper threads of multiprocessing and
ProcessPoolExecutor (queue feeders, result/task handlers, the executor manager)
are plumbing, not lanes: their traffic is shown on the pool's channel instead."""
import sys
import weakref
from _thread import get_ident

from . import core, imports
from .core import safe_repr, exc_summary
from .values import func_code

_thread_lanes = weakref.WeakKeyDictionary()
_qinfo = weakref.WeakKeyDictionary()
_qcount = [0]


def _internal_file(fn):
    """Files of multiprocessing / concurrent.futures.process plumbing."""
    if not fn or core.is_user_file(fn):
        return False
    fn = fn.replace("\\", "/")
    return "/multiprocessing/" in fn or fn.endswith("/concurrent/futures/process.py")


def _is_plumbing(t):
    try:
        tgt = getattr(t, "_target", None)
        c = func_code(tgt)     # (a callable object of the program's is not asked)
        if c is not None:
            # (Queue._feed is wrapped by the runtime: its code is in coroscope/)
            return _internal_file(c.co_filename) or c.co_filename.startswith(core.HERE)
        run = getattr(type(t).run, "__code__", None)
        return run is not None and type(t).__module__ == "concurrent.futures.process"
    except Exception:
        return False


def _patch_threading(threading):
    T = threading.Thread
    o_start = T.start
    o_boot = T._bootstrap_inner

    def start(self):
        try:
            if self not in _thread_lanes and not _is_plumbing(self):
                tgt = getattr(self, "_target", None)
                c = func_code(tgt)
                f, l = core.caller_site(2)
                ln = core.declare("thread", self.name, core.current_lane(), f, l,
                                  c.co_filename if c else None, c.co_firstlineno if c else None)
                _thread_lanes[self] = ln
                inv = getattr(self, "_invoke_excepthook", None)
                if inv is not None:
                    def invoke(thread, _inv=inv, _ln=ln):
                        try:
                            _ln.extra = exc_summary(sys.exc_info()[1])
                        except Exception:
                            pass
                        return _inv(thread)
                    self._invoke_excepthook = invoke
        except Exception as e:
            core.internal_error("thread start", e)
        return o_start(self)

    def _bootstrap_inner(self):
        ln = _thread_lanes.get(self)
        if ln is not None:
            core.thread_lanes[get_ident()] = ln
        elif _is_plumbing(self):
            core.plumbing.add(get_ident())
        try:
            o_boot(self)
        finally:
            if ln is not None:
                try:
                    if ln.extra is not None:
                        core.end(ln, "exception", ln.extra)
                    else:
                        core.end(ln, "return")
                    core.thread_lanes.pop(get_ident(), None)
                except Exception:
                    pass
            else:
                core.plumbing.discard(get_ident())

    T.start = start
    T._bootstrap_inner = _bootstrap_inner


def _qname(q, prefix):
    r = _qinfo.get(q)
    if r is None:
        _qcount[0] += 1
        r = ["%s#%d" % (prefix, _qcount[0]), {}]
        _qinfo[q] = r
    return r


def _patch_queue(queue):
    Q = queue.Queue
    o_put, o_get = Q.put, Q.get

    def put(self, item, block=True, timeout=None):
        r = o_put(self, item, block, timeout)
        if core.W is None or _internal_file(sys._getframe(1).f_code.co_filename):
            return r
        try:
            name, msgs = _qname(self, type(self).__name__)
            m = core.next_msg()
            msgs.setdefault(id(item), []).append(m)
            f, l = core.caller_site(2)
            core.sendrecv("send", core.current_lane(), name, safe_repr(item), m, f, l)
        except Exception as e:
            core.internal_error("queue put", e)
        return r

    def get(self, block=True, timeout=None):
        if core.W is None or _internal_file(sys._getframe(1).f_code.co_filename):
            return o_get(self, block, timeout)
        blocked = None
        try:
            if block and not self._qsize():
                name, _ = _qname(self, type(self).__name__)
                blocked = core.current_lane()
                f, l = core.caller_site(2)
                core.block(blocked, "queue", name, f, l)
        except Exception:
            blocked = None
        try:
            item = o_get(self, block, timeout)
        finally:
            if blocked is not None:
                try:
                    core.wake(blocked, "queue", _qname(self, "")[0])
                except Exception:
                    pass
        try:
            name, msgs = _qname(self, type(self).__name__)
            lst = msgs.get(id(item))
            m = None
            if lst:
                m = lst.pop(0)
                if not lst:
                    del msgs[id(item)]
            f, l = core.caller_site(2)
            core.sendrecv("recv", core.current_lane(), name, safe_repr(item), m, f, l)
        except Exception as e:
            core.internal_error("queue get", e)
        return item

    Q.put = put
    Q.get = get


def install():
    import threading
    _patch_threading(threading)
    imports.when_imported("queue", _patch_queue)
    from . import futures
    futures.install()
