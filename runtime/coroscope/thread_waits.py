"""Threads that wait: ``block``/``wake`` for the waits a learner looks at --
``threading`` Event, Condition, Semaphore/BoundedSemaphore, Barrier, Lock/RLock
(when contended), ``Thread.join``, ``Process.join`` -- each woken with
its cause (set, notify, release, done, timer) and, where one is known, the lane
and line that caused it.

Only waits called by the program itself are recorded (the standard library's own
use of these, e.g. the Condition inside an Event, is not a second wait), and only
real ones: a wait that returns at once writes nothing."""

import sys
import weakref
from operator import attrgetter as _attrgetter
from _thread import get_ident

from . import core, state, varnames, weakmap
from .writer import IDLE
from .typenames import CNamed, c_name
from .wrappers import SignatureOf, like

_getframe = sys._getframe
_names = weakmap.WeakKeyDictionary()  # primitive -> display name
_actors = {}  # id(primitive) -> (lane, file, line) of the last set/release/notify
_breakers = {}  # id(Barrier) -> ident of the thread that last broke it


_THREADING = [None]  # threading's file: its own wrappers (Condition.__enter__, Semaphore.__exit__) are looked through


def _program_frame(f, own=False):
    """f, or the frame that called threading's wrapper f is in (``with cond:`` runs
    Condition.__enter__, which acquires its lock), when that is the program's; else
    None. ``own``: look through the runtime's own wrappers too (a waking call made
    inside them: Condition.wait releasing its lock for the program's ``cond.wait()``)."""
    n = 0
    th = _THREADING[0]
    while f is not None and n < 4:
        code = f.f_code
        fn = code.co_filename
        if fn != th and not (own and fn.startswith(core.HERE)):
            return f if core.is_user_code(code) else None
        f = f.f_back
        n += 1
    return None


def _user_caller(depth=2):
    """The calling frame when it is the program's (not the standard library's)."""
    try:
        f = _getframe(depth)
    except ValueError:
        return None
    return _program_frame(f)


def _name(obj, label):
    try:
        r = _names.get(obj)
        if r is None:
            r = _names[obj] = varnames.numbered(label)
        return r
    except TypeError:
        return label


_owner = weakmap.WeakKeyDictionary()  # the lock a Condition made for itself -> weakref to the Condition
_traced_rlock = [None]  # the traced RLock class (_locks)


def _lock_name(lk, label):
    """A lock's name; the lock of a Condition made without one is named after the Condition."""
    try:
        if lk not in _names:
            c = _owner.get(lk)
            c = c() if c is not None else None
            if c is not None:
                return _name(c, "Condition")
    except TypeError:
        pass
    return _name(lk, label)


def _note(obj, depth=2):
    """Who did something that wakes obj's waiters (from the caller at depth):
    only the program's own calls, by a lane that exists (a helper thread of the
    standard library setting an event gets no lane for it)."""
    try:
        f = _program_frame(_getframe(depth), True)
        if f is None:
            return
        code = f.f_code
        info = core.find_info(f)
        lane = info[0] if info is not None else None
        if lane is None:
            h = core.root_hook
            lane = (h() if h is not None else None) or core.thread_lanes.get(get_ident())
        if lane is None:
            return
        file, line = code.co_filename, f.f_lineno
        if len(_actors) > 4096:
            _actors.clear()
        _actors[id(obj)] = (lane, file, line)
    except Exception:
        pass


def note_actor(obj, lane, file, line):
    """lane, at file:line, did something that wakes obj's waiters (threads.py:
    a queue.Queue put)."""
    _actors[id(obj)] = (lane, file, line)


def actor(obj):
    """(lane, file, line) of the last call that could wake obj's waiters, or None."""
    return _actors.get(id(obj))


def _block(frame, on, detail):
    lane = core.current_lane()
    core.block(lane, on, detail, frame.f_code.co_filename, frame.f_lineno)
    lane.wait = (on, detail)
    return lane


