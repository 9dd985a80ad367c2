"""asyncio tasks and loops as lanes: a lane per Task (declared when the Task is
made, with its creator and the create_task site), one per event loop, and where
a task's coroutine is suspended (its await chain, ``cr_await``)."""

import os
import sys
import weakref
from sys import _getframe

from . import aio_returns, core, state
from .core import frames, ASYNC
from .values import task_name

_armed = aio_returns.ARMED
_per_frame = aio_returns.PER_FRAME

_modname = getattr(sys, "_getframemodulename", None)  # 3.12+

_loop_lanes = {}  # id(loop) -> lane
_task_lanes = {}  # id(task) -> lane


def add(task, ln):
    """task (one of our Tasks) has lane ln."""
    _task_lanes[id(task)] = ln


def lane_of(task):
    return _task_lanes.get(id(task))


def lane_lookup():
    """id(task) -> lane, as a dict's get (hot paths keep it; it stays valid after a fork)."""
    return _task_lanes.get


def done(task):
    """task's story ended: its lane is no longer found by the task."""
    _task_lanes.pop(id(task), None)


def loop_lane(loop):
    ln = _loop_lanes.get(id(loop))
    if ln is None:
        ln = core.declare("event-loop", "event loop", core.current_lane())
        ln.obj = weakref.ref(loop)
        _loop_lanes[id(loop)] = ln
    return ln


_codes = {}  # id(code) -> (task name, file, first line) of a user coroutine's code, or False


def _code_info(code):
    r = False
    if core.is_user_code(code):  # (which also keeps the code alive: its id stays its own)
        q = getattr(code, "co_qualname", code.co_name)
        r = (q, code.co_filename, code.co_firstlineno, _params(code, q))
    _codes[id(code)] = r
    return r


# A task of a library coroutine is the program's when the program asked for it: `create_task(asyncio.sleep(1, 'x'))`,
# `gather(asyncio.sleep(1), asyncio.sleep(2))`, a TaskGroup's `create_task(asyncio.sleep(...))`: the seed articles'
# first example of concurrency, drawn as nothing (its tasks had no lane, the gather woke by nobody). Between the Task
# and the program's frame, only the calls that make a task for their caller's coroutine; a task asyncio makes for
# its own work (asyncio.run's shutdown, 3.11's wait_for of a library coroutine) has no lane, as before.
_ASKING = frozenset(("create_task", "ensure_future", "_ensure_future", "gather", "shield", "run_until_complete", "factory"))
_ASYNCIO = [None]  # asyncio's folder (this module loads with asyncio)
_lib_codes = {}  # id(code) -> (name, file, first line, params) of a library coroutine's code a task was asked for


def _asked_for(code):
    """(name, file, first line, params) of a library coroutine the program made a task of, else None."""
    f = _getframe(3)  # (this, on_create, Task.__init__: the call that made the Task)
    n = 0
    while f is not None and n < 12:
        c = f.f_code
        fn = c.co_filename
        if not fn.startswith(core.HERE):  # (the runtime's wrappers of the loop's methods pass through)
            if core.is_user_code(c):
                break
            if not fn.startswith(_asyncio_dir()) or c.co_name not in _ASKING:
                return None
        f = f.f_back
        n += 1
    if f is None or n >= 12:
        return None
    r = _lib_codes.get(id(code))
    if r is None:
        core.keep_code(code)
        q = getattr(code, "co_qualname", code.co_name)
        r = _lib_codes[id(code)] = (q, code.co_filename, code.co_firstlineno, _params(code, q))
    return r


def _asyncio_dir():
    if _ASYNCIO[0] is None:
        _ASYNCIO[0] = os.path.dirname(os.path.abspath(sys.modules["asyncio"].__file__)) + os.sep
    return _ASYNCIO[0]


_VARARGS, _VARKEYWORDS = 0x04, 0x08  # inspect.CO_VARARGS, CO_VARKEYWORDS


