"""Shared runtime state: lanes (tasks), ids, the frame->lane registry, emit."""

import os
import sys
from _thread import get_ident
from time import monotonic_ns as now

from . import state
from .values import safe_repr, exc_summary, type_name  # noqa: F401  (re-exported for hooks)

_counter = [0]
HERE = os.path.dirname(os.path.abspath(__file__))
errors_reported = set()


class Lane:
    # The fields an asyncio step touches come first, next to each other: with
    # thousands of tasks, a step's cost is mostly memory traffic.
    __slots__ = (
        "since",
        "held",
        "wait",
        "rdepth",
        "etail",
        "coro",
        "cframe",
        "ccode",
        "el",
        "et",
        "id",
        "kind",
        "name",
        "parent",
        "ysite",
        "rframe",
        "last",
        "obj",
        "ended",
        "passthru",
        "extra",
        "rlasti",
        "clane",
        "cfile",
        "fmt",
        "qc",
        "res",
        "wby",
        "esite",
        "gent",
        "grun",
    )

    def __init__(self, id, kind, name, parent):
        self.id = id
        self.kind = kind
        self.name = name
        self.parent = parent
        self.ysite = None  # innermost yield site seen during the current step
        self.rdepth = 0  # delegation depth where the lane is suspended
        self.rframe = None
        self.last = None  # how it was last resumed ("send", "throw", "close", ...)
        self.obj = None
        self.since = 0  # ts when it last got control (blocking detector)
        self.wait = None  # what it is blocked on (for the wake event)
        self.ended = False
        self.passthru = False
        self.extra = None
        self.rlasti = -1
        self.cframe = None  # the frame that last resumed it (a generator's: its id, with its code in ccode), and that frame's lane (cache)
        self.ccode = None
        self.clane = None
        self.coro = None  # asyncio: the task's coroutine
        self.cfile = None
        self.fmt = None  # preformatted parts of its event lines
        self.el = -1  # asyncio: instruction offset and line where it last suspended
        self.et = 0  # (so where it resumes next), and the end of its step and
        self.etail = None  # suspend lines there (task and line: one string, read each step)
        self.held = False  # its step start is held back, not written yet (writer.PEND)
        self.qc = None  # asyncio: line parts of its queue events, by site
        self.res = None  # threads: the target's return value (repr), once it returned
        self.wby = None  # why its next wake happens, when another task decided it:
        # (cause, lane, file, line) (a cancel(), a timeout, a kill)
        self.esite = None  # (file, line) where it ended (a joiner's wake names it)
        self.gent = None  # generators: a held-back run of turns (writer.PEND): its resume's line parts (gen_lanes.py),
        self.grun = None  # and the run itself (gen_lanes: RUN_TURNS, RUN_YE, RUN_YO, RUN_MIX)


def new_id():
    _counter[0] += 1
    return state.PREFIX + str(_counter[0])


from .writer import OUT, SOFT_QUEUE, PEND, unpend, room, DROPPED as _dropped, encode_event as _encode_event, fill as _fill
from _json import encode_basestring_ascii as _q

_put = OUT.append


def enq(line):
    """Queue ready-made event lines (hot paths format their own)."""
    if PEND:
        unpend()
    if len(OUT) < SOFT_QUEUE or room():
        _put(line)
    else:
        _dropped[0] += 1


def emit(ev):
    """Queue a dict event (rare kinds); hot kinds are formatted directly below."""
    if state.W is not None:
        try:
            enq(_encode_event(ev) + "\n")
        except Exception:
            _dropped[0] += 1


_fq = {}


def qfile(fn):
    """JSON string literal of a file name (cached)."""
    r = _fq.get(fn)
    if r is None:
        if len(_fq) > 10000:
            _fq.clear()
        r = _fq[fn] = _q(fn)
    return r


def _pid(p):
    if p is None:
        return "null"
    if isinstance(p, Lane):
        p = p.id
    return _q(p)


_decl = {}  # what follows the id in task lines, by (kind, name, parent, sites, loop)


live = {}  # id -> lane: declared, not ended (what is left at exit is "unfinished")


