"""gevent.queue transfers: each put / put_nowait is a ``send`` and each get /
get_nowait a ``recv`` (paired by ``msg``, with ``op`` the method called), for
Queue, JoinableQueue, Channel, LifoQueue and PriorityQueue, so their lanes,
lenses and exports count and show what crossed.

gevent's compiled queues are immutable types: such a class is replaced in
``gevent.queue`` by a subclass of the same name whose methods record (hooked
when gevent.queue is imported, before the program can import the names; an
object made from the original class is not recorded). A class that can be
changed (a pure-Python build, LifoQueue, PriorityQueue) gets the methods set on it.
"""

import sys

from . import core, glet, state, varnames, weakmap
from .core import safe_repr
from .wrappers import delegating, like

_NAMES = ("Queue", "JoinableQueue", "Channel", "LifoQueue", "PriorityQueue", "SimpleQueue")
_info = weakmap.WeakKeyDictionary()  # queue -> [name, {id(item): [msg, ...]}]
_ours = set()  # the recording methods (a subclass that inherits one is not wrapped twice)
_quiet = [0]  # inside put_nowait / get_nowait (they call put / get, and never switch): record once


def _entry(q):
    try:
        r = _info.get(q)
        if r is None:
            r = _info[q] = [varnames.numbered(type(q).__name__), {}]
        return r
    except TypeError:  # (not weakly referable: a subclass with __slots__)
        return [type(q).__name__, {}]


def _lane():
    return glet.current_lane() or core.current_lane()


def _record(kind, q, item, op):
    """The ``send`` / ``recv`` line of a transfer the program made by calling the wrapper ``op`` that calls this
    (nothing while not tracing); a failure here is the runtime's, reported, never the program's."""
    if state.W is None:
        return
    try:
        name, msgs = _entry(q)
        m = core.give_msg(msgs, item) if kind == "send" else core.take_msg(msgs, item)
        f, l = core.caller_site(3)  # (0 caller_site, 1 here, 2 the wrapper, 3 whoever called it)
        core.sendrecv(kind, _lane(), name, safe_repr(item), m, f, l, op=op)
    except Exception as e:
        core.internal_error("gevent queue " + op, e)


def _methods(base):
    """The recording put / get / put_nowait / get_nowait / __init__ over ``base``'s."""
    o_init, o_put, o_get = base.__init__, base.put, base.get
    o_pn, o_gn = getattr(base, "put_nowait", None), getattr(base, "get_nowait", None)
    rendezvous = any(c.__name__ == "Channel" for c in base.__mro__)

    def __init__(self, *a, **k):
        o_init(self, *a, **k)
        try:
            # named after the variable the creating line assigns it to (log = Queue())
            nm = varnames.assigned(sys._getframe(1)) if state.W is not None else None
            if nm is not None:
                _info[self] = [nm, {}]
        except Exception:
            pass

    # (each frame out of the traceback of what the original raises: Empty, Full, a Timeout)
    @delegating
    def put(self, item, block=True, timeout=None):
        try:
            if _quiet[0]:  # (inside put_nowait, which records)
                return o_put(self, item, block, timeout)
            if rendezvous:
                # (a Channel's put returns only once a get took the item: the send is written first, so
                # it comes before its recv; a put that then times out has still written it)
                _record("send", self, item, "put")
                return o_put(self, item, block, timeout)
            r = o_put(self, item, block, timeout)
        except BaseException as e:
            core.drop_own_frame(e)
            raise
        _record("send", self, item, "put")
        return r

    @delegating
    def get(self, block=True, timeout=None):
        try:
            item = o_get(self, block, timeout)
        except BaseException as e:
            core.drop_own_frame(e)
            raise
        if not _quiet[0]:  # (inside get_nowait, which records)
            _record("recv", self, item, "get")
        return item

    def put_nowait(self, item):
        _quiet[0] += 1
        try:
            r = o_pn(self, item)
        except BaseException as e:
            core.drop_own_frame(e)
            raise
        finally:
            _quiet[0] -= 1
        _record("send", self, item, "put_nowait")
        return r

    def get_nowait(self):
        _quiet[0] += 1
        try:
            item = o_gn(self)
        except BaseException as e:
            core.drop_own_frame(e)
            raise
        finally:
            _quiet[0] -= 1
        _record("recv", self, item, "get_nowait")
        return item

    out = {}
    for k, fn, orig in (
        ("__init__", __init__, o_init),
        ("put", put, o_put),
        ("get", get, o_get),
        ("put_nowait", put_nowait, o_pn),
        ("get_nowait", get_nowait, o_gn),
    ):
        if orig is not None and orig not in _ours:
            out[k] = like(fn, orig)
            _ours.add(out[k])
    return out


def _hook(mod):
    done = {}
    for cn in _NAMES:
        cls = getattr(mod, cn, None)
        if not isinstance(cls, type):
            continue
        if cls in done:  # (an alias: SimpleQueue is Queue)
            setattr(mod, cn, done[cls])
            continue
        try:
            ms = _methods(cls)
            if not ms:
                continue
            try:
                for k, fn in ms.items():
                    setattr(cls, k, fn)
                done[cls] = cls
            except TypeError:  # (an immutable compiled type: a recording subclass in its place)
                sub = type(cls.__name__, (cls,), dict(ms, __module__=cls.__module__, __qualname__=cls.__qualname__, __doc__=cls.__doc__))
                done[cls] = sub
                setattr(mod, cn, sub)
        except Exception as e:
            core.internal_error("gevent queue " + cn, e)


def install():
    """Called by gev.install (before its call watching, which then watches these methods)."""
    from . import imports

    imports.when_imported("gevent.queue", _hook)
