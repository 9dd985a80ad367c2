"""Event transport: a bounded in-memory queue drained every ~20 ms by a
background thread into a JSON Lines file (O_APPEND, whole lines per write) and/or
a local socket (Unix socket; Windows named pipe). Never blocks the program: when
the queue is full events are counted as dropped and an ``events-dropped`` mark is
written; a dead or slow socket only loses events for that socket.
"""

import _thread
from _bisect import bisect_right
from _json import encode_basestring_ascii as _qs
from _operator import itemgetter
import os
import sys
import time

from . import state


def _encode(v, _depth=0):
    """Compact ASCII JSON of the plain values events are made of (no json import:
    it costs the program's start-up)."""
    t = type(v)
    if t is str:
        return _qs(v)
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if t is int:
        return int.__repr__(v)
    if t is float:
        if v != v or v in (float("inf"), float("-inf")):
            return "null"
        return float.__repr__(v)
    if _depth > 20:
        return "null"
    if isinstance(v, dict):
        return "{" + ",".join(_qs(str(k)) + ":" + _encode(x, _depth + 1) for k, x in v.items()) + "}"
    if isinstance(v, (list, tuple)):
        return "[" + ",".join(_encode(x, _depth + 1) for x in v) + "]"
    if isinstance(v, int):
        return int.__repr__(v)
    if isinstance(v, float):
        return _encode(float(v))
    if isinstance(v, str):
        return _qs(str(v))
    raise TypeError("not JSON: %s" % t.__name__)


encode_event = _encode
_now = time.monotonic_ns
# time's own sleep, taken before the program runs: gevent's monkey.patch_all() replaces
# time.sleep, and the runtime's own waits must not become the program's greenlet waits
# (they were blocks of the main greenlet on a timer with no site, after its end)
real_sleep = time.sleep  # (public: gen_lanes waits with it too)

MAX_QUEUE = int(os.environ.get(state.ENV_MAX_QUEUE) or 200_000)  # events held before dropping
# Lines queued before the thread queueing one writes the queue out itself (0: never).
# Two reasons. The writer thread can fall behind without being slow: starved of
# the GIL by a program that releases and retakes it on every turn (an event loop
# polling with a zero timeout retakes it before the waiting writer thread wakes,
# so CPython never forces a switch); the queue would fill up and drop events.
# And small batches written by the thread that made them are cheaper: the lines
# are still in that core's cache, and no GIL hand-off is needed (3.13 asyncio
# storm 2.4x -> 2.1x, docs/benchmarks.md). The writer thread still flushes every
# FLUSH_INTERVAL, for programs that queue lines slowly (the live view).
SOFT_QUEUE = int(os.environ.get(state.ENV_SOFT_QUEUE) or 512)
_SELF_FLUSH = SOFT_QUEUE > 0
if not 0 < SOFT_QUEUE < MAX_QUEUE:
    SOFT_QUEUE = MAX_QUEUE

# The event queue: JSON lines (str, ending in "\n", ASCII) appended by the hooks
# (list.append is atomic under the GIL); a dict is an ``output`` event that may
# still grow (merged prints), encoded when taken. The writer takes a prefix with
# ``OUT[:n]`` + ``del OUT[:n]`` (only appends happen concurrently).
OUT = []
DROPPED = [0]  # events not queued because the queue was full

# The held-back start of an asyncio step (aio.py): when nothing else happens
# between a task's resumption and its next sleep(0), the step is written as one
# compact ``step`` line at its end. Until then its lane waits here; whoever
# queues any other line first calls unpend(), which writes the start as a
# ``resume`` line, so lines stay in the order things happened. The writer thread
# unpends on every flush too, so a step that runs long shows live. No lock
# (a lock costs microseconds here): ``list.pop`` decides who writes the start,
# and the lane's ``held`` stays true until it is written (see aio.py).
PEND = []
# Generators hold their steady-state turns back the same way (gen_lanes.py: a run of
# sends and yields becomes one ``gsteps`` line); these format such a lane's lines,
# and count the events they stand for (when dropped).
HELD_LINE = [None, None, None]
# A held-back start written as a line of its own: its time, its lane, the line it resumed at (_unpend; the asyncio
# lines that would have carried it, aio_steps.halves and aio_queues, when a collection's finalizers came between).
RESUME = '{"type":"resume","ts":%d,"task":"%s","line":%d}\n'
_WRITER = [None]  # the running Writer (room() flushes it)
# True while a Ctrl+C waits to be re-delivered outside the runtime's own frames
# (sigint.py): room() must not write then. Its write releases the GIL, and the
# thread that re-delivers the interrupt, starved of the GIL like the writer
# thread, would only ever get it right there, inside the runtime, again and again.
# Unless the queue nears full: on a loaded machine the re-delivery can take long
# enough for a busy program to fill it while only the (starved) writer thread
# writes, and lines were dropped (a CI run, a Ctrl+C during a 3.14 generator
# ping-pong). So the program's threads write only when it is three quarters full:
# below that nothing changes (a run of 100,000 lines under a 2 kHz timer signal,
# order_signal.py, never writes from a hook while a delivery is pending).
HOLD = [False]
HOLD_ROOM = MAX_QUEUE * 3 // 4


