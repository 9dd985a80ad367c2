"""A small Stackless Python compatible module on top of greenlet.

Installed as ``stackless`` by the Coroscope runtime only when no real
``stackless`` module can be imported. Covers what tutorials use: tasklet
(bind/setup/insert/remove/run/kill/raise_exception/alive/blocked), channel
(send/receive/balance/send_exception/iteration/close), schedule, run,
getcurrent, getmain, getruncount. Round-robin run queue; channels prefer the
receiver (-1), as Stackless does by default.
"""

import sys
from collections import deque

import greenlet as _greenlet_mod

try:
    from coroscope import glet as _glet, core as _core
except Exception:  # usable without the runtime too
    _glet = _core = None

_CG = _glet.C_GREENLET if _glet is not None and _glet.C_GREENLET is not None else _greenlet_mod.greenlet
_getcurrent_g = _greenlet_mod.getcurrent


class TaskletExit(SystemExit):
    pass


_runq = deque()
_by_g = {}  # id(greenlet) -> tasklet
_main = None
_chan_count = [0]


_outcomes = {}  # id(greenlet) -> (outcome, value repr) of a tasklet whose function just ended


def _ended(g, outcome, v):
    """How the tasklet's function ended, for its lane's end (glet.outcome_hook):
    the return value or the exception, as safe reprs (nothing of the program runs)."""
    if _core is None:
        return
    try:
        _outcomes[id(g)] = (outcome, _core.safe_repr(v) if outcome == "return" else _core.exc_repr(v))
    except Exception:
        pass


def _outcome_hook(prev):
    def hook(g):
        r = _outcomes.pop(id(g), None)
        if r is not None:
            return r
        return prev(g) if prev is not None else None

    return hook


if _glet is not None:
    _glet.outcome_hook = _outcome_hook(_glet.outcome_hook)


def _announce(g, reason, value=None):
    if _glet is not None:
        try:
            _glet.announce(g, reason, value)
        except Exception:
            pass


def _site():
    if _core is None:
        return None
    try:
        return _core.caller_site(3)
    except Exception:
        return None


class tasklet:
    def __init__(self, func=None, *args, **kwargs):
        self._func = None
        self._args = ()
        self._kwargs = {}
        self._g = None
        self.alive = False
        self.blocked = False
        self._recv = None
        self._woke = None  # (lane, file, line) of the receive that took what it was sending
        self._killer = None
        self.tempval = None
        self.name = None
        if func is not None:
            self.bind(func)
        if args or kwargs:
            self.setup(*args, **kwargs)

    def bind(self, func=None, args=None, kwargs=None):
        if func is not None:
            if not callable(func):
                raise TypeError("tasklet function must be a callable")
            self._func = func
            self.name = getattr(func, "__name__", "tasklet")
        if args is not None:
            self._args = tuple(args)
        if kwargs is not None:
            self._kwargs = dict(kwargs)
        return self

    def setup(self, *args, **kwargs):
        if self._func is None:
            raise RuntimeError("tasklet has no function bound")
        self._args, self._kwargs = args, kwargs
        self._g = _CG(self._bootstrap, _main_tasklet()._g)
        _by_g[id(self._g)] = self
        if _glet is not None and _glet.C_GREENLET is not None:
            try:
                code = getattr(self._func, "__code__", None)
                # (this module is the runtime's stand-in for Stackless Python: said on each lane)
                _glet.register(self._g, "tasklet", self.name, _glet.current_lane(), _site(), code, args=_core.args_repr(args, kwargs), stackless="emulated")
            except Exception:
                pass
        self.alive = True
        self.insert()
        return self

    __call__ = setup

    def _bootstrap(self, *_ignored):
        nxt = None
        try:
            r = self._func(*self._args, **self._kwargs)
        except TaskletExit as e:
            _ended(self._g, "killed", e)
        except BaseException as e:
            self.alive = False
            _by_g.pop(id(self._g), None)
            _ended(self._g, "exception", e)
            raise  # lands in the main tasklet (the greenlet's parent)
        else:
            _ended(self._g, "return", r)
        self.alive = False
        _by_g.pop(id(self._g), None)
        if self._killer is not None and self._killer.alive:
            nxt = self._killer
            try:
                _runq.remove(nxt)
            except ValueError:
                pass
        elif _runq:
            nxt = _runq.popleft()
        if nxt is not None and nxt._g is not None and not nxt._g.dead:
            try:
                self._g.parent = nxt._g
            except ValueError:
                pass
        return None

    def insert(self):
        if not self.alive:
            raise RuntimeError("You cannot run an unbound(dead) tasklet")
        if not self.blocked and self not in _runq and self is not getcurrent():
            _runq.append(self)
        return self

    def remove(self):
        try:
            _runq.remove(self)
        except ValueError:
            pass
        return self

    def run(self):
        cur = getcurrent()
        if self is cur:
            return
        self.remove()
        _runq.appendleft(cur)
        _announce(self._g, "schedule")
        self._g.switch()

    switch = run

    def kill(self, pending=False):
        if not self.alive:
            return
        if self._g is None or not self._g:  # never started
            self.remove()
            self.alive = False
            if self._g is not None and _glet is not None:
                try:
                    ln = _glet.lane_of(self._g)
                    _core.end(ln, "killed", "TaskletExit")
                except Exception:
                    pass
            return
        self.raise_exception(TaskletExit)

    def raise_exception(self, exc_class, *args):
        cur = getcurrent()
        self.remove()
        self.blocked = False
        self._killer = cur
        if cur not in _runq and cur is not self:
            pass
        _announce(self._g, "kill" if exc_class is TaskletExit else "throw", exc_class.__name__ if isinstance(exc_class, type) else None)
        try:
            self._g.throw(exc_class, exc_class(*args) if isinstance(exc_class, type) else exc_class)
        finally:
            self._killer = None

    throw = raise_exception

    @property
    def scheduled(self):
        return self in _runq or self is getcurrent()

    @property
    def is_main(self):
        return self is _main

    @property
    def is_current(self):
        return self is getcurrent()

    @property
    def paused(self):
        return self.alive and not self.scheduled and not self.blocked

    def __repr__(self):
        return "<stackless.tasklet %s%s>" % (self.name or "main", "" if self.alive else " dead")