def _params(code, qualname):
    """(positional names, *args name, keyword-only names, **kwargs name) of a
    coroutine function, from its code; a method's self/cls is left out (the
    call reads fetch(1), not fetch(<Client object>, 1))."""
    n, k, fl = code.co_argcount, code.co_kwonlyargcount, code.co_flags
    names = code.co_varnames
    pos = names[:n]
    i = n + k
    star = names[i] if fl & _VARARGS else None
    kw = names[i + (1 if star else 0)] if fl & _VARKEYWORDS else None
    parts = qualname.split(".")
    if pos and pos[0] in ("self", "cls") and len(parts) > 1 and parts[-2] != "<locals>":
        pos = pos[1:]
    return pos, star, names[n:i], kw


def call_args(fr, params):
    """The arguments a not yet started coroutine was called with, as a call
    would show them: "(1, 'a', retries=3)" (safe reprs, capped). They are the
    first locals of its frame (nothing has run in it yet); values are read from
    the frame, never asked anything: only built-in values are shown, others
    are <Type object>."""
    pos, star, kwo, kw = params
    if not (pos or star or kwo or kw):
        return "()"
    loc = fr.f_locals
    get = loc.get
    a = [get(p) for p in pos]
    if star is not None:
        v = get(star)
        if type(v) is tuple:
            a.extend(v)
    k = None
    if kwo or kw is not None:
        k = {p: get(p) for p in kwo}
        if kw is not None:
            v = get(kw)
            if type(v) is dict:
                k.update(v)
    return core.args_repr(a, k)


def on_create(coro, name, loop):
    if type(coro) is _Coro:
        code = coro.cr_code
    elif type(coro) is _Gen:
        code = coro.gi_code  # a generator-based coroutine
    else:
        return None  # (another awaitable object of the program's: not asked)
    ci = _codes.get(id(code))
    if ci is None:
        ci = _code_info(code)
    if not ci:
        ci = _asked_for(code)
        if ci is None:
            return None
    fr = coro.cr_frame if type(coro) is _Coro else getattr(coro, "gi_frame", None)
    if fr is None:
        return None
    if loop is None:
        loop = running_loop()
    # the creating lane and the user site of create_task, in one walk up the stack
    # from the first frame above asyncio's own (create_task, ensure_future, gather,
    # TaskGroup...): on 3.12+ these are skipped by module name, without making a
    # frame object for each (that walk was a seventh of a task's cost). The
    # runtime's Handle._run wrapper names asyncio.events as its module, as the
    # original does (wrappers.like): the walk stops at it, a loop callback's frame
    d = 2
    if _modname is not None:
        try:
            m = _modname(d)
            while m is not None and m.startswith("asyncio."):
                if m == "asyncio.events" and _getframe(d).f_code.co_filename.startswith(core.HERE):
                    break
                d += 1
                m = _modname(d)
        except ValueError:
            d = 2
    f = _getframe(d)
    file, line, creator = core.site_lane(f)
    ll = loop_lane(loop) if loop is not None else creator
    tname, cfile, first, params = ci
    site = None
    if _in_callback(f):
        # made by library code in a loop callback (a server's connection handler, run_coroutine_threadsafe):
        # no call of the program made it, and the user frame below the loop (`asyncio.run(main())`) is not
        # its site. Its site is where its first step starts (docs/protocol.md `site`).
        file, line, site = cfile, first, "first-run"
    args = None
    if not getattr(coro, "cr_suspended" if type(coro) is _Coro else "gi_suspended", False):
        # (a coroutine the program already drove by hand has other values in them by now)
        try:
            args = call_args(fr, params)
        except Exception:
            args = None
    ln = core.declare("asyncio-task", name if type(name) is str else tname, creator, file, line, cfile, first, loop=ll.id, site=site, args=args)
    ln.extra = ll
    ln.coro = coro
    ln.cframe = fr
    ln.cfile = cfile
    # its first step starts at the def (and can be held back like any other)
    ln.et = first
    frames[id(fr)] = [ln, 0, fr, ASYNC]
    return ln


_DISPATCH = ("asyncio/events.py", "asyncio\\events.py", os.path.join(core.HERE, "aio_steps.py"))


def _in_callback(f):
    """True when the stack from f down reaches the event loop's dispatch of a callback
    (Handle._run, or the runtime's wrapper of it) before any frame of the program's."""
    uc = core.user_codes
    n = 0
    while f is not None and n < 64:
        code = f.f_code
        u = uc.get(id(code))
        if u is None:
            u = core.is_user_code(code)
        if u:
            return False
        if code.co_name == "_run" and code.co_filename.endswith(_DISPATCH):
            return True
        f = f.f_back
        n += 1
    return False