def room():
    """Called by a thread about to queue a line when SOFT_QUEUE lines are waiting:
    writes the queue out here and now. True if there is room for the line."""
    w = _WRITER[0]
    if w is not None and w.self_flush and (not HOLD[0] or len(OUT) >= HOLD_ROOM):
        try:
            # If the writer thread is flushing, wait for it: it may well be waiting
            # for the GIL this thread holds (waiting for the lock releases it).
            w.self_flushes += 1
            if not w.flush(wait=1.0, pending=True):
                w.self_flush = False  # stuck for a second: drop lines from now on, never hang
        except Exception:
            pass
    return len(OUT) < MAX_QUEUE


# Lines of one process are written in ts order (docs/architecture.md, "Time
# order"). With one program thread that holds by construction: its lines are
# queued in the order it took their times; the writer thread only takes lines and
# writes held-back starts (unpend) into the lines it took. Once a second program
# thread runs (THREADED, sticky: set before it starts, threads.py), a thread can
# be switched out between taking a line's time and queueing it, so a flush puts
# what it took in ts order and writes only the lines no thread can still precede
# (Writer._watermark); the rest wait for the next flush. Held-back lines are then
# taken off PEND only under HAND (unpend), never by the compact-line paths
# (aio_steps, aio_queues, gen_monitoring check THREADED), so a flush sees each
# held-back start either still held or queued.
THREADED = [False]
HAND = _thread.RLock()


class Late:
    """A line whose time a hook took before the program's code ran again in its
    thread, written later (glet.py: a greenlet switch whose value the target
    learns when it resumes in its switch wrapper, after the program's greenlet
    tracer, or another thread, queued later lines). It is queued when its time is
    taken, so it keeps its place; a flush takes the queue only up to the first one
    not yet filled (``fill``), and, threaded, writes no line after its time. Left
    unfilled for a second (its greenlet never resumed there) it is dropped."""

    __slots__ = ("ts", "line", "hold")

    def __init__(self, ts, hold=None):
        self.ts = ts
        self.line = None
        self.hold = hold  # (thread ident, frame, time): a collection's place (_gc_watch), kept while that frame runs


LATE = []  # the Late places queued and not filled yet (mostly none: a place is filled right after)
LATE_USED = [False]  # a Late place was ever queued (only then does a flush look for them)


def late(ts):
    """Queue the place of a line of time ts, written by fill()."""
    ln = Late(ts)
    if PEND:
        unpend()
    if len(OUT) < SOFT_QUEUE or room():
        LATE_USED[0] = True
        LATE.append(ln)
        OUT.append(ln)
    else:
        DROPPED[0] += 1
        ln.line = ""
    return ln


# A collection that starts inside the runtime's frames (a hook that took a line's time
# and has not queued the line yet) may run finalizers of the program there: __del__
# methods, weakref callbacks, weakref.finalize functions, wherever their code came
# from (exec'd text too). What they queue (a print, a traced wake) is newer than the
# hook's line but queued first. So the collection reserves the hook's place when it
# starts (gc.callbacks, called by the collector in the collecting thread): a Late
# place at the end of the queue, which no flush takes past (nor, threaded, writes
# any line after: its ts is 0) while the hook's outermost runtime frame runs. When
# the collection queued nothing (nearly always) the place goes at once; else the
# process is ordered from then on (THREADED, sticky), the flush that finds the hook
# gone sorts the hook's line before the finalizers' ones, and a generator's held run
# that the hook was extending is split at the collection's time (CUTS). The hot
# paths pay nothing: one Python call per collection's start and stop.
_GC = [None]  # the place of the collection running (collections do not nest)
CUTS = []  # when collections that queued lines inside a hook started (held runs are split there)
_getframe = sys._getframe