def declare(kind, name, parent, file=None, line=None, codeFile=None, codeLine=None, ts=None, loop=None, site=None, args=None, **extra):
    """``site``: "first-run" when file/line are where the task first ran, not
    the call that created it (which the runtime could not see cheaply).
    ``args``: the summary of its call's arguments (kept in the cached part of
    the line: thousands of tasks made at one place often have the same)."""
    lane = Lane(new_id(), kind, name, parent.id if isinstance(parent, Lane) else parent)
    if state.W is None:
        return lane
    live[lane.id] = lane
    if extra:
        tail = _decl_tail(kind, name, lane.parent, file, line, codeFile, codeLine, loop, site, args) + "," + _encode_event(extra)[1:-1] + "}\n"
    else:
        # thousands of tasks are often made at one place (gather over a generator)
        key = (kind, name, lane.parent, file, line, codeFile, codeLine, loop, site, args)
        tail = _decl.get(key)
        if tail is None:
            if len(_decl) > 4096:
                _decl.clear()
            tail = _decl[key] = _decl_tail(*key) + "}\n"
    enq('{"type":"task","ts":%d,"id":"%s"%s' % (ts or now(), lane.id, tail))
    return lane


def declare_held(kind, parent):
    """A lane whose ``task`` line is written later, into a place queued now (glet_names: a greenlet whose name is
    known only once its first frame runs); write_held writes it."""
    lane = Lane(new_id(), kind, None, parent.id if isinstance(parent, Lane) else parent)
    if state.W is not None:
        live[lane.id] = lane
    return lane


def write_held(lane, place, ts, name, file=None, line=None, codeFile=None, codeLine=None):
    """The ``task`` line of a declare_held lane, into its place (writer.late), at the time it was queued."""
    lane.name = name
    _fill(place, '{"type":"task","ts":%d,"id":"%s"%s}\n' % (ts, lane.id, _decl_tail(lane.kind, name, lane.parent, file, line, codeFile, codeLine, None)))


def _decl_tail(kind, name, parent, file, line, codeFile, codeLine, loop, site=None, args=None):
    s = ',"kind":"%s","name":%s,"parent":%s' % (kind, _q(name), _pid(parent))
    if file is not None:
        s += ',"file":%s,"line":%d' % (qfile(file), line or 0)
        if site is not None:
            s += ',"site":"%s"' % site
    if codeFile is not None:
        s += ',"codeFile":%s,"codeLine":%d' % (qfile(codeFile), codeLine or 0)
    if loop is not None:
        s += ',"loop":"%s"' % loop
    if args is not None:
        s += ',"args":' + _q(args)
    return s


def switch(frm, to, reason, value=None, file=None, line=None, toFile=None, toLine=None, depth=None, frame=None, ts=None, args=False, delegate=None, into=None):
    """``into``: the place queued for this line when its time was taken (writer.late)."""
    if state.W is None:
        return
    s = '{"type":"switch","ts":%d,"from":"%s","to":"%s","reason":"%s"' % (ts or now(), frm.id, to.id, reason)
    if value is not None:
        s += ',"value":' + _q(value)
    if file is not None:
        s += ',"file":%s,"line":%d' % (qfile(file), line or 0)
    if toFile is not None:
        s += ',"toFile":%s,"toLine":%d' % (qfile(toFile), toLine or 0)
    if depth:
        s += ',"depth":%d' % depth
        if frame:
            s += ',"frame":' + _q(frame)
    if args:
        s += ',"args":true'
    if delegate:
        # the delegated generator/coroutine that returned (a `return` within the lane): readers name it, not the lane
        s += ',"delegate":' + _q(delegate)
    if into is not None:
        _fill(into, s + "}\n")
        return
    enq(s + "}\n")


def last_line(fr):
    """The line of frame fr's last instruction when ``fr.f_lineno`` is None (3.12+: an instruction of no line,
    such as the cleanup that ends an `except*` block, where a finished generator or task stops): the line of the
    nearest instruction before it that has one (it was written as line 0, or as `"line":None`, not JSON)."""
    best = None
    try:
        lasti = fr.f_lasti
        for start, _end, n in fr.f_code.co_lines():
            if start > lasti:
                break
            if n is not None:
                best = n
    except Exception:
        pass
    return best or fr.f_code.co_firstlineno


