"""Threads (a lane each, start/end), queue.Queue put->get as send/recv,
concurrent.futures submissions as send events."""
import sys
import weakref
from _thread import get_ident

from . import core, imports
from .core import safe_repr, exc_summary

_thread_lanes = weakref.WeakKeyDictionary()
_qinfo = weakref.WeakKeyDictionary()
_qcount = [0]


def _patch_threading(threading):
    T = threading.Thread
    o_start = T.start
    o_boot = T._bootstrap_inner

    def start(self):
        try:
            if self not in _thread_lanes:
                tgt = getattr(self, "_target", None)
                c = getattr(tgt, "__code__", None)
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


def _patch_futures(cf):
    import concurrent.futures.thread as cft
    count = [0]
    names = weakref.WeakKeyDictionary()

    def wrap(cls, label):
        o_submit = cls.submit

        def submit(self, fn, *args, **kwargs):
            fut = o_submit(self, fn, *args, **kwargs)
            try:
                nm = names.get(self)
                if nm is None:
                    count[0] += 1
                    nm = names[self] = "%s#%d" % (label, count[0])
                f, l = core.caller_site(2)
                core.sendrecv("send", core.current_lane(), nm,
                              "%s%s" % (getattr(fn, "__qualname__", getattr(fn, "__name__", "call")),
                                        safe_repr(args) if args else "()"), None, f, l)
            except Exception as e:
                core.internal_error("futures submit", e)
            return fut
        cls.submit = submit

    wrap(cft.ThreadPoolExecutor, "ThreadPoolExecutor")
    # concurrent.futures.process imports multiprocessing: patch it only once the
    # program uses it (a plain ``import asyncio`` imports concurrent.futures)
    imports.when_imported("concurrent.futures.process",
                          lambda cfp: wrap(cfp.ProcessPoolExecutor, "ProcessPoolExecutor"))


def install():
    import threading
    _patch_threading(threading)
    imports.when_imported("queue", _patch_queue)
    imports.when_imported("concurrent.futures", _patch_futures)