def _gc_watch(phase, info):
    try:
        if phase == "start":
            f = _getframe(1)  # (what ran when the collector started: its caller)
            if f is None or not f.f_code.co_filename.startswith(_RUNTIME):
                return
            w = _WRITER[0]
            tid = _thread.get_ident()
            if w is None or tid == w.ident:
                return
            b = f.f_back
            while b is not None and b.f_code.co_filename.startswith(_RUNTIME):
                f = b
                b = b.f_back
            ln = Late(0, (tid, f, _now()))
            f = b = None
            LATE_USED[0] = True
            LATE.append(ln)
            OUT.append(ln)
            _GC[0] = ln
            return
        ln = _GC[0]
        if ln is None:
            return
        _GC[0] = None
        if OUT and OUT[-1] is ln:
            # nothing queued during the collection: no place to keep
            OUT.pop()
            fill(ln, "")
            ln.hold = None
            return
        CUTS.append(ln.hold[2])
        if len(CUTS) > 64:
            del CUTS[:32]
        if not THREADED[0]:
            THREADED[0] = True
            if PEND:
                unpend()  # (held before: written now, under HAND)
    except Exception:
        pass


def watch_collections():
    """Reserve a hook's place when a collection starts inside it (_gc_watch)."""
    try:
        import gc

        if _gc_watch not in gc.callbacks:
            gc.callbacks.append(_gc_watch)
    except Exception:
        pass


def _holding(h):
    """The frame of a collection's place (_gc_watch) still runs in its thread (not blocked idle)."""
    tid, o = h[0], h[1]
    if tid in IDLE:
        return False
    f = _frames().get(tid)
    try:
        while f is not None:
            if f is o:
                return True
            f = f.f_back
        return False
    finally:
        f = None


def fill(ln, line):
    """The line of a queued place (late()): written from now on."""
    if ln.line is None:
        ln.line = line
        try:
            LATE.remove(ln)
        except ValueError:
            pass


LATE_MAX_NS = 1_000_000_000  # a place unfilled this long is dropped (never filled: its greenlet did not resume there)
# Threads blocked in a runtime frame (a contended lock, a write to a full pipe)
# while holding no time for a line of theirs: not waited for (Writer._watermark).
IDLE = set()


def unpend(into=None):
    """Write the held-back lines: to the queue, or into a flush's taken lines."""
    if THREADED[0]:
        with HAND:
            _unpend(into, True)
    else:
        _unpend(into, False)


def _unpend(into, threaded):
    q = OUT if into is None else into
    while PEND:
        try:
            ln = PEND.pop()
        except IndexError:
            break
        # (threaded: under HAND, so no room(): its flush would wait for HAND)
        if into is not None or len(OUT) < SOFT_QUEUE or (len(OUT) < MAX_QUEUE if threaded else room()):
            if ln.gent is not None:
                if CUTS:
                    q.extend(HELD_LINE[2](ln, CUTS))  # (split where a collection queued lines: _gc_watch)
                else:
                    q.append(HELD_LINE[0](ln))  # a generator's resume (gens.py)
            else:
                # (it resumes where it last suspended: line et)
                q.append(RESUME % (ln.since, ln.id, ln.et))
        else:
            DROPPED[0] += HELD_LINE[1](ln) if ln.gent is not None else 1
        ln.held = False


MAX_SOCK_BUF = 16 << 20  # bytes waiting for a slow socket consumer
FLUSH_INTERVAL = 0.02
# While the program's threads write the queue out themselves (room()), the writer
# thread wakes less often and leaves the rest to them: each of its wake-ups takes
# the GIL from the program (a 3.13 asyncio storm: ~900 context switches a second).
BUSY_INTERVAL = 0.1