def end(lane, outcome, value=None, file=None, line=None, waits=None, by=None, byFile=None, byLine=None):
    """``by``/``byFile``/``byLine``: who ended it and the call there (a killed gevent greenlet: the kill)."""
    if lane.ended:
        return
    lane.ended = True
    lane.cframe = lane.clane = lane.ccode = None
    live.pop(lane.id, None)
    if state.W is None:
        return
    s = '{"type":"end","ts":%d,"task":"%s","outcome":"%s"' % (now(), lane.id, outcome)
    if value is not None:
        s += ',"value":' + _q(value)
    if file is not None:
        s += ',"file":%s,"line":%d' % (qfile(file), line or 0)
    if waits is not None:
        s += ',"waits":' + _q(waits)
    if by is not None:
        s += ',"by":"%s"' % by.id
        if byFile is not None:
            s += ',"byFile":%s,"byLine":%d' % (qfile(byFile), byLine or 0)
    enq(s + "}\n")


def rename(lane, name):
    """The program renamed a task (set_name, thread.name = ...)."""
    if lane.name == name or lane.ended:
        return
    lane.name = name
    if state.W is not None:
        enq('{"type":"rename","ts":%d,"task":"%s","name":%s}\n' % (now(), lane.id, _q(name)))


def args_repr(args, kwargs=None, limit=120):
    """Call arguments as written: "(1, 'a', n=2)" (safe reprs, capped)."""
    try:
        parts = [safe_repr(a, 60) for a in (args or ())]
        if kwargs:
            parts += ["%s=%s" % (k, safe_repr(v, 60)) for k, v in kwargs.items() if type(k) is str]
        s = "(" + ", ".join(parts) + ")"
        if len(s) > limit:
            s = s[: limit - 2] + "\u2026)"
        return s
    except Exception:
        return "(\u2026)"


def exc_repr(e):
    """An exception as the program would write it: ValueError('bad 1'); a class
    thrown as such (g.throw(ValueError)) by its name."""
    if issubclass(type(e), type):
        return type_name(e, False)  # (type's own getter: no metaclass code runs)
    return safe_repr(e)


def block(lane, on, detail=None, file=None, line=None):
    if state.W is None:
        return
    s = '{"type":"block","ts":%d,"task":"%s","on":"%s"' % (now(), lane.id, on)
    if detail is not None:
        s += ',"detail":' + _q(detail)
    if file is not None:
        s += ',"file":%s,"line":%d' % (qfile(file), line or 0)
    enq(s + "}\n")


wake_hook = None  # signals.py, once the program has a signal handler: (byFile, byLine) -> signal name | None


def wake(lane, on, detail=None, cause=None, by=None, byFile=None, byLine=None, ts=None, signal=None, after=None):
    """``cause``: why it woke (timer, fd, cancel, timeout, set, release, notify, put,
    get, send, receive, done, signal, kill); ``by``: the lane that caused it, and
    the call there (byFile/byLine); ``ts``: its time when not now; ``signal``:
    the signal that caused it, when known without a handler's line (Ctrl+C's
    SIGINT); ``after``: a timeout's length in seconds, when known."""
    if state.W is None:
        return
    s = '{"type":"wake","ts":%d,"task":"%s","on":"%s"' % (ts or now(), lane.id, on)
    if detail is not None:
        s += ',"detail":' + _q(detail)
    sig = signal or (wake_hook(byFile, byLine) if wake_hook is not None and byFile is not None else None)
    if sig is not None:
        s += ',"cause":"signal","signal":' + _q(sig)  # (the waking call is in a signal handler: signals.py)
    elif cause is not None:
        s += ',"cause":"%s"' % cause
    if by is not None:
        s += ',"by":"%s"' % (by.id if isinstance(by, Lane) else by)
    if byFile is not None:
        s += ',"byFile":%s,"byLine":%d' % (qfile(byFile), byLine or 0)
    if after is not None:
        s += ',"after":%s' % after
    enq(s + "}\n")


def seconds(v):
    """A timeout's length as the JSON number it is written as ("0.02"), or None: only a finite int/float is read
    (what the program passed is never asked anything)."""
    if (type(v) is float or type(v) is int) and -1e15 < v < 1e15:
        return "%.6g" % v if type(v) is float else "%d" % v
    return None


msg_ids = [0]
MSG_PID_BASE = 1_000_000_000


def next_msg():
    msg_ids[0] += 1
    return msg_ids[0]


def give_msg(msgs, item):
    """A new msg id for ``item`` put into a queue whose transfers are paired by identity (``msgs``: id(item) ->
    [msg, ...], oldest first: the same object put twice is taken out in that order)."""
    m = next_msg()
    msgs.setdefault(id(item), []).append(m)
    return m


