"""gevent: Greenlets named by their function, the Hub as a lane of kind "hub",
the reason each greenlet went to the hub (sleep, io-wait fd read/write, join,
dns, lock/queue/event), block/wake events, and a loop-blocked mark when a
greenlet ran longer than the threshold without going back to the hub."""

import sys
from types import FunctionType, MethodType

from . import core, glet, state, threads
from .core import now, safe_repr
from .wrappers import like

_Hub = None
_GGreenlet = None


def _name_hook(g):
    if _Hub is not None and isinstance(g, _Hub):
        return ("hub", "Hub")
    if _GGreenlet is not None and isinstance(g, _GGreenlet):
        run = getattr(g, "_run", None)
        if type(run) is MethodType:
            # a monkey-patched Thread runs as a greenlet (its _bootstrap): the thread's own lane
            ln = threads.lane_of_thread(run.__self__)
            if ln is not None:
                return ("lane", ln)
        nm = getattr(run, "__qualname__", None) or getattr(run, "__name__", None)
        if nm is None or nm == "<lambda>":
            # only a name the program gave it: reading `name` makes gevent number the greenlet (minimal_ident),
            # which then shows in its repr and shifts the numbers the program's own greenlets get
            d = getattr(g, "__dict__", None)
            nm = d.get("name") if type(d) is dict else None
            if type(nm) is not str or not nm:
                nm = "Greenlet"
        code = getattr(run, "__code__", None) or getattr(getattr(run, "__func__", None), "__code__", None)
        args = None
        if code is not None and not core.is_user_code(code):
            handler = _handler_of(g, code)
            if handler is not None:
                nm, code, args = handler
        return ("greenlet", nm, code) + _spawned(g, args)
    return None


_SPAWNER = _STACK = _ARGS = _KWARGS = None  # Greenlet's own getters (a subclass cannot override them here)


def _handler_of(g, run_code):
    """(qualname, code, args) of the function a library's run function was spawned to call, its first argument, and
    what it is called with: gevent's servers spawn ``_handle_and_close_when_done(handle, close, (socket, address))``
    for each connection, and the greenlet is the program's ``handle(socket, address)`` (a StreamServer's) or
    ``WSGIServer.handle`` (pywsgi's, which calls the program's app), not that helper. Only a plain function or a
    method of one is looked at (their attributes run no code)."""
    if _ARGS is None:
        return None
    try:
        a = _ARGS(g)
        f = a[0] if type(a) is tuple and a else None
        if type(f) is MethodType:
            f = f.__func__
        if type(f) is not FunctionType:
            return None
        args = a[1:]
        if run_code.co_name == "_handle_and_close_when_done" and len(a) == 3 and type(a[2]) is tuple:
            args = a[2]
        return f.__qualname__, f.__code__, args
    except Exception:
        return None


def _spawned(g, args=None):
    """(creator lane, creation site, {"args": ...}) of a Greenlet first seen at
    its first run (``Greenlet(f).start()``, ``Greenlet.spawn``, ``start_later``:
    compiled code the runtime cannot wrap), from what gevent itself records at
    ``Greenlet.__init__``: the spawning greenlet and a snapshot of the creating
    stack (``spawning_stack``, code + line per frame); () when unknown."""
    if _SPAWNER is None:
        return ()
    try:
        ref = _SPAWNER(g)
        spawner = ref() if ref is not None else None
        f = _STACK(g)
        file = line = None
        n = 0
        while f is not None and n < 12:
            code = f.f_code
            if code is not None and core.is_user_code(code):
                file, line = code.co_filename, f.f_lineno
                break
            f = f.f_back
            n += 1
        a, k = (_ARGS(g), _KWARGS(g)) if args is None else (args, None)
        extra = {"args": core.args_repr(a if type(a) is tuple else (), k if type(k) is dict else None)}
        return (glet.lane_of(spawner) if spawner is not None else None, (file, line) if file is not None else None, extra)
    except Exception:
        return ()


def _wrap_spawn(orig):
    """gevent.spawn / spawn_later: the greenlet's lane is declared here, in the
    creating greenlet, at the call (it first runs only once its creator blocks)."""

    def spawn(*args, **kwargs):
        g = orig(*args, **kwargs)
        if state.W is not None:
            try:
                site = core.caller_site(2)
                a, k = getattr(g, "args", ()), getattr(g, "kwargs", None)
                extra = {"args": core.args_repr(a if type(a) is tuple else (), k if type(k) is dict else None)}
                ln = glet.lane_of(g, core.current_lane(), site, extra)
                # (no caller frame when compiled code at the bottom of a greenlet spawns: a Pool's imap_unordered)
                _note_spawn(sys._getframe(1) if sys._getframe(0).f_back is not None else None, ln, extra["args"])
            except Exception as e:
                core.internal_error("gevent spawn", e)
        return g

    return like(spawn, orig)