_NAMING = ("asyncio/tasks.py", "asyncio/taskgroups.py", "asyncio\\tasks.py", "asyncio\\taskgroups.py")


def later_name():
    try:
        f = _getframe(2)
        for _ in range(3):
            if f is None:
                break
            code = f.f_code
            if code.co_name == "create_task" and code.co_filename.endswith(_NAMING):
                n = f.f_locals.get("name")
                return n if type(n) is str else None
            f = f.f_back
    except Exception:
        pass
    return None


def running_loop():
    try:
        return _get_running_loop()
    except Exception:
        return None


_get_running_loop = None  # asyncio.events._get_running_loop, set by bind()


def forget(ln):
    fr = ln.cframe
    if fr is not None:
        info = frames.get(id(fr))
        if info is not None and info[2] is fr:
            del frames[id(fr)]
    ln.cframe = None
    ln.coro = None
    ln.qc = None


_Coro = type((lambda: (yield))())  # placeholder, fixed by bind()
_Gen = _Coro
_user = core.user_codes


def bind(types, events):
    """The coroutine and generator types, and the loop getter, once asyncio is imported."""
    global _Coro, _Gen, _get_running_loop
    _Coro, _Gen = types.CoroutineType, types.GeneratorType
    _get_running_loop = events._get_running_loop


def site(ln):
    """(file, line, depth, frame name, first library awaitable) of where the
    task's coroutine is suspended: the innermost user coroutine of its await chain."""
    top = ln.coro
    c = getattr(top, "cr_await", None) if type(top) is _Coro else getattr(top, "gi_yieldfrom", None)
    depth = 0
    lib = None
    while c is not None:
        tc = type(c)
        if tc is _Coro:
            code = c.cr_code
            nxt = c.cr_await
        elif tc is _Gen:
            code = c.gi_code
            nxt = c.gi_yieldfrom
        else:
            if tc.__name__ == "async_generator_asend":
                # `async for` over an async generator: what it awaits is what the task waits on
                lib = _asend_lib(c)
            break
        u = _user.get(id(code))
        if u is None:
            u = core.is_user_code(code)
        if not u:
            lib = c
            break
        if id(code) not in _armed or _per_frame[0]:
            # a delegate of the program's suspended here: what it returns is watched from now on (aio_returns)
            aio_returns.watch(c, code)
        depth += 1
        top = c
        c = nxt
    fr = top.cr_frame if type(top) is _Coro else getattr(top, "gi_frame", None)
    if fr is None:
        fr = ln.cframe
    elif lib is None and not depth and not _user.get(id(fr.f_code), True):
        # a task the program made of a library coroutine (create_task(asyncio.sleep(1))): what it waits on is itself
        lib = top
    if depth:
        code = fr.f_code
        return code.co_filename, fr.f_lineno, depth, getattr(code, "co_qualname", code.co_name), lib
    return ln.cfile, fr.f_lineno, 0, None, lib


def _asend_lib(a):
    """The first library awaitable an async generator's __anext__()/asend() waits
    on (the async generator, from the C object's references: it has no attribute
    for it; no code of the program runs)."""
    try:
        import gc

        for ag in gc.get_referents(a):
            c = getattr(ag, "ag_await", None) if type(ag).__name__ == "async_generator" else None
            for _ in range(64):
                tc = type(c)
                if tc is _Coro:
                    code, nxt = c.cr_code, c.cr_await
                elif tc is _Gen:
                    code, nxt = c.gi_code, c.gi_yieldfrom
                else:
                    return None
                u = _user.get(id(code))
                if u is None:
                    u = core.is_user_code(code)
                if not u:
                    return c
                c = nxt
    except Exception:
        pass
    return None


def tname(t):
    return task_name(t) or "task"


@state.after_fork
def _forget_parent():
    # the parent's tasks are the parent's: their steps in a forked child are
    # not traced (their lanes ride on the Task objects themselves)
    for ln in list(_task_lanes.values()):
        forget(ln)
        ln.held = False
    _task_lanes.clear()
    _loop_lanes.clear()