def _main_tasklet():
    global _main
    if _main is None:
        t = tasklet()
        t._g = _getcurrent_g()
        while t._g.parent is not None:
            t._g = t._g.parent
        t.alive = True
        t.name = "main"
        _main = t
        _by_g[id(t._g)] = t
    return _main


def getcurrent():
    t = _by_g.get(id(_getcurrent_g()))
    return t if t is not None else _main_tasklet()


def getmain():
    return _main_tasklet()


def getruncount():
    return len(_runq) + 1


def schedule(retval=None):
    cur = getcurrent()
    if not _runq:
        return retval
    _runq.append(cur)
    nxt = _runq.popleft()
    if nxt is not cur:
        _announce(nxt._g, "schedule")
        nxt._g.switch()
    return retval


def schedule_remove(retval=None):
    if not _runq:
        return retval
    nxt = _runq.popleft()
    _announce(nxt._g, "schedule")
    nxt._g.switch()
    return retval


def run(timeout=0, threadblock=False, soft=False, ignore_nesting=False, totaltimeout=False):
    """Run the queued tasklets until none is runnable (called from main)."""
    _main_tasklet()
    while _runq:
        schedule()


def _block(reason, value=None, chan=None, site=None):
    """The current tasklet waits on a channel: a ``block`` on it, then the
    scheduler's choice of the next runnable tasklet (a ``schedule`` switch: the
    blocked one hands nothing to it)."""
    cur = getcurrent()
    if not _runq:
        raise RuntimeError("Deadlock: the last runnable tasklet cannot be blocked.")
    nxt = _runq.popleft()
    if chan is not None and _core is not None and _glet is not None and _glet.C_GREENLET is not None:
        try:
            f, l = site or (None, None)
            ln = _glet.lane_of(cur._g)
            _core.block(ln, "channel", chan, f, l)
            ln.wait = ("channel", chan)
        except Exception:
            pass
    _announce(nxt._g, reason, value)
    nxt._g.switch()