def take_msg(msgs, item):
    """The msg id of the oldest put of ``item`` still in ``msgs``, taken off (its key goes with its last id: the id
    of a freed object is reused); None for an item put where nothing saw it."""
    lst = msgs.get(id(item))
    if not lst:
        return None
    m = lst.pop(0)
    if not lst:
        del msgs[id(item)]
    return m


def drop_msg(msgs, item, m):
    """Takes back msg id ``m`` given to ``item`` by a put that then failed."""
    lst = msgs.get(id(item))
    if lst and m in lst:
        lst.remove(m)
        if not lst:
            del msgs[id(item)]


def child_ids():
    """From here, msg ids are this child process's."""
    msg_ids[0] = child_msg_base()


def child_msg_base():
    """msg ids of a child process: pid * 1e9 + n (unique across the processes of
    a trace; the root's are 1, 2, ...; all below 2**53)."""
    return os.getpid() * MSG_PID_BASE


def sendrecv(kind, lane, channel, value=None, msg=None, file=None, line=None, ts=None, op=None, into=None):
    """``into``: the place queued for this line when its time was taken (writer.late)."""
    if state.W is None:
        if into is not None:
            _fill(into, "")
        return
    s = '{"type":"%s","ts":%d,"task":"%s","channel":%s' % (kind, ts or now(), lane.id, _q(channel))
    if value is not None:
        s += ',"value":' + _q(value)
    if msg is not None:
        s += ',"msg":%d' % msg
    if op is not None:
        # the method the program called (put, get_nowait, recv, ...): labels read as written
        s += ',"op":"%s"' % op
    if file is not None:
        s += ',"file":%s,"line":%d' % (qfile(file), line or 0)
    if into is not None:
        _fill(into, s + "}\n")
        return
    enq(s + "}\n")


def mark(kind, message, task=None, ms=None, count=None, file=None, line=None, ts=None):
    ev = {"type": "mark", "ts": ts or now(), "kind": kind, "message": message}
    if task is not None:
        ev["task"] = task.id if isinstance(task, Lane) else task
    if ms is not None:
        ev["ms"] = ms
    if count is not None:
        ev["count"] = count
    if file is not None:
        ev["file"] = file
        ev["line"] = line or 0
    emit(ev)


def internal_error(where, exc):
    """A hook failed: note it once per place, never propagate."""
    try:
        if where in errors_reported:
            return
        errors_reported.add(where)
        mark("runtime-error", "coroscope %s: %s" % (where, exc_summary(exc)))
    except BaseException:
        pass


# --- which code is the user's --------------------------------------------


def _lib_prefixes():
    # Python code outside the program lives in the standard library (where os.py is;
    # sysconfig would say the same but costs a millisecond and more at start-up) and
    # in site-/dist-packages folders (also matched by name in is_user_code).
    out = set()
    base = os.path.dirname(os.__file__)
    for p in [base] + [p for p in sys.path if p and ("site-packages" in p or "dist-packages" in p)]:
        out.add(os.path.realpath(p) + os.sep)
        out.add(os.path.abspath(p) + os.sep)
    out.add(HERE + os.sep)
    return tuple(out)


_LIB = _lib_prefixes()
LIB_PREFIXES = _LIB  # (tracer_view.py: the standard library's and the libraries' folders, the runtime's)
user_codes = {}  # id(code) -> bool, read directly by hot paths (code objects hash slowly: key by id;
_code_refs = {}  # the code is kept alive here, so its id is not reused)


TRACE_GENEXPR = os.environ.get(state.ENV_GENEXPR) == "1"


def is_user_code(code):
    r = user_codes.get(id(code))
    if r is None:
        fn = code.co_filename
        if fn.startswith("<"):
            r = not fn.startswith("<frozen")
        else:
            r = not fn.startswith(_LIB) and "/site-packages/" not in fn and "/dist-packages/" not in fn
        if r and code.co_name == "<genexpr>" and not TRACE_GENEXPR:
            # generator expressions consumed in place (sum(x for x in ...)) would
            # flood the diagram; COROSCOPE_GENEXPR=1 traces them as lanes.
            r = False
        user_codes[id(code)] = r
        _code_refs[id(code)] = code
    return r