def _aside(fd):
    """fd moved above the numbers the program's own files get (the lowest free
    ones), so its fds, and the fd numbers its children's command lines carry
    (a spawn child's ``pipe_handle``), are those of a plain run. Below 1024
    (the socket sink waits in select()); fd itself where that cannot be done."""
    try:
        import fcntl

        top = min(os.sysconf("SC_OPEN_MAX"), 1024) - 32
        if top <= fd:
            return fd
        op = getattr(fcntl, "F_DUPFD_CLOEXEC", None)
        new = fcntl.fcntl(fd, op if op is not None else fcntl.F_DUPFD, top)
        if op is None:
            os.set_inheritable(new, False)
    except Exception:
        return fd
    try:
        os.close(fd)
    except OSError:
        pass
    return new


class _FileSink:
    def __init__(self, path, truncate):
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND
        if truncate:
            flags |= os.O_TRUNC
        if hasattr(os, "O_CLOEXEC"):
            flags |= os.O_CLOEXEC
        self.fd = _aside(os.open(path, flags, 0o644))
        self.dead = False
        self.lost = 0

    def write(self, data, nlines, final=False):
        if self.dead:
            self.lost += nlines
            return
        try:
            view = memoryview(data)
            while view:
                n = os.write(self.fd, view)
                view = view[n:]
        except OSError:
            self.dead = True
            self.lost += nlines

    def close(self):
        try:
            os.close(self.fd)
        except OSError:
            pass


class _SocketSink:
    def __init__(self, addr):
        self.dead = False
        self.lost = 0
        self.buf = bytearray()
        self.sock = None
        self.pipe = None
        if addr.startswith("\\\\.\\pipe\\") or addr.startswith("//./pipe/"):
            self.pipe = open(addr, "wb", buffering=0)
        else:
            import socket

            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.settimeout(5)
                s.connect(addr)
                fd = _aside(os.dup(s.fileno()))
                if fd != s.fileno():
                    s.close()
                    s = socket.socket(fileno=fd)
                s.setblocking(False)
                try:
                    os.set_inheritable(s.fileno(), False)
                except OSError:
                    pass
            except OSError:
                s.close()
                raise
            self.sock = s

    def write(self, data, nlines, final=False):
        if self.dead:
            self.lost += nlines
            return
        if len(self.buf) > MAX_SOCK_BUF:
            self.lost += nlines  # consumer far behind: drop whole lines, keep framing
        else:
            self.buf += data
        self._pump(final)

    def _pump(self, final):
        try:
            if self.pipe is not None:
                if self.buf:
                    self.pipe.write(bytes(self.buf))
                    self.buf.clear()
                return
            deadline = time.monotonic() + (2.0 if final else 0)
            while self.buf:
                try:
                    n = self.sock.send(self.buf)
                    del self.buf[:n]
                except (BlockingIOError, InterruptedError):
                    if time.monotonic() >= deadline:
                        return
                    import select

                    select.select([], [self.sock], [], 0.05)
        except OSError:
            self.dead = True
            self.lost += self.buf.count(b"\n")
            self.buf.clear()

    def close(self):
        try:
            if self.sock is not None:
                self.sock.close()
            if self.pipe is not None:
                self.pipe.close()
        except OSError:
            pass


# The unfinished line a print is still writing (an ``output`` dict at the end of
# the queue whose text has no newline yet) is left in the queue by one flush that
# is not the last, so the rest of the print still joins it: print("a:", x) writes
# "a:", " ", repr(x) and "\n" separately, and the writer thread may flush between
# them. The next flush takes it whatever it holds (a prompt shows ~20 ms later).
_HELD = [None]


def _take(final=False):
    """The lines to write now (a list, emptied from the queue)."""
    n = len(OUT)
    if not n:
        return []
    if final and LATE:
        for ln in LATE:
            ln.line = ""  # (never written: the process ends before its greenlet resumed)
            ln.hold = None
        del LATE[:]
    last = OUT[n - 1]
    if not final and type(last) is dict and not last["text"].endswith("\n") and _HELD[0] is not last:
        _HELD[0] = last
        n -= 1
        if not n:
            return []
    if LATE:
        n = _upto_late(n)
        if not n:
            return []
    chunk = OUT[:n]
    del OUT[:n]
    if LATE_USED[0] and Late in map(type, chunk):
        chunk = [x.line if type(x) is Late else x for x in chunk]
        if "" in chunk:
            chunk = [x for x in chunk if x]  # (places dropped)
    if dict in map(type, chunk):
        # encoded now, under the take lock: a print still running may grow its
        # output event until it is taken (output.py)
        chunk = [x if type(x) is str else _encode(x) + "\n" for x in chunk]
    return chunk