def _wrap_spawn_raw(orig):
    """gevent.spawn_raw(f, *args): a plain greenlet the hub starts (f's lane, declared here as spawn's are; its
    arguments are the call's, handed to the hub's callback, not kept by the greenlet)."""

    def spawn_raw(function, *args, **kwargs):
        g = orig(function, *args, **kwargs)
        if state.W is not None:
            try:
                a = core.args_repr(args, kwargs or None)
                glet.lane_of(g, core.current_lane(), core.caller_site(2), {"args": a})
                if args and not kwargs:
                    if len(glet.start_args) > 4096:
                        glet.start_args.clear()
                    glet.start_args[id(g)] = a  # (the hub's callback starts it with them: g.switch(*args))
            except Exception as e:
                core.internal_error("gevent spawn", e)
        return g

    return like(spawn_raw, orig)


_spawns = []  # the last spawns: (id(frame), code, instruction offset, lane, "f(1)"), for joinall([spawn(f, 1), ...])


def _note_spawn(frame, ln, args):
    """Where a spawn was called: the frame and its instruction, so that a joinall / killall whose argument is built
    of spawn calls (``joinall([gevent.spawn(f, 1), gevent.spawn(g, 2)])``: no variable names them) knows its
    greenlets. A comprehension's frame (3.11) counts as its caller's, at the comprehension's call."""
    if len(_spawns) >= 256:
        del _spawns[:128]
    label = ln.name + args
    f = frame
    for _ in range(2):
        if f is None:
            return
        _spawns.append((id(f), f.f_code, f.f_lasti, ln, label))
        if not f.f_code.co_name.startswith("<"):
            return
        f = f.f_back


_joins = {}  # (id(frame), code, call offset) -> what _spawned_in found there last


def _spawned_in(frame, lo, hi):
    """The greenlets spawned by ``frame`` between instruction offsets lo and hi (the arguments of its current
    call), still alive, and taken (a later wait at the same call of a later run of the frame finds its own)."""
    fid, code = id(frame), frame.f_code
    found = []
    keep = []
    for e in _spawns:
        if e[0] == fid and e[1] is code and lo < e[2] < hi:
            if not e[3].ended and e[3] not in [x[0] for x in found]:
                found.append((e[3], e[4]))
        else:
            keep.append(e)
    key = (fid, code, lo)
    if found:
        _spawns[:] = keep
        if len(_joins) > 256:
            _joins.clear()
        _joins[key] = found
        return found
    return _joins.get(key, ())  # (the same call waiting again: joinall wakes once per greenlet that ends)


_SOCK_READ = ("recv", "recv_into", "recvfrom", "recvfrom_into", "recvmsg", "accept", "_accept", "read", "readinto", "readline")
_SOCK_WRITE = ("send", "sendall", "sendto", "sendmsg", "connect", "connect_ex", "write")


_KNOWN_CALLS = {
    "join",
    "joinall",
    "wait",
    "iwait",
    "get",
    "kill",
    "killall",
    "sleep",
    "idle",
    "acquire",
    "__enter__",
    "put",
    "peek",
    "urlopen",
    "recv",
    "read",
    "accept",
    "connect",
    "send",
    "sendall",
    "request",
}