def _woken(t, chan, cause, by):
    """t got control back after waiting on a channel: its ``wake``, with the
    tasklet and the call that ended the wait."""
    if _core is None or _glet is None or _glet.C_GREENLET is None:
        return
    try:
        ln = _glet.lane_of(t._g)
        ln.wait = None
        lane, f, l = by or (None, None, None)
        _core.wake(ln, "channel", chan, cause, lane, f, l)
    except Exception:
        pass


def _who(t, site):
    try:
        return (_glet.lane_of(t._g),) + tuple(site or (None, None))
    except Exception:
        return None


class _Raise:
    __slots__ = ("exc",)

    def __init__(self, exc):
        self.exc = exc


class channel:
    def __init__(self):
        _chan_count[0] += 1
        self._name = "channel#%d" % _chan_count[0]
        if _core is not None:
            try:
                from coroscope import varnames

                # named after the variable the creating line assigns it to (ch = channel())
                self._name = varnames.assigned(sys._getframe(1)) or self._name
            except Exception:
                pass
        self.queue = deque()  # blocked senders (cur, value, msg) or receivers
        self.balance = 0
        self.preference = -1
        self.closing = False

    @property
    def closed(self):
        return self.closing and not self.queue

    def _event(self, kind, t, value, msg):
        if _core is None or _glet is None or _glet.C_GREENLET is None:
            return
        try:
            ln = _glet.lane_of(t._g)
            f, l = _core.caller_site(3)
            op = "send" if kind == "send" else "receive"  # (channel.send / channel.receive, as written)
            _core.sendrecv(kind, ln, self._name, _core.safe_repr(value.exc if isinstance(value, _Raise) else value), msg, f, l, op=op)
        except Exception:
            pass

    def send(self, value):
        if self.closing:
            raise ValueError("Send/receive operation on a closed channel")
        cur = getcurrent()
        msg = _core.next_msg() if _core is not None else None
        self._event("send", cur, value, msg)
        if self.balance < 0:
            r = self.queue.popleft()
            self.balance += 1
            r._recv = (value, msg, _who(cur, _site()) if _glet is not None else None)
            r.blocked = False
            _runq.append(cur)  # prefer the receiver
            _announce(r._g, "channel", _core.safe_repr(value) if _core else None)
            r._g.switch()
            return None
        self.queue.append((cur, value, msg))
        self.balance += 1
        cur.blocked = True
        cur._woke = None
        try:
            _block("schedule", None, self._name, _site())
        except BaseException:
            self._drop(cur)
            raise
        _woken(cur, self._name, "receive", cur._woke)
        cur._woke = None
        return None

    def _drop(self, cur):
        for i, item in enumerate(self.queue):
            if (item[0] if isinstance(item, tuple) else item) is cur:
                del self.queue[i]
                self.balance += -1 if isinstance(item, tuple) else 1
                break
        cur.blocked = False

    def send_exception(self, exc_class, *args):
        return self.send(_Raise(exc_class(*args)))

    def send_throw(self, exc, tb=None):
        return self.send(_Raise(exc))

    def receive(self):
        cur = getcurrent()
        if self.balance > 0:
            s, value, msg = self.queue.popleft()
            self.balance -= 1
            s.blocked = False
            s._woke = _who(cur, _site()) if _glet is not None else None
            _runq.append(s)
        else:
            if self.closing:
                raise ValueError("Send/receive operation on a closed channel")
            self.queue.append(cur)
            self.balance -= 1
            cur.blocked = True
            cur._recv = None
            try:
                _block("schedule", None, self._name, _site())
            except BaseException:
                self._drop(cur)
                raise
            if cur._recv is None:
                raise RuntimeError("Deadlock: the last runnable tasklet cannot be blocked.")
            value, msg, by = cur._recv
            cur._recv = None
            _woken(cur, self._name, "send", by)
        self._event("recv", cur, value, msg)
        if isinstance(value, _Raise):
            raise value.exc
        return value

    def __iter__(self):
        return self

    def __next__(self):
        if self.closed:
            raise StopIteration
        return self.receive()

    next = __next__

    def close(self):
        self.closing = True

    def open(self):
        self.closing = False

    def __repr__(self):
        return "<stackless.channel %s balance=%d>" % (self._name, self.balance)


main = property(lambda self: getmain())