def _below_left(mark):
    """The watermark lowered to the ts of every line the take left in the queue (threaded): a place not filled
    yet (``late``: its time was taken first), the lines queued after it, an unfinished print (_take). They are
    written by a later flush, so this one writes nothing newer than any of them. (The places' own ts alone was
    not enough: one filled between the take and this look, or a line queued after it with an older time than a
    line taken before it, was written after newer lines: a CI flake, threads_put_race on 3.14.)"""
    search = _ts_search()
    for x in list(OUT):
        tx = type(x)
        if tx is Late:
            if x.line is None:
                t = x.ts
            else:
                m = search(x.line)  # (None: a place dropped, "")
                t = int(m.group(1)) if m is not None else mark
        elif tx is dict:
            t = x["ts"]
        else:
            m = search(x)
            t = int(m.group(1)) if m is not None else mark
        if t < mark:
            mark = t
    return mark


def _upto_late(n):
    """How many of the first n queued lines can be taken: up to the first place of
    a line not written yet (``late``). Called under the take lock."""
    now = _now()
    for ln in list(LATE):
        if ln.line is not None:
            continue
        h = ln.hold
        if h is not None:
            if ln is not _GC[0] and (now - h[2] >= LATE_MAX_NS or not _holding(h)):
                fill(ln, "")  # its hook has queued its lines (or never will: dropped after a second)
                ln.hold = None
                continue
        elif now - ln.ts >= LATE_MAX_NS:
            fill(ln, "")  # abandoned: dropped (never written late)
            continue
        try:
            n = OUT.index(ln, 0, n)
        except ValueError:
            pass
    return n


# Bytes per write. A flush is written in pieces of about this size, never joined
# whole: 512 queued lines of ~250 bytes (a generator switch with two ~40-character
# paths) join into ~128 KB, glibc's heap trim threshold, and its bytes are as big
# again; freeing both at the top of the heap gave the memory back to the system on
# every flush and took it again on the next, faulting in fresh pages each time
# (3.13 generator ping-pong: 1,200 ms of CPU against 520 ms with paths 5
# characters shorter). Pieces of 32 KB stay far below it, whatever the lines.
PIECE = 32768


def _pieces(chunk):
    """(bytes, number of lines) pieces of a taken chunk."""
    i = 0
    n = len(chunk)
    while i < n:
        j = i
        size = 0
        while j < n and size < PIECE:
            size += len(chunk[j])
            j += 1
        yield "".join(chunk[i:j] if i or j < n else chunk).encode("utf-8", "backslashreplace"), j - i
        i = j


_ts_key = itemgetter(0)
_frames = sys._current_frames
# Where the runtime's own code is (its frames: Writer._watermark).
_RUNTIME = os.path.dirname(__file__) + os.sep
_count = getattr(_thread, "_count", None)  # Python threads started by _thread (the writer's is one)
_AFTER = "\x7f"  # sorts after every line ("{...}")


def _ts_of(ln):
    """The ts of a queued line (None if it has none)."""
    j = ln.find('"ts":')
    if j < 0:
        return None
    j += 5
    k = j
    n = len(ln)
    while k < n and ln[k] in "0123456789":
        k += 1
    return int(ln[j:k]) if k > j else None


_TS = [None]  # the search for a line's ts (re, imported on the first ordered flush)


def _ts_search():
    """The search for a line's ts (its group 1)."""
    search = _TS[0]
    if search is None:
        import re

        search = _TS[0] = re.compile('"ts":([0-9]+)').search
    return search


def _keys(chunk, k):
    """The ts of each line of chunk (a line without one: the one before it's, or k)."""
    search = _ts_search()
    keys = []
    add = keys.append
    for m in map(search, chunk):
        if m is not None:
            k = int(m.group(1))
        add(k)
    return keys