def _why(frame):
    """-> (reason, wait kind, detail, value, expected wake cause, what it waits
    for: a gevent object or a greenlet) from the frames of a greenlet going to
    the hub."""
    f = frame
    n = 0
    user_call = None
    while f is not None and n < 40:
        code = f.f_code
        fn = code.co_filename.replace("\\", "/")
        name = code.co_name
        if "/gevent/" in fn:
            if name == "sleep" and fn.endswith("/hub.py"):
                s = f.f_locals.get("seconds", 0)
                return "sleep", ("timer" if s else None), "%s s" % safe_repr(s), safe_repr(s), "timer", None
            if "/resolver" in fn or name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr", "getnameinfo"):
                host = f.f_locals.get("host") or f.f_locals.get("hostname")
                return "dns", "dns", safe_repr(host) if host is not None else name, None, "done", None
            if name in _SOCK_READ or name in _SOCK_WRITE or name in ("wait_read", "wait_write", "wait_readwrite"):
                fd = None
                try:
                    s = f.f_locals.get("self")
                    fd = s.fileno() if s is not None and hasattr(s, "fileno") else f.f_locals.get("fileno")
                except Exception:
                    fd = None
                d = "write" if (name in _SOCK_WRITE or name == "wait_write") else "read"
                det = ("fd=%s %s" % (fd, d)) if isinstance(fd, int) else "%s %s" % (name, d)
                return "io-wait", "fd", det, None, "fd", None
            if name in ("join", "joinall", "wait", "iwait", "get") and ("greenlet" in fn or "pool" in fn):
                return "join", "task", name, None, "done", None
            if fn.endswith(("/lock.py", "/_semaphore.py")):
                return "lock", "lock", name, None, "release", None
            if fn.endswith(("/queue.py",)):
                return "queue", "queue", name, None, "put" if name in ("get", "peek") else "get", None
            if fn.endswith(("/event.py",)):
                return "event", "event", name, None, "set", None
        elif user_call is None and core.is_user_code(code):
            user_call = f
        f = f.f_back
        n += 1
    if user_call is not None:
        try:
            r = _user_call(user_call)
            if r is not None:
                return r
        except Exception:
            pass
    return "switch", None, None, None, None, None


def _kind_of(obj):
    """What a gevent object is, by its class names (no gevent module is imported
    for this, and nothing of the object runs)."""
    try:
        names = [c.__name__ for c in type(obj).__mro__ if c.__module__.startswith("gevent")]
    except Exception:
        return None
    for nm in names:
        if nm in ("Queue", "Channel", "JoinableQueue", "LifoQueue", "PriorityQueue"):
            return "queue"
        if nm == "AsyncResult":
            return "result"
        if nm == "Event":
            return "event"
        if nm in ("Semaphore", "BoundedSemaphore", "RLock", "DummySemaphore"):
            return "lock"
        if nm == "Greenlet":
            return "greenlet"
    return None


