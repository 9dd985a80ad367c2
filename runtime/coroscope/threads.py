"""Threads (a lane each, start/end), queue.Queue put->get as send/recv.
(concurrent.futures: futures.py.) The helper threads of multiprocessing and
ProcessPoolExecutor (queue feeders, result/task handlers, the executor manager)
are plumbing, not lanes: their traffic is shown on the pool's channel instead."""

import sys
from collections import deque
from _thread import get_ident

from . import core, imports, state, thread_waits, varnames, writer, weakmap
from .core import safe_repr, exc_repr
from .values import func_code
from .wrappers import like, runs_program

_thread_lanes = weakmap.WeakKeyDictionary()
_qinfo = weakmap.WeakKeyDictionary()


_internal_file = core.internal_file


def _is_plumbing(t):
    try:
        tgt = getattr(t, "_target", None)
        c = func_code(tgt)  # (a callable object of the program's is not asked)
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
                extra = {}
                if tgt is not None:
                    extra["args"] = core.args_repr(getattr(self, "_args", ()), getattr(self, "_kwargs", None))
                ln = core.declare("thread", self.name, core.current_lane(), f, l, c.co_filename if c else None, c.co_firstlineno if c else None, **extra)
                _thread_lanes[self] = ln
                if tgt is not None and type(self).run is T.run and _unpacks(getattr(self, "_args", ()), getattr(self, "_kwargs", None)):
                    # the stdlib's run() drops what the target returns: call it
                    # through _call, which keeps it (and leaves tracebacks: _unframe)
                    self._target = _call(tgt, ln)
                inv = getattr(self, "_invoke_excepthook", None)
                if inv is not None:

                    def invoke(thread, _inv=inv, _ln=ln):
                        try:
                            e = sys.exc_info()[1]
                            _unframe(e)
                            _ln.extra = exc_repr(e)
                        except Exception:
                            pass
                        return _inv(thread)

                    self._invoke_excepthook = invoke
        except Exception as e:
            core.internal_error("thread start", e)
        # lines of two threads may cross from now on: the writer orders them (set
        # here, before the thread exists, so no step of this one is half-written then)
        writer.THREADED[0] = True
        if writer.PEND:
            writer.unpend()  # (held before: written now, under writer.HAND)
        try:
            return o_start(self)
        except BaseException as e:
            core.drop_own_frame(e)
            raise

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
                        core.end(ln, "return", ln.res)
                    core.thread_lanes.pop(get_ident(), None)
                except Exception:
                    pass
            else:
                core.plumbing.discard(get_ident())

    T.start = like(start, o_start)
    T._bootstrap_inner = like(_bootstrap_inner, o_boot)

    # thread.name = ... / current_thread().name = ...: a rename event
    prop = T.__dict__.get("name")
    if isinstance(prop, property) and prop.fset is not None:
        o_set = prop.fset

        def set_name(self, name):
            o_set(self, name)
            try:
                ln = _thread_lanes.get(self)
                if ln is None and self is threading.main_thread():
                    ln = state.MAIN if state.MAIN is not None and state.MAIN.kind == "main" else None
                if ln is None:
                    ln = core.thread_lanes.get(getattr(self, "_ident", None))
                if ln is not None and type(name) is str:
                    core.rename(ln, name)
            except Exception as e:
                core.internal_error("thread name", e)

        T.name = property(prop.fget, set_name, prop.fdel, prop.__doc__)


def _unpacks(args, kwargs):
    """run()'s `target(*args, **kwargs)` cannot fail before the target is called
    (else its TypeError names the callee: it would be _call)."""
    return type(args) in (tuple, list) and (kwargs is None or (type(kwargs) is dict and all(type(k) is str for k in kwargs)))


def _call(tgt, ln):
    def _call(*args, **kwargs):
        r = tgt(*args, **kwargs)
        try:
            ln.res = safe_repr(r)
        except Exception:
            pass
        return r

    _call.__wrapped__ = tgt
    return _call


_CALL_CODE = _call(None, None).__code__
runs_program(_call(None, None))  # (the thread's target: the program's)


def _unframe(e):
    """Take _call's frame out of an exception's traceback, so the thread's
    traceback reads as without the runtime."""
    tb = getattr(e, "__traceback__", None)
    while tb is not None:
        nxt = tb.tb_next
        if nxt is not None and nxt.tb_frame.f_code is _CALL_CODE:
            tb.tb_next = nxt.tb_next
            return
        tb = nxt


def _qname(q, prefix):
    r = _qinfo.get(q)
    if r is None:
        r = [varnames.numbered(type(q).__name__), {}]
        _qinfo[q] = r
    return r


_put_sites = {}  # msg of an item still in a queue.Queue -> (lane, file, line) of its put
# msg -> the send line's fields of a put that may wait for room (bounded and full): not written yet. Its item goes in
# when room comes, which its thread learns only once the put returns; a consumer can take the item and write its recv
# first. So whoever sees the item in first writes the send: the put when it returns, or the get that took it (just
# before its recv, with the time it took it: after the item went in, before the recv).
_unsent = {}


def _may_block(q):
    """Whether a put on ``q`` may wait for room: bounded and full, read from the instance's own ``maxsize`` and
    ``queue`` deque without running the program's code (a subclass's property or ``_qsize``); unknown reads as may."""
    d = object.__getattribute__(q, "__dict__")
    size = d.get("maxsize", 0)
    if type(size) is not int or size <= 0:
        return type(size) is not int
    items = d.get("queue")
    return type(items) is not deque or len(items) >= size