def _wake(lane, on, detail, cause, obj=None, pop=False):
    """``pop``: the note is this wake's alone (a lock's release wakes one waiter)."""
    lane.wait = None
    by = bf = bl = None
    if isinstance(obj, core.Lane):
        by = obj
    elif obj is not None:
        timed = cause in ("timer", "timeout")
        a = _actors.pop(id(obj), None) if pop else None if timed else _actors.get(id(obj))
        if a is not None and not timed:
            by, bf, bl = a
    core.wake(lane, on, detail, cause, by, bf, bl)


def _noting(orig):
    """set / release / notify: note the caller (a wake's ``by``)."""

    def hooked(self, *a, **k):
        if state.W is not None:
            _note(self)
        try:
            return orig(self, *a, **k)
        except BaseException as e:
            core.drop_own_frame(e)
            raise

    return like(hooked, orig)


def _patch(threading, time):
    Ev, Cond, Sem, Bar, T = threading.Event, threading.Condition, threading.Semaphore, threading.Barrier, threading.Thread
    _THREADING[0] = threading.__file__
    o_cinit = Cond.__init__

    def cinit(self, lock=None):
        # a Condition the program makes without a lock gets a traced RLock (its
        # `with cond:` contention is recorded, named after the Condition); one the
        # standard library makes keeps the real one
        if lock is None and state.W is not None and _traced_rlock[0] is not None:
            f = _getframe(1)
            if f.f_code.co_filename.startswith(core.HERE):
                f = f.f_back  # (varnames' naming wrapper)
            if f is not None and core.is_user_code(f.f_code):
                lock = _traced_rlock[0]()
                _owner[lock] = weakref.ref(self)
        o_cinit(self, lock)

    Cond.__init__ = like(cinit, o_cinit)
    for cls in (Ev, Cond, Sem, Bar):
        varnames.name_on_init(cls, _names)
    if "__init__" in threading.BoundedSemaphore.__dict__:
        # (its __init__ calls Semaphore's from threading's own code: named here, at the program's call)
        varnames.name_on_init(threading.BoundedSemaphore, _names)
    Ev.set = _noting(Ev.set)
    Cond.notify = _noting(Cond.notify)
    Cond.notify_all = _noting(Cond.notify_all)
    Sem.release = _noting(Sem.release)
    if "release" in threading.BoundedSemaphore.__dict__:
        threading.BoundedSemaphore.release = _noting(threading.BoundedSemaphore.release)

    o_ewait = Ev.wait

    def ewait(self, timeout=None):
        f = _user_caller() if state.W is not None and not self._flag else None
        if f is None:
            try:
                return o_ewait(self, timeout)
            except BaseException as e:
                core.drop_own_frame(e)
                raise
        d = "%s.wait" % _name(self, "Event")
        lane = _block(f, "event", d)
        r = False
        try:
            r = o_ewait(self, timeout)
            return r
        except BaseException as e:
            core.drop_own_frame(e)
            raise
        finally:
            _wake(lane, "event", d, "set" if r else "timer", self)

    Ev.wait = like(ewait, o_ewait)

    o_cwait = Cond.wait

    def cwait(self, timeout=None):
        f = _user_caller() if state.W is not None else None
        if f is None:
            try:
                return o_cwait(self, timeout)
            except BaseException as e:
                core.drop_own_frame(e)
                raise
        d = "%s.wait" % _name(self, "Condition")
        lane = _block(f, "lock", d)
        r = False
        try:
            r = o_cwait(self, timeout)
            return r
        except BaseException as e:
            core.drop_own_frame(e)
            raise
        finally:
            _wake(lane, "lock", d, "notify" if r else "timer", self)

    Cond.wait = like(cwait, o_cwait)

    o_sacq = Sem.acquire

    def sacquire(self, blocking=True, timeout=None):
        f = _user_caller() if state.W is not None and blocking and self._value == 0 else None
        if f is None:
            try:
                return o_sacq(self, blocking, timeout)
            except BaseException as e:
                core.drop_own_frame(e)
                raise
        d = "%s.acquire" % _name(self, "Semaphore")
        lane = _block(f, "lock", d)
        r = False
        try:
            r = o_sacq(self, blocking, timeout)
            return r
        except BaseException as e:
            core.drop_own_frame(e)
            raise
        finally:
            _wake(lane, "lock", d, "release" if r else "timer", self)

    Sem.acquire = Sem.__enter__ = like(sacquire, o_sacq)

    o_bwait = Bar.wait
    BrokenBarrier = threading.BrokenBarrierError

    def bwait(self, timeout=None):
        f = _user_caller() if state.W is not None else None
        if f is None:
            try:
                return o_bwait(self, timeout)
            except BaseException as e:
                core.drop_own_frame(e)
                raise
        if self._count + 1 >= self._parties:
            _note(self)  # the last to arrive releases the others
            try:
                return o_bwait(self, timeout)
            except BaseException as e:
                core.drop_own_frame(e)
                raise
        d = "%s.wait" % _name(self, "Barrier")
        lane = _block(f, "lock", d)
        cause = "release"
        try:
            return o_bwait(self, timeout)
        except BaseException as e:
            if isinstance(e, BrokenBarrier):
                # broken, not released: this wait's own timeout broke it (`timer`), or another thread did
                # (abort(), reset(), its own wait timing out: `cancel`, by that thread and line)
                cause = "timer" if _breakers.get(id(self)) == get_ident() else "cancel"
            core.drop_own_frame(e)
            raise
        finally:
            _wake(lane, "lock", d, cause, self)

    Bar.wait = like(bwait, o_bwait)
    o_break, o_reset = Bar._break, Bar.reset

    def bbreak(self):
        # (called by the waiter whose timeout expired, in Barrier._wait, or by abort())
        if state.W is not None:
            _note(self)
            if len(_breakers) > 4096:
                _breakers.clear()
            _breakers[id(self)] = get_ident()
        return o_break(self)

    def breset(self):
        if state.W is not None:
            _note(self)
            _breakers.pop(id(self), None)
        return o_reset(self)

    Bar._break, Bar.reset = like(bbreak, o_break), like(breset, o_reset)

    o_join = T.join

    def join(self, timeout=None):
        f = _user_caller() if state.W is not None else None
        if f is None or not self.is_alive():
            try:
                return o_join(self, timeout)
            except BaseException as e:
                core.drop_own_frame(e)
                raise
        tl = _thread_lane(self)
        d = "join %s" % (tl.name if tl is not None else self.name)
        lane = _block(f, "thread", d)
        try:
            return o_join(self, timeout)
        except BaseException as e:
            core.drop_own_frame(e)
            raise
        finally:
            _wake(lane, "thread", d, "timer" if self.is_alive() else "done", tl)

    T.join = like(join, o_join)

    # (time.sleep is not wrapped: a Python wrapper would be a frame of its own in
    # every sleeping thread's stack -- sys._current_frames(), tracebacks of a
    # Ctrl+C -- where the program sees the C function; a sleep needs a C-level hook)