def _user_call(frame):
    """The gevent call the user's frame is in (from its bytecode: ``q.get()``,
    ``ev.wait()``, ``g.join()``), and the object it was called on when that is a
    plain variable (read from the frame's variables, never by running code)."""
    from .gen_callsites import MISSING, arg_value, in_call, instructions, loader

    lst, idx = instructions(frame.f_code)
    i = idx.get(frame.f_lasti)
    if i is None:  # (3.11: a Python callee, gev_queues' recording get, leaves f_lasti on its CALL's last cache entry)
        i = next((j for j in range(len(lst) - 1, -1, -1) if lst[j].offset < frame.f_lasti and lst[j].opname == "CALL"), None)
    if i is None:
        return None
    nm = None
    k = i
    for k in range(i, max(-1, i - 60), -1):
        if not in_call(lst, i, k):
            break  # (a statement before this call, `gevent.joinall(...)` above a `t.start()` that waits, is not it)
        if lst[k].opname in ("BEFORE_WITH", "SETUP_WITH") or (lst[k].opname == "LOAD_SPECIAL" and "__enter__" in (lst[k].argval, lst[k].argrepr)):
            nm = "__enter__"  # with lock: -- the object is loaded right before
            break
        if lst[k].opname in ("LOAD_METHOD", "LOAD_ATTR", "LOAD_GLOBAL", "LOAD_NAME"):
            n2 = lst[k].argval
            if isinstance(n2, tuple):
                n2 = n2[-1]
            if n2 in _KNOWN_CALLS:
                nm = n2
                break
    if nm is None:
        return None
    obj = var = None
    if lst[k].opname == "LOAD_SPECIAL":
        # 3.14: LOAD sem, COPY, LOAD_SPECIAL __exit__, SWAP, SWAP, LOAD_SPECIAL __enter__
        while k > 0 and lst[k - 1].opname in ("COPY", "SWAP", "LOAD_SPECIAL"):
            k -= 1
    if k > 0 and lst[k].opname in ("LOAD_METHOD", "LOAD_ATTR", "BEFORE_WITH", "SETUP_WITH", "LOAD_SPECIAL", "COPY"):
        spec = loader(lst[k - 1])
        if spec is not None and spec[0] in ("fast", "global"):
            v = arg_value(frame, spec)
            if v is not MISSING:
                obj, var = v, spec[1]
    kind = _kind_of(obj) if obj is not None else None
    if kind == "queue":
        return "queue", "queue", "%s.%s" % (var, nm), None, "put" if nm in ("get", "peek") else "get", obj
    if kind == "event":
        return "event", "event", "%s.%s" % (var, nm), None, "set", obj
    if kind == "result":
        return "future", "future", "%s.%s" % (var, nm), None, "done", obj
    if kind == "lock":
        return "lock", "lock", "%s.%s" % (var, "acquire" if nm == "__enter__" else nm), None, "release", obj
    if kind == "greenlet":
        ln = glet.lane_of(obj)
        if nm in ("kill",):
            return "join", "task", "kill %s" % ln.name, None, "done", ln
        return "join", "task", "%s %s" % (nm, ln.name), None, "done", ln
    if nm in ("joinall", "killall"):
        # gevent.joinall([g1, g2]): the greenlets as the program named them, and their lanes (a wake is the end of
        # one of them, else the call's timeout: joinall(..., timeout=t) is released by its timer, not by an end)
        names = []
        joined = []
        listed = any(lst[j].opname in ("BUILD_LIST", "BUILD_TUPLE") for j in range(k + 1, i))
        for j in range(k + 1, i):
            if lst[j].opname in ("BUILD_LIST", "BUILD_TUPLE"):
                break  # (the greenlets are the first argument: what follows is timeout=, raise_error=, ...)
            sp = loader(lst[j])
            if sp is not None and sp[0] in ("fast", "global"):
                names.append(str(sp[1]))
                v = arg_value(frame, sp)
                for g in v if type(v) is list or type(v) is tuple else (v,):
                    if g is not MISSING and _kind_of(g) == "greenlet":
                        joined.append(glet.lane_of(g))
                if not listed:
                    break  # joinall(greenlets, ...): that one name
            elif lst[j].opname not in (
                "BUILD_LIST",
                "BUILD_TUPLE",
                "PRECALL",
                "CACHE",
                "PUSH_NULL",
                "KW_NAMES",
                "LOAD_CONST",
                "CALL",
                "CALL_KW",
                "NOP",
                "EXTENDED_ARG",
            ):
                names = []
                break
        if not names:
            # joinall([gevent.spawn(f, 1), gevent.spawn(g, 2)]): the greenlets its argument spawned, by function and
            # arguments as their lanes are named
            sp = _spawned_in(frame, lst[k].offset, lst[i].offset)
            if sp:
                joined = [x[0] for x in sp]
                names = [x[1] for x in sp[:3]] + (["\u2026 %d greenlets" % len(sp)] if len(sp) > 3 else [])
        if names:
            return "join", "task", "%s(%s)" % (nm, ", ".join(names)), None, "done", ("joined", joined)
    if nm in ("join", "joinall", "wait", "iwait", "get", "kill", "killall"):
        return "join", "task", nm, None, "done", None
    if nm in ("sleep", "idle"):
        return "sleep", None, nm, None, "timer", None
    if nm in ("acquire", "__enter__"):
        return "lock", "lock", nm, None, "release", None
    if nm in ("put", "peek"):
        return "queue", "queue", nm, None, "put" if nm == "peek" else "get", None
    if nm in ("urlopen", "recv", "read", "accept", "connect", "send", "sendall", "request"):
        return "io-wait", "fd", nm, None, "fd", None
    return None


_throws = {}  # id(greenlet) -> (cause, lane, file, line): what the hub throws into it next
_killer = [None]  # (lane, file, line) of the last killall that waited
_kby = {}  # lane id -> (lane, file, line) of the kill that woke it: its end names them


def _exit_site(frame):
    """(file, line) in gevent's own ``threading._shutdown`` (the one
    ``monkey.patch_all()`` installs) of the call that made the main greenlet
    sleep, when it did; else None. The interpreter calls it after the program's
    last line: it marks the main thread done and sleeps so that greenlets
    waiting for it run (gevent 22: one ``sleep()``; 25 also a ``sleep(0.001)``
    in the thread handle's ``_set_done``). Plain gevent does the same; without
    ``patch_all`` there is no such sleep. No line of the program is on the
    stack, so the site is gevent's own line: it says whose wait it is."""
    f = frame
    n = 0
    while f is not None and n < 8:
        code = f.f_code
        if code.co_name == "_shutdown":
            fn = code.co_filename.replace("\\", "/")
            if "/gevent/monkey" in fn:
                return code.co_filename, f.f_lineno
        f = f.f_back
        n += 1
    return None