def block_signals():
    """Blocks every signal but faults in the calling thread; returns the mask to restore. The writer thread
    is started with it and keeps it: a plain program has no such thread, so a signal sent to the process goes
    to one of the program's threads as without the runtime (a SIGTERM that the main thread holds back while a
    child's lane ends, proc_ends.hold_term, would otherwise kill the process from the writer thread at once,
    and no one would write that end; a signal the program blocks would run its default action there)."""
    try:
        import _signal

        sync = {getattr(_signal, n, None) for n in ("SIGSEGV", "SIGBUS", "SIGFPE", "SIGILL", "SIGTRAP", "SIGSYS", "SIGABRT")}
        return _signal.pthread_sigmask(_signal.SIG_BLOCK, [s for s in _signal.valid_signals() if s not in sync])
    except Exception:
        return None  # (no pthread_sigmask: Windows)


def _unblock_signals(old):
    if old is not None:
        try:
            import _signal

            _signal.pthread_sigmask(_signal.SIG_SETMASK, old)
        except Exception:
            pass


class Writer:
    def __init__(self, trace_path=None, socket_addr=None, child=False):
        del OUT[:]  # a forked child: the parent's queued lines are the parent's
        for ln in LATE:
            ln.line = ""  # (its greenlet resumes in the parent)
            ln.hold = None
        del LATE[:]
        _GC[0] = None
        for ln in PEND:
            ln.held = False  # (its run would wait for this queue's writer forever: gen_lanes._settle)
        del PEND[:]
        _WRITER[0] = None  # ... and so is its writer (its lock may have been copied held)
        self.dropped = 0
        self._dropped_marked = 0
        global HAND
        THREADED[0] = False  # (a forked child runs one thread)
        IDLE.clear()
        HAND = _thread.RLock()  # (a forked child's copy may be held by a thread it does not have)
        self.held = []  # (ts, line) taken, in ts order, waiting for the watermark (_order)
        self.seen = {}  # (thread ident, id of the outermost frame of a run of runtime frames) -> bound, at the last bounded flush
        self.seen_t = 0  # when that flush looked
        self.flushing = None  # the thread in _flush (under the lock)
        self.seen_prev = 0  # the look before that
        self.seen_me = None  # the thread whose flush from a hook (room()) made that look
        self.ident = None  # the writer thread's
        self.late = 0  # lines that came after a later line was written (none, if _watermark holds)
        self.written_ts = 0
        self.sinks = []
        # re-entrant: a signal handler that prints or exits may interrupt a flush
        # made by the main thread (room())
        self.lock = _thread.RLock()
        # held only while lines are taken off the queue (not while they are written):
        # a print that grows its queued line waits for this one (output.py)
        self.take_lock = _thread.RLock()
        self.errors = []
        if trace_path:
            try:
                self.sinks.append(_FileSink(trace_path, truncate=not child))
            except OSError as e:
                self.errors.append("trace file %s: %s" % (trace_path, e))
        if socket_addr:
            try:
                self.sinks.append(_SocketSink(socket_addr))
            except OSError as e:
                self.errors.append("socket %s: %s" % (socket_addr, e))
        self._stop = None
        self._done = None
        self.closed = False
        # (not with a Windows named pipe: its writes block, and a program's thread must never wait on a reader)
        self.self_flushes = 0  # flushes made by room()
        self.self_flush = _SELF_FLUSH and not any(getattr(s, "pipe", None) is not None for s in self.sinks)

    def emit(self, ev):
        if PEND:
            unpend()
        if len(OUT) >= SOFT_QUEUE and not room():
            self.dropped += 1
            return
        OUT.append(ev if type(ev) is not dict or ev.get("type") == "output" else _encode(ev) + "\n")

    def start(self):
        if self._stop is not None:
            return
        _WRITER[0] = self  # (with no sink too: room() then empties the queue, which would grow to MAX_QUEUE)
        if not self.sinks:
            return
        watch_collections()
        self._stop = _thread.allocate_lock()
        self._stop.acquire()
        self._done = _thread.allocate_lock()
        self._done.acquire()
        # (started with every signal blocked, which it inherits: from its first instruction on, no signal
        # sent to the process lands in it, see block_signals)
        old = block_signals()
        try:
            _thread.start_new_thread(self._loop, (self._stop, self._done))
        finally:
            _unblock_signals(old)

    def stop_thread(self):
        stop, done = self._stop, self._done
        if stop is None:
            return
        self._stop = self._done = None
        try:
            stop.release()
            done.acquire(timeout=1.0)
        except Exception:
            pass

    def _loop(self, stop, done):
        self.ident = _thread.get_ident()
        try:
            wait = FLUSH_INTERVAL
            seen = self.self_flushes
            while not stop.acquire(timeout=wait):
                n = self.self_flushes
                if n != seen:
                    # written out by the program meanwhile: what is left is written
                    # by its next flush, or by this thread once it stops flushing
                    seen = n
                    wait = BUSY_INTERVAL
                    continue
                wait = FLUSH_INTERVAL
                try:
                    self.flush()
                except BaseException:
                    pass
        except BaseException:
            pass
        finally:
            try:
                done.release()
            except BaseException:
                pass

    def threaded(self):
        """Several program threads (a flush writes up to the watermark), as the next flush will see it."""
        return THREADED[0] or (_count is not None and _count() > 1)

    def total_dropped_in_queue(self):
        return self.dropped + DROPPED[0]

    def flush(self, final=False, wait=-1, pending=False, settle=True):
        """Write the queue out (waiting at most `wait` seconds for a flush in
        progress; -1: as long as it takes). False if that wait timed out.
        `pending`: the calling thread has taken the time of a line it has not
        queued yet (room()). `settle`: wait a little for the threads still in a hook
        when lines older than the flush stay held (_settle)."""
        if not self.sinks:
            del OUT[:]
            del LATE[:]
            del self.held[:]
            return True
        t = _now() if settle and THREADED[0] and not (final or pending) else None
        me = idle = None
        if not pending:
            # holding no time of its own (a program thread's flush: state.flush, before a fork):
            # while it waits for the lock or settles, other threads' flushes do not wait for it
            me = _thread.get_ident()
            idle = me not in IDLE
            if idle:
                IDLE.add(me)
        try:
            if not self.lock.acquire(True, wait):
                return False
            try:
                self._flush(final, pending)
            finally:
                self.lock.release()
            if t is not None and self.held and self.held[0][0] <= t and me != self.ident:
                self._settle(t)
        finally:
            if idle:
                IDLE.discard(me)
        return True

    def _settle(self, t):
        """A program thread's flush (state.flush: a child process's transfer must be
        durable at once) left lines older than t held back: let the threads still
        in a hook queue theirs (a few tries, never hang the program), then flush
        once more. (Only one: each take may end a print's unfinished line that a
        flush leaves in the queue once, output.py.)"""
        for _ in range(50):
            real_sleep(0.0001)
            with self.lock:
                if self._watermark(False) > t:
                    break
        with self.lock:
            self._flush(False)

    def _flush(self, final, pending=False):
        me = _thread.get_ident()
        if self.flushing == me and not final:
            # a signal handler or __del__ that prints, run inside this thread's own flush (room()),
            # between its taking lines and writing them: a flush here would write its newer
            # lines first. They wait for the next flush (the queue has room: MAX_QUEUE)
            return
        outer = self.flushing
        self.flushing = me
        try:
            self._flush1(final, pending)
        finally:
            self.flushing = outer

    def _flush1(self, final, pending):
        thr = THREADED[0]
        if not thr and _count is not None and _count() > 1:
            thr = THREADED[0] = True  # (a thread started with _thread: no threads.py hook saw it)
        if thr:
            mark = self._watermark(pending)
        with self.take_lock:
            if thr:
                HAND.acquire()  # (no held-back start is between PEND and the queue meanwhile)
            try:
                chunk = _take(final)
                if PEND and not LATE:
                    # held-back starts go after the taken lines: nothing was queued after
                    # them (whoever queues a line unpends first), and what is queued from
                    # now on goes to the next flush (not while the take stopped at a place
                    # (LATE): lines after the place were queued before them)
                    _unpend(chunk, thr)
                if thr and OUT:
                    mark = _below_left(mark)
            finally:
                if thr:
                    HAND.release()
        dropped = self.total_dropped_in_queue()
        if dropped > self._dropped_marked:
            k = dropped - self._dropped_marked
            self._dropped_marked = dropped
            # (its time: the last line taken's, which no line of this thread's still to come
            # precedes; threaded, the time now, put in order with the rest)
            t = _ts_of(chunk[-1]) if chunk and not thr and not self.held else None
            chunk.append(
                _encode({"type": "mark", "ts": t or _now(), "kind": "events-dropped", "message": "%d events dropped (queue full)" % k, "count": k}) + "\n"
            )
        if thr or self.held:
            chunk = self._order(chunk, mark if thr else None, final)
        if not chunk:
            if final:
                for s in self.sinks:
                    s.write(b"", 0, final)
            return
        for data, n in _pieces(chunk):
            for s in self.sinks:
                s.write(data, n, final)

    def _watermark(self, pending):
        """The time before which every line of this process is queued (while
        program threads run): no thread can still queue a line older than it.

        A thread holds the time of a line it has not queued only inside the
        runtime's own frames (a hook takes the time, formats the line, queues it;
        held-back starts are in PEND, or moved under HAND). So a thread whose
        current frame is the program's holds none; one in the runtime's frames
        took that time after it entered the outermost of them, which was after
        the last flush that did not see it there (that frame's id: the same id
        seen again is that frame still, or a newer one, which only makes the
        bound older). The writer thread holds none, nor does the flushing thread
        unless it is about to queue a line (room(): `pending`), nor a thread
        blocked in a runtime frame (IDLE). (A hook that a collection interrupted,
        running the program's finalizers above it, is bounded by its place instead:
        _gc_watch.)"""
        t = _now()  # (before the look: a frame entered after it takes its times after t)
        frames = _frames()
        me = _thread.get_ident()
        seen = self.seen
        since = self.seen_t
        now_seen = {}
        mark = t
        f = outer = None
        try:
            for tid, f in frames.items():
                if tid == self.ident or (tid == me and not pending) or tid in IDLE:
                    continue
                outer = None
                while f is not None and f.f_code.co_filename.startswith(_RUNTIME):
                    outer = f
                    f = f.f_back
                if outer is not None:
                    key = (tid, id(outer))
                    if tid == me and self.seen_me == me:
                        # the thread flushing from a hook (room()) whose last flush was its own
                        # too: by the same frame id, a new hook at the same depth, never more
                        # than two flushes old (one hook that queues two lines flushes twice).
                        # Kept by id, its bound stayed at its first flush's, every line was
                        # held, and each flush sorted up to MAX_QUEUE of them (a loop of sends
                        # in a program that once started a thread: 4x the CPU)
                        b = self.seen_prev
                    else:
                        b = seen.get(key, since)
                    now_seen[key] = b
                    if b < mark:
                        mark = b
        finally:
            # (no frame kept alive, nor a cycle: the dict holds this very frame)
            frames = f = outer = None
        self.seen = now_seen
        self.seen_prev = since
        self.seen_t = t
        self.seen_me = me if pending else None
        return mark

    def _order(self, chunk, mark, final):
        """The lines to write now, in ts order: those taken before and held back,
        and `chunk`, up to the watermark `mark` (all of them when `final` or
        unthreaded); the rest stay held."""
        held = self.held
        keys = _keys(chunk, held[-1][0] if held else self.written_ts)
        if not held and keys == sorted(keys):
            # in order already (the common case, one thread or a few): no pairs, no sort
            n = len(chunk)
            if not (final or mark is None or n > MAX_QUEUE):
                n = bisect_right(keys, mark)  # (a line of the watermark's own ts too)
                if n < len(chunk):
                    held.extend(zip(keys[n:], chunk[n:]))
                    del chunk[n:]
            if not n:
                return []
            if keys[0] < self.written_ts:
                self.late += 1
            self.written_ts = keys[n - 1]
            return chunk
        held.extend(zip(keys, chunk))
        held.sort(key=_ts_key)  # (stable: lines of equal ts stay in the order they were queued)
        if final or mark is None or len(held) > MAX_QUEUE:
            n = len(held)
        else:
            n = bisect_right(held, (mark, _AFTER))  # (a line of the watermark's own ts too)
        if not n:
            return []
        out = held[:n]
        del held[:n]
        if out[0][0] < self.written_ts:
            self.late += 1
        self.written_ts = out[-1][0]
        return [ln for _, ln in out]

    def write_now(self, ev):
        """Queue ev and flush synchronously (header, finish)."""
        if PEND:
            unpend()
        OUT.append(_encode(ev) + "\n")
        self.flush(final=True)

    def total_dropped(self):
        lost = max([s.lost for s in self.sinks] or [0])
        return self.total_dropped_in_queue() + lost

    def close(self):
        if _WRITER[0] is self:
            _WRITER[0] = None
        self.stop_thread()
        try:
            self.flush(final=True)
        except Exception:
            pass
        for s in self.sinks:
            s.close()
        self.closed = True