def _locks(threading):
    """threading.Lock() / RLock() called by the program give a thin wrapper
    whose uncontended acquire is one non-blocking try of the real lock; only a
    contended acquire is recorded (block, then wake "release" naming who released
    it). The standard library's own locks stay the real ones."""
    o_lock, o_rlock = threading.Lock, threading.RLock
    _TIMEOUT_MAX = threading.TIMEOUT_MAX

    def _contended(self, timeout, f, label):
        # (counted before the block line is written, so a holder that leaves its `with` meanwhile notes itself)
        self._w += 1
        # while someone waits, an explicit release notes who released (a wake's `by`)
        self._r = self._noting_release
        if self._l.acquire(False):
            # released between the first try and now: no wait after all
            _leave(self)
            _actors.pop(id(self), None)  # (a note its holder may have made meanwhile)
            return True
        d = "%s.acquire" % _lock_name(self, label)
        f = _program_frame(f)
        lane = _block(f, "lock", d) if state.W is not None and f is not None else None
        r = False
        me = get_ident()
        try:
            IDLE.add(me)  # (blocked here holding no line's time: the writer need not wait for it)
            try:
                r = self._l.acquire(True, timeout)
            finally:
                IDLE.discard(me)
            return r
        finally:
            _leave(self)
            # each wait that ends takes the note of the release that ended it (one release,
            # one waiter), recorded or not, so no later wait finds an older one
            if lane is not None:
                _wake(lane, "lock", d, "release" if r else "timer", self, pop=True)
            else:
                _actors.pop(id(self), None)

    def _refused(blocking, timeout):
        """The real lock raises for these arguments (a timeout with blocking
        False, a negative one other than -1, one over TIMEOUT_MAX, not a number);
        told without running the program's code for a number."""
        t = type(timeout)
        if t is not int and t is not float:
            return True
        if timeout == -1:
            return False
        return not blocking or timeout < 0 or timeout > _TIMEOUT_MAX

    def _leave(self):
        self._w -= 1
        if self._w <= 0:
            self._w = 0
            self._r = self._rel

    class _Traced(metaclass=CNamed):  # (CNamed: error messages name the real lock type)
        # _try / _rel: the real lock's acquire and release, bound once (the
        # uncontended path is one call of each). release is the slot _r read by a
        # C-level property (no Python frame): the real lock's own release while no
        # one waits, the noting one while someone does (_contended switches it).
        # __exit__ is a Python method: a `with` binds it when it enters, before
        # anyone may wait, so it asks at exit whether someone waits (a slot read
        # there, like release, would be the one of the moment the holder entered).
        __slots__ = ("_l", "_w", "_try", "_rel", "_r", "__weakref__")
        _label = "Lock"

        def _bind(self, real):
            self._l = real
            self._w = 0
            self._try = real.acquire
            self._rel = real.release
            self._r = real.release

        def acquire(self, blocking=True, timeout=-1):
            if (type(timeout) is not int or timeout != -1) and _refused(blocking, timeout):
                # (arguments the real lock refuses: its own error, before the try below could take it)
                try:
                    return self._l.acquire(blocking, timeout)
                except BaseException as e:
                    core.drop_own_frame(e)
                    raise
            if self._try(False):
                return True
            if not blocking:
                return False
            return _contended(self, timeout, _getframe(1), self._label)

        def __enter__(self):
            if self._try(False):
                return True
            return _contended(self, -1, _getframe(1), self._label)

        def __exit__(self, t, v, tb):
            if self._w:
                _note(self)  # (the caller: the `with` line, where the program leaves it)
            self._rel()

        release = property(_attrgetter("_r"), doc="Release the lock.")

        def _noting_release(self):
            _note(self)
            self._rel()

        def _at_fork_reinit(self):
            self._l._at_fork_reinit()
            self._w = 0
            self._r = self._rel

        def __repr__(self):
            return repr(self._l)

        @property
        def __class__(self):
            # the real lock's type: isinstance() reads __class__ when type() does not match, so
            # isinstance(lock, _thread.LockType) / (lock, _thread.RLock) answer as plainly (type() still differs)
            return type(self._l)

        def __reduce_ex__(self, protocol):
            # (as the real lock: TypeError "cannot pickle '_thread.lock' object", raised by the real one, and
            # copy.copy the same; this frame no entry of its traceback)
            try:
                return self._l.__reduce_ex__(protocol)
            except BaseException as e:
                core.drop_own_frame(e)
                raise

    class Lock(_Traced):
        __slots__ = ()

        def __init__(self):
            self._bind(o_lock())

        def locked(self):
            return self._l.locked()

        acquire_lock, release_lock, locked_lock = _Traced.acquire, _Traced.release, locked

    class RLock(_Traced):
        __slots__ = ()
        _label = "RLock"

        def __init__(self, *a, **k):
            self._bind(o_rlock(*a, **k))

        # what Condition(rlock) uses to release and retake it whatever the depth
        def _release_save(self):
            if self._w:
                _note(self)
            return self._l._release_save()

        def _acquire_restore(self, state):
            return self._l._acquire_restore(state)

        def _is_owned(self):
            return self._l._is_owned()

    # what the real RLock has on this version, and only that (3.14's Condition reads lock.locked)
    _proto = o_rlock()
    if hasattr(_proto, "locked"):
        RLock.locked = lambda self: self._l.locked()
    if hasattr(_proto, "_recursion_count"):
        RLock._recursion_count = lambda self: self._l._recursion_count()
    del _proto

    def make(kind, real, f, a, k):
        if state.W is not None and core.is_user_code(f.f_code):
            ln = kind(*a, **k)
            nm = varnames.assigned(f)
            if nm is not None:
                _names[ln] = nm
            return ln
        return real(*a, **k)

    class _Factory(type):
        """threading.Lock / RLock as the program sees them: calling one makes a
        traced lock for the program's own code and the real one for the standard
        library's; isinstance(x, threading.Lock) still holds for both (on 3.13+
        threading.Lock is a class)."""

        def __call__(cls, *a, **k):
            return make(cls._kind, cls._real, _getframe(1), a, k)

        def __instancecheck__(cls, obj):
            return isinstance(obj, cls._types)

        def __subclasscheck__(cls, sub):
            return issubclass(sub, cls._types)

    def factory(name, kind, real):
        if not isinstance(real, type):
            # a function in the standard library (Lock before 3.13, RLock): a function here too
            def fn(*a, **k):
                return make(kind, real, _getframe(1), a, k)

            # pickled by reference as threading.Lock / RLock (a spawn or forkserver Manager's
            # registry holds them), which loads in any Python, with or without the runtime
            return like(fn, real, name, name, "threading")
        types = (kind, real)
        ns = {
            "_kind": kind,
            "_real": real,
            "_types": types,
            "__doc__": getattr(real, "__doc__", None),
            "__module__": "threading",
            "__signature__": SignatureOf(real),
        }
        f = _Factory(name, (object,), ns)
        f.__qualname__ = name
        return f

    # type(lock).__name__ / __module__ as the real ones read ('lock' / 'RLock' of _thread)
    for cls, real in ((Lock, o_lock), (RLock, o_rlock)):
        rt = type(real())
        cls.__name__ = cls.__qualname__ = rt.__name__
        cls.__module__ = rt.__module__
        c_name(cls, rt)  # (error messages: '_thread.lock' object …)
    _traced_rlock[0] = RLock
    threading.Lock = factory("Lock", Lock, o_lock)
    threading.RLock = factory("RLock", RLock, o_rlock)


def _process_join(mpp):
    """Process.join() that waits: a block on the process, woken "done" by its lane."""
    BP = mpp.BaseProcess
    o_join = BP.join

    def join(self, timeout=None):
        f = _user_caller() if state.W is not None else None
        if f is None or self._popen is None or not self.is_alive():
            try:
                return o_join(self, timeout)
            except BaseException as e:
                core.drop_own_frame(e)
                raise
        d = "join %s" % self.name
        lane = _block(f, "process", d)
        try:
            return o_join(self, timeout)
        except BaseException as e:
            core.drop_own_frame(e)
            raise
        finally:
            # (a child's lane is "<pid>:1")
            done = self._popen is not None and self._popen.returncode is not None
            lane.wait = None
            core.wake(lane, "process", d, "done" if done else "timer", "%d:1" % self.pid if done and self.pid else None)

    BP.join = like(join, o_join)


_thread_lane = None  # Thread -> its lane (given by threads.py, which keeps them)


def install(thread_lane):
    global _thread_lane
    _thread_lane = thread_lane
    import threading
    import time

    try:
        _patch(threading, time)
        _locks(threading)
        from . import imports

        imports.when_imported("multiprocessing.process", _process_join)
    except Exception as e:
        core.internal_error("thread waits", e)