def _hub_hook(origin, target, o, t, reason, value):
    try:
        if _unstarted_kills:
            _kills_done()  # (a killall that waits for the others it kills: those it cancelled end first)
        if t.kind == "hub" and o.kind != "hub":
            try:
                fr = sys._getframe(2) if origin is glet.getcurrent() else origin.gr_frame
            except Exception:
                fr = None
            r, on, det, val, cause, obj = _why(fr) if fr is not None else ("switch", None, None, None, None, None)
            # (the program has ended: a sleep of the main greenlet now is gevent's exit)
            site = _exit_site(fr) if r == "sleep" and o is state.MAIN and state.process["exit"] is not None else None
            dur = now() - o.since if o.since else 0
            if dur > state.BLOCKING_NS:
                f, l = core.user_site(fr) if fr is not None else (None, None)
                ms = dur // 1_000_000
                core.mark("loop-blocked", "%s ran %d ms without yielding to the hub" % (o.name, ms), o, ms, None, f, l)
            if on is not None:
                f, l = site or (core.user_site(fr) if fr is not None else (None, None))
                core.block(o, on, det, f, l)
                if on == "task" and (obj is None or (type(obj) is tuple and obj[0] == "joined")):
                    # joinall / a join on no one variable: the first greenlet to end after the
                    # last one named for this same wait (gevent wakes it once per greenlet), of those
                    # joined when they are known; none of them: the call's timeout (at the wait's line)
                    c = _jcur.get(o.id)
                    joined = obj[1] if obj is not None else None
                    obj = ("since", c[1] if c is not None and c[0] == det else _ended[0], det, joined, f, l)
                o.wait = (on, det, cause, obj, now())
                if det is not None and det.startswith("kill ") and isinstance(obj, core.Lane):
                    obj.wby = ("kill", o, f, l)  # the killed one's next wake: this kill
                elif det is not None and det.startswith("killall"):
                    # each greenlet killall kills: its next wake (the hub's throw) is this kill; greenlets it
                    # kills that the call does not name: the killall that waits (_killer)
                    for ln in (obj[3] or ()) if type(obj) is tuple else ():
                        ln.wby = ("kill", o, f, l)
                    _killer[0] = (o, f, l)
            if site is not None:
                return r, val if val is not None else value, site[0], site[1]
            return r, val if val is not None else value
        if o.kind == "hub" and t.kind != "hub":
            if reason == "throw" and value is None and _thrown:
                value = _thrown.pop(id(target), None)
            w = t.wait
            if w is not None:
                t.wait = None
                _wake(t, target, w, reason)
            return ("resume" if reason == "switch" else reason), value
        if o.kind == "hub" and reason == "switch":
            return "resume", value
    except Exception as e:
        core.internal_error("gevent", e)
    return None


def _wake(t, g, w, reason):
    on, det, cause, obj = w[:4]
    by = bf = bl = after = None
    if reason == "throw":
        # the hub threw into it: its timeout fired, or it was killed
        c = _throws.pop(id(g), None) or t.wby
        t.wby = None
        if c is not None and len(c) > 4:
            c, after = c[:4], c[4]
        if c is None and _killer[0] is not None:
            k = _killer[0]
            kw = k[0].wait
            if kw is not None and kw[1] is not None and kw[1].startswith("killall"):
                c = ("kill",) + k  # (a killall still waiting: the hub's throws are its kills)
        if c is not None:
            cause, by, bf, bl = c
        else:
            cause = "kill"
        if cause == "kill" and by is not None:
            if len(_kby) > 4096:
                _kby.clear()
            _kby[t.id] = (by, bf, bl)  # (its end says who killed it)
    elif isinstance(obj, core.Lane):
        by = obj
        if obj.esite is not None:
            bf, bl = obj.esite
    elif obj is not None and type(obj) is not tuple:
        n = _noted(obj, cause, w[4])
        if n is not None:
            by, bf, bl = n
    elif type(obj) is tuple and obj[0] == "since":
        joined = obj[3]
        for seq, ln in _ended[1]:
            if seq > obj[1] and (not joined or ln in joined):
                by = ln
                if len(_jcur) > 4096:
                    _jcur.clear()
                _jcur[t.id] = (obj[2], seq)
                if not obj[2].startswith("killall"):
                    break  # (joinall wakes once per greenlet that ends, in the order they ended: the first one)
                # (killall wakes once, when all it killed are dead: the last of them to end)
        if by is None and joined:
            # none of the greenlets it joins has ended since it began to wait: its timeout released it
            cause, by, bf, bl = "timeout", t, obj[4], obj[5]
    core.wake(t, on, det, cause, by, bf, bl, after=after)