def _send_unsent(m):
    """Writes the send of msg m's put if no one has yet (_unsent: the put's thread or the taker's, whichever first)."""
    # (its time before the pop: one pop is atomic, so only one of the two writes it, and a get that finds it gone
    # takes its recv's time after this one)
    ts = core.now()
    u = _unsent.pop(m, None)
    if u is not None:
        lane, name, value, f, l, op = u
        core.sendrecv("send", lane, name, value, m, f, l, ts=ts, op=op)


def _patch_queue(queue):
    Q = queue.Queue
    o_put, o_get = Q.put, Q.get
    # put_nowait / get_nowait call put / get: which of them the program called, for the label as written
    nowait = (getattr(Q.put_nowait, "__code__", None), getattr(Q.get_nowait, "__code__", None))

    def put(self, item, block=True, timeout=None):
        if state.W is None or _internal_file(sys._getframe(1).f_code.co_filename):
            return o_put(self, item, block, timeout)
        # The send's msg and time are taken before the item goes in: a consumer thread can take it and write its
        # recv before this thread runs again, which then found no msg to pair with (the arrow was lost) and had a
        # time before the send's. A put that may block on a full queue takes its time when it is in.
        m = place = None
        try:
            name, msgs = _qname(self, type(self).__name__)
            f, l = core.caller_site(2)
            lane = core.current_lane()
            op = "put_nowait" if sys._getframe(1).f_code is nowait[0] else "put"
            m = core.give_msg(msgs, item)
            _put_sites[m] = (lane, f, l)  # (the get that takes this item was woken by this put)
            if not _may_block(self):
                # (its place in the trace too, kept while the put runs: lines other threads queue meanwhile are newer)
                place = writer.late(core.now())
            else:
                _unsent[m] = (lane, name, safe_repr(item), f, l, op)
        except Exception as e:
            core.internal_error("queue put", e)
        try:
            r = o_put(self, item, block, timeout)
        except BaseException as e:
            if m is not None:  # (Full, ShutDown, an interrupt: nothing went in)
                core.drop_msg(msgs, item, m)
                _put_sites.pop(m, None)
                _unsent.pop(m, None)
            if place is not None:
                writer.fill(place, "")
            core.drop_own_frame(e)
            raise
        if m is not None:
            try:
                if place is not None:
                    core.sendrecv("send", lane, name, safe_repr(item), m, f, l, ts=place.ts, op=op, into=place)
                else:
                    _send_unsent(m)  # (unless the get that took the item wrote it)
                thread_waits.note_actor(self, lane, f, l)  # (a waiting get's wake: "put" by this)
            except Exception as e:
                if place is not None:
                    writer.fill(place, "")
                core.internal_error("queue put", e)
        return r

    def get(self, block=True, timeout=None):
        if state.W is None or _internal_file(sys._getframe(1).f_code.co_filename):
            return o_get(self, block, timeout)
        blocked = None
        try:
            if block and not self._qsize():
                name, _ = _qname(self, type(self).__name__)
                blocked = core.current_lane()
                f, l = core.caller_site(2)
                core.block(blocked, "queue", name, f, l)
                blocked.wait = ("queue", name)
        except Exception:
            blocked = None
        try:
            item = o_get(self, block, timeout)
        except BaseException as e:
            core.drop_own_frame(e)
            raise
        finally:
            if blocked is not None:
                try:
                    blocked.wait = None
                    # the put of the item it got (the last put may have come after: `q.put(None)` lines later)
                    lst = _qname(self, "")[1].get(id(item))
                    a = (_put_sites.get(lst[0]) if lst else None) or thread_waits.actor(self) or (None, None, None)
                    core.wake(blocked, "queue", _qname(self, "")[0], "put", *a)
                except Exception:
                    pass
        try:
            name, msgs = _qname(self, type(self).__name__)
            m = core.take_msg(msgs, item)
            _put_sites.pop(m, None)
            if _unsent:
                _send_unsent(m)
            f, l = core.caller_site(2)
            op = "get_nowait" if sys._getframe(1).f_code is nowait[1] else "get"
            core.sendrecv("recv", core.current_lane(), name, safe_repr(item), m, f, l, op=op)
        except Exception as e:
            core.internal_error("queue get", e)
        return item

    Q.put = like(put, o_put)
    Q.get = like(get, o_get)
    o_init = Q.__init__

    def __init__(self, *args, **kwargs):
        o_init(self, *args, **kwargs)
        try:
            # named after the variable the creating line assigns it to (q = Queue())
            nm = varnames.assigned(sys._getframe(1))
            if nm is not None:
                _qinfo[self] = [nm, {}]
        except Exception as e:
            core.internal_error("queue name", e)

    Q.__init__ = like(__init__, o_init)


def lane_of_thread(t):
    """The lane of a Thread the program started, or None (gev.py: a thread that gevent's monkey-patching runs as a
    greenlet keeps this lane, not a second one named after ``Thread._bootstrap``)."""
    try:
        return _thread_lanes.get(t)
    except TypeError:
        return None


def install():
    import threading

    _patch_threading(threading)
    thread_waits.install(_thread_lanes.get)
    imports.when_imported("queue", _patch_queue)