def keep_code(code):
    """Keeps `code` alive for the process's life: caches keyed by id(code) stay right (its id is never reused)."""
    _code_refs[id(code)] = code


def is_user_file(fn):
    if fn.startswith("<"):
        return not fn.startswith("<frozen")
    return not fn.startswith(_LIB) and "/site-packages/" not in fn and "/dist-packages/" not in fn


def internal_file(fn):
    """Files of multiprocessing / concurrent.futures.process plumbing."""
    if not fn or is_user_file(fn):
        return False
    fn = fn.replace("\\", "/")
    return "/multiprocessing/" in fn or fn.endswith("/concurrent/futures/process.py")


def drop_own_frame(e):
    """Called in a wrapper's ``except``, before a bare ``raise``: the
    traceback reads as if the wrapper were not there (a bare raise adds no
    entry for the frame it is in)."""
    try:
        tb = e.__traceback__
        if tb is not None and tb.tb_frame is sys._getframe(1):
            e.__traceback__ = tb.tb_next
    except Exception:
        pass


def user_site(frame, limit=40):
    """(file, line) of the innermost user frame at or above frame."""
    f = frame
    n = 0
    while f is not None and n < limit:
        if is_user_code(f.f_code):
            return f.f_code.co_filename, f.f_lineno
        f = f.f_back
        n += 1
    return None, None


def site_lane(frame, limit=64):
    """((file, line) of the innermost user frame at or above frame, lane of frame)
    in one walk up the stack."""
    f = frame
    n = 0
    get = frames.get
    uc = user_codes
    file = None
    line = None
    while f is not None and n < limit:
        if file is None:
            code = f.f_code
            u = uc.get(id(code))
            if u is None:
                u = is_user_code(code)
            if u:
                file = code.co_filename
                line = f.f_lineno
        info = get(id(f))
        if info is not None:
            if file is None:
                file, line = user_site(f)
            return file, line, info[0]
        f = f.f_back
        n += 1
    if file is None:
        file, line = user_site(frame)
    return file, line, root_lane()


def caller_site(depth=2):
    try:
        return user_site(sys._getframe(depth))
    except Exception:
        return None, None


# --- lanes of threads / greenlets and of running frames -------------------

thread_lanes = {}  # thread ident -> Lane
frames = {}  # id(frame) -> [lane, depth, frame, mode]
OWN, DELEGATED, ASYNC = 0, 1, 2
root_hook = None  # set by the greenlet hook: () -> Lane | None


def root_lane():
    h = root_hook
    if h is not None:
        ln = h()
        if ln is not None:
            return ln
    ln = thread_lanes.get(get_ident())
    if ln is None:
        ln = _adopt_thread()
    return ln


def _adopt_thread():
    # (threading's own record of the thread, never current_thread(): for a thread
    # started with _thread that makes a _DummyThread, which takes a number of the
    # program's Thread-N/Dummy-N names and shows in threading.enumerate())
    name = None
    try:
        import threading

        t = threading._active.get(get_ident())
        if t is not None:
            name = t.name
    except Exception:
        pass
    if name is None:
        name = "thread %d" % get_ident()
    ln = declare("thread", name, state.MAIN)
    thread_lanes[get_ident()] = ln
    return ln


def find_info(frame, limit=64):
    f = frame
    n = 0
    get = frames.get
    while f is not None and n < limit:
        info = get(id(f))
        if info is not None:
            return info
        f = f.f_back
        n += 1
    return None


def lane_at(frame):
    info = find_info(frame)
    if info is not None:
        return info[0]
    return root_lane()


plumbing = set()  # idents of multiprocessing/executor helper threads (no lane)


def starter_lane():
    """The lane that starts a process / creates a pool from here: a helper
    thread of the stdlib counts as the main lane."""
    if get_ident() in plumbing:
        return state.MAIN
    try:
        return lane_at(sys._getframe(2))
    except Exception:
        return root_lane()


def current_lane():
    try:
        return lane_at(sys._getframe(2))
    except Exception:
        return root_lane()


@state.after_fork
def _forget_parent():
    """In a forked child: the parent's ids, lanes and frames are the parent's
    (its tasks are never "unfinished" here)."""
    _counter[0] = 0
    child_ids()
    frames.clear()
    live.clear()
    thread_lanes.clear()
    plumbing.clear()