# --- who woke a greenlet waiting on a compiled gevent primitive (3.12+: call_events.py
# sees the program's q.put() / ev.set() / ar.set() / sem.release() / `with sem:`
# call sites without wrapping anything; 3.11: site_scan.py, but `with sem:`)

_notes = {}  # id(primitive) -> [(ts, cause, lane, file, line)], the calls that may wake its waiters


def _noter(cause):
    def note(frame, obj):
        if obj is None:
            return
        lst = _notes.get(id(obj))
        if lst is None:
            if len(_notes) > 4096:
                _notes.clear()
            lst = _notes[id(obj)] = []
        elif len(lst) >= 16:
            del lst[:8]
        lst.append((now(), cause, glet.current_lane(), frame.f_code.co_filename, frame.f_lineno))

    return note


def _noted(obj, cause, since):
    """The first call of the kind that wakes this wait, made since it began
    (and taken: a second waiter is woken by the next one)."""
    lst = _notes.get(id(obj))
    if not lst:
        return None
    for i, (ts, c, ln, f, l) in enumerate(lst):
        if ts >= since and c == cause:
            del lst[i]
            return ln, f, l
    return None


_WATCH = (
    (
        "gevent.queue",
        ("Queue", "JoinableQueue", "LifoQueue", "PriorityQueue", "Channel", "SimpleQueue"),
        (("put", "put"), ("put_nowait", "put"), ("get", "get"), ("get_nowait", "get")),
    ),
    ("gevent.event", ("Event",), (("set", "set"),)),
    ("gevent.event", ("AsyncResult",), (("set", "done"), ("set_exception", "done"), ("_set", "done"))),
    ("gevent.lock", ("Semaphore", "BoundedSemaphore", "RLock", "DummySemaphore"), (("release", "release"), ("__exit__", "release"))),
)


def _watch_calls():
    from . import call_events, gen_lanes, imports, site_scan

    # (< 3.12: the call sites site_scan.py finds, on a receiver held by a plain name)
    sites = not call_events.available()
    if sites and gen_lanes.capture != "settrace":
        return
    done = set()

    def watch_in(mod, classes, methods):
        for cn in classes:
            cls = getattr(mod, cn, None)
            for mn, cause in methods:
                fn = getattr(cls, mn, None) if cls is not None else None
                if fn is not None and id(fn) not in done:
                    done.add(id(fn))
                    if sites:
                        if mn in site_scan.RECV_METHODS:
                            site_scan.watch_method(cls, mn, _noter(cause))
                    else:
                        call_events.watch(fn, _noter(cause))

    for modname, classes, methods in _WATCH:
        imports.when_imported(modname, lambda m, c=classes, ms=methods: watch_in(m, c, ms))


def _watch_kills():
    """g.kill() of the program: noted at its call, its end written when it returned (_kill_called)."""
    from . import call_events, gen_lanes, site_scan

    kill = _GGreenlet.__dict__.get("kill")
    if kill is None:
        return
    if call_events.available():
        call_events.watch(kill, _kill_called, _kills_done)
    elif gen_lanes.capture == "settrace":
        site_scan.watch_method(_GGreenlet, "kill", _kill_called)


_jcur = {}  # lane id -> (join detail, seq of the greenlet its last wake named)
_ended = [0, []]  # how many gevent greenlets have ended, and the last ones as (seq, lane)


def _note_end(g):
    try:
        _ended[0] += 1
        last = _ended[1]
        if len(last) >= 64:
            del last[:32]
        last.append((_ended[0], glet.lane_of(g)))
    except Exception:
        pass


# --- greenlets killed before they started: gevent never runs them (kill() cancels the start), so no switch ends
# them; each kill()/killall(...) of one not yet switched into is noted at the call (3.12+: a CALL event; 3.11:
# site_scan, a receiver held by a plain name; killall: its wrapper), and its end is written once the call returned

_unstarted_kills = []  # (greenlet, its lane, (killer lane, file, line)) noted at a kill call
_GDEAD = None  # Greenlet's own `dead` getter (a subclass cannot override it here)


def _kill_called(frame, g):
    """The program calls g.kill(): note it when g has never run. Returns what to call once the call is over."""
    if _GGreenlet is None or not isinstance(g, _GGreenlet) or _GDEAD is None:
        return None
    ln = glet.lane_of(g)
    if ln.ended or glet.started(ln) or _GDEAD(g):
        return None
    if len(_unstarted_kills) > 4096:
        del _unstarted_kills[:2048]
    _unstarted_kills.append((g, ln, (glet.current_lane(), frame.f_code.co_filename, frame.f_lineno)))
    return _kills_done


def _kills_done(raised=False):
    """The noted kills are over: each greenlet they killed before it started ends, killed by its killer."""
    if not _unstarted_kills:
        return
    todo = _unstarted_kills[:]
    del _unstarted_kills[:]
    for g, ln, by in todo:
        try:
            if not ln.ended and not glet.started(ln) and _GDEAD(g):
                _end_unstarted(g, ln, by)
        except Exception as e:
            core.internal_error("gevent kill", e)


def _end_unstarted(g, ln, by):
    _note_end(g)
    e = _EXC(g)
    if e is not None:
        # (kill(exception=ValueError): gevent stored the exception it would have raised in it)
        core.end(ln, "exception", core.exc_repr(e), by=by[0], byFile=by[1], byLine=by[2])
        return
    v = _VALUE(g)
    core.end(ln, "killed" if _GExit is not None and isinstance(v, _GExit) else "return", safe_repr(v), by=by[0], byFile=by[1], byLine=by[2])


def _wrap_killall(orig):
    """gevent.killall(greenlets): those of them not yet started are never run (gevent cancels their start first,
    and returns at once when no other is left to kill): each ends killed by the killall's greenlet at its line."""

    def killall(greenlets, *args, **kwargs):
        if state.W is not None:
            try:
                f = sys._getframe(1)
                t = type(greenlets)
                # (only the built-in containers are looked into: the program's own iterable is not iterated twice)
                items = greenlets if t is list or t is tuple or t is set or t is frozenset else _live_greenlets()
                for g in items:
                    _kill_called(f, g)
            except Exception as e:
                core.internal_error("gevent killall", e)
        try:
            return orig(greenlets, *args, **kwargs)
        finally:
            _kills_done()

    return like(killall, orig)


def _live_greenlets():
    out = []
    for ln in list(core.live.values()):
        if ln.kind == "greenlet" and ln.obj is not None:
            g = ln.obj()
            if g is not None:
                out.append(g)
    return out


def _ended_at_exit(ln):
    """unfinished.py, at exit: a gevent greenlet killed before it started by a call no hook saw (``gs[0].kill()`` on
    3.11) ends killed then, by no one known."""
    if ln.kind != "greenlet" or ln.obj is None or _GDEAD is None or glet.started(ln):
        return False
    g = ln.obj()
    if g is None or not isinstance(g, _GGreenlet) or not _GDEAD(g):
        return False
    _end_unstarted(g, ln, (None, None, None))
    return True


def _patch_timeout(timeout):
    """gevent.Timeout: the greenlet it fires in wakes with cause "timeout",
    naming where the Timeout was started."""
    T = timeout.Timeout
    o_start, o_exp = T.start, T._on_expiration

    def start(self, *a, **k):
        try:
            _tsites[id(self)] = core.caller_site(2)
        except Exception:
            pass
        return o_start(self, *a, **k)

    def _on_expiration(self, prev_greenlet, ex):
        try:
            site = _tsites.get(id(self), (None, None))
            _throws[id(prev_greenlet)] = ("timeout", glet.lane_of(prev_greenlet)) + tuple(site) + (_length(self),)
            if len(_thrown) > 4096:
                _thrown.clear()
            _thrown[id(prev_greenlet)] = core.exc_repr(ex if ex is not None else self)
        except Exception:
            pass
        return o_exp(self, prev_greenlet, ex)

    T.start, T._on_expiration = like(start, o_start), like(_on_expiration, o_exp)


def _length(t):
    """A gevent.Timeout's length as the program gave it (``Timeout(0.05)``, ``q.get(timeout=0.03)``: gevent's own
    Timeout then), read from the instance's own dict: a subclass's property is never run."""
    try:
        return core.seconds(object.__getattribute__(t, "__dict__").get("seconds"))
    except Exception:
        return None


_tsites = {}
_thrown = {}  # id(greenlet) -> the repr of what a gevent.Timeout throws into it (the hub's throw switch value)


_VALUE = _EXC = None  # Greenlet's own value / exception getters (a subclass cannot override them here)
_GExit = None


def _outcome(g):
    """A gevent Greenlet has ended: (outcome, value repr) from what it stored
    (its run() stores the result or the exception before the greenlet dies)."""
    if _GGreenlet is None or not isinstance(g, _GGreenlet) or _EXC is None:
        return None
    _note_end(g)
    e = _EXC(g)
    if e is not None:
        return "exception", core.exc_repr(e)
    v = _VALUE(g)
    if _GExit is not None and isinstance(v, _GExit):
        ln = glet.lane_of(g)
        k = _kby.pop(ln.id, None)
        if k is None and _killer[0] is not None:
            kw = _killer[0][0].wait
            if kw is not None and kw[1] is not None and kw[1].startswith("killall"):
                k = _killer[0]  # (killed without a wake of its own: it was not waiting, by the killall that waits)
        return ("killed", core.exc_repr(v)) + ((k,) if k is not None else ())
    return "return", safe_repr(v)


def install(gevent):
    global _Hub, _GGreenlet
    try:
        import gevent.hub as hub

        _Hub = hub.Hub
        from gevent import Greenlet

        _GGreenlet = Greenlet
    except Exception as e:
        core.internal_error("gevent import", e)
        return
    global _VALUE, _EXC, _GExit
    try:
        # the class's own descriptors, read without looking the name up on the
        # instance's type (a user subclass may define value/exception itself)
        _vd, _ed = _GGreenlet.__dict__["value"], _GGreenlet.__dict__["exception"]
        _VALUE = lambda g, d=_vd: d.__get__(g, _GGreenlet)  # noqa: E731
        _EXC = lambda g, d=_ed: d.__get__(g, _GGreenlet)  # noqa: E731
        global _SPAWNER, _STACK, _ARGS, _KWARGS
        _gd = _GGreenlet.__dict__
        if "spawning_greenlet" in _gd and "spawning_stack" in _gd:
            _SPAWNER = lambda g, d=_gd["spawning_greenlet"]: d.__get__(g, _GGreenlet)  # noqa: E731
            _STACK = lambda g, d=_gd["spawning_stack"]: d.__get__(g, _GGreenlet)  # noqa: E731
            _ARGS = lambda g, d=_gd["args"]: d.__get__(g, _GGreenlet)  # noqa: E731
            _KWARGS = lambda g, d=_gd["kwargs"]: d.__get__(g, _GGreenlet)  # noqa: E731
        from greenlet import GreenletExit

        _GExit = GreenletExit
        global _GDEAD
        _dd = _gd.get("dead")
        if _dd is not None:
            _GDEAD = lambda g, d=_dd: d.__get__(g, _GGreenlet)  # noqa: E731
    except Exception:
        _VALUE = _EXC = None
    try:
        from . import imports

        imports.when_imported("gevent.timeout", _patch_timeout)
    except Exception as e:
        core.internal_error("gevent timeout", e)
    prev = glet.outcome_hook  # (stackless tasklets' own, when that module came first)
    glet.outcome_hook = (lambda g: _outcome(g) or prev(g)) if prev is not None else _outcome
    glet.name_hook = _name_hook
    try:
        for attr in ("spawn", "spawn_later"):
            o = getattr(gevent, attr, None)
            if o is not None:
                setattr(gevent, attr, _wrap_spawn(o))
        o = getattr(gevent, "killall", None)
        if o is not None:
            gevent.killall = _wrap_killall(o)
        o = getattr(gevent, "spawn_raw", None)
        if o is not None:
            gevent.spawn_raw = _wrap_spawn_raw(o)

        def _pool(pool):
            # Group.spawn (Pool's too) is Python code calling greenlet_class(...)
            if "spawn" in pool.Group.__dict__:
                pool.Group.spawn = _wrap_spawn(pool.Group.spawn)

        from . import imports

        imports.when_imported("gevent.pool", _pool)
    except Exception as e:
        core.internal_error("gevent spawn", e)
    glet.hub_hook = _hub_hook
    try:
        from . import unfinished

        unfinished.ended_hook = _ended_at_exit
        _watch_kills()
    except Exception as e:
        core.internal_error("gevent kill", e)
    try:
        _watch_calls()
    except Exception as e:
        core.internal_error("gevent calls", e)
