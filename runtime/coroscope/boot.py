"""Starting and finishing the runtime in a process (root or child)."""

import atexit
import os
import sys
import time
from _thread import get_ident

from . import VERSION, SCHEMA, core, gens, imports, output, state
from .writer import Writer
from .wrappers import like

run = state.process


def header(script, argv, ts):
    h = {
        "type": "header",
        "schema": SCHEMA,
        "runtime": "coroscope " + VERSION,
        "python": sys.version.split()[0],
        "capture": gens.capture,
        "script": script,
        "argv": list(argv),
        "cwd": os.getcwd(),
        "pid": os.getpid(),
        "start": int(time.time() * 1000),
        "ts": ts,
        "implementation": sys.implementation.name,
    }
    if _emulated_stackless(script):
        h["stackless"] = "emulated"
    return h


def _emulated_stackless(script):
    """The script imports stackless, there is no real one, and the runtime will
    provide its own (on greenlet): said in the header, since plain Python would
    fail on the same script."""
    try:
        if not script or not script.endswith(".py"):
            return False
        with open(script, "rb") as f:
            src = f.read(1 << 20)
        if b"stackless" not in src:
            return False
        import re

        if not re.search(rb"^\s*(import|from)\s+stackless\b", src, re.M):
            return False
        import importlib.util

        return importlib.util.find_spec("stackless") is None and importlib.util.find_spec("greenlet") is not None
    except Exception:
        return False


def start(trace=None, sock=None, blocking_ms=None, script="", argv=(), child=False, parent_task=None, process_name=None, locals=False, created=None):
    """Set up capture in this process. Returns the main lane. ``created``: where
    the parent started this child (procs.creation)."""
    if blocking_ms is not None:
        state.BLOCKING_NS = int(float(blocking_ms) * 1e6)
    if trace:
        trace = os.path.abspath(trace)
    run["cfg"] = {"trace": trace or None, "socket": sock or None, "blocking": state.BLOCKING_NS / 1e6, "locals": bool(locals)}
    if not child:
        restore_pythonpath()
    if child:
        state.PREFIX = "%d:" % os.getpid()
        core.child_ids()
    run["script"] = script
    gens.install(child)
    from . import audit

    audit.install()
    ts = core.now()
    state.W = Writer(trace, sock, child=child)
    state.W.write_now(header(script, argv, ts))
    for err in state.W.errors:
        core.mark("runtime-error", err)
    if child:
        from . import procs

        state.MAIN = core.declare("process", process_name or ("pid %d" % os.getpid()), parent_task, ts=ts, pid=os.getpid(), **procs.creation_fields(created))
        # written at once: a pool worker that gets no work is often terminated before
        # the writer thread's first flush, and its lane must not be a header alone
        state.W.flush()
    else:
        state.MAIN = core.declare("main", "main", None, ts=ts, pid=os.getpid())
    core.thread_lanes.clear()
    core.thread_lanes[get_ident()] = state.MAIN
    state.W.start()
    _warn_no_gil(child)
    output.install()
    from . import sigint

    sigint.install(child)
    from . import tracer_view

    tracer_view.install()
    imports.install()
    from . import hooks

    hooks.install()
    from . import coro_origin

    coro_origin.install()
    from . import subinterp

    subinterp.install()
    _hook_process_exits()
    if locals:
        from . import frame_locals  # (after the hooks it wraps: gens, and the aio/glet import hooks)

        frame_locals.install()
    atexit.register(_atexit)
    return state.MAIN


def restore_pythonpath():
    """The runtime was started with its folder first on PYTHONPATH (the host's
    way to run ``python -m coroscope``): the program and its subprocesses see
    the PYTHONPATH the user had. Child processes find the runtime without it
    (procs.py names the folder in their bootstrap)."""
    pp = os.environ.get("PYTHONPATH")
    if pp is None:
        return
    parts = pp.split(os.pathsep)
    root = os.path.dirname(core.HERE)
    try:
        if not parts[0] or os.path.realpath(parts[0]) != os.path.realpath(root):
            return
    except Exception:
        return
    if len(parts) > 1:
        os.environ["PYTHONPATH"] = os.pathsep.join(parts[1:])
    else:
        del os.environ["PYTHONPATH"]


def untraced(cfg, who, why):
    """This child process cannot be traced: it runs untraced, and a ``mark``
    in the trace says which process and why (written on a connection of its
    own: header + mark)."""
    try:
        w = Writer(cfg.get("trace"), cfg.get("socket"), child=True)
        w.write_now(header(run.get("script") or "", sys.argv, core.now()))
        w.write_now({"type": "mark", "ts": core.now(), "kind": "runtime-error", "message": "process %s (pid %d) runs untraced: %s" % (who, os.getpid(), why)})
        w.close()
    except Exception:
        pass


def abandon(why):
    """The runtime failed while starting in this (child) process: stop
    capturing, say so, and let the program run on untraced."""
    w = state.W
    try:
        if w is not None:
            core.mark(
                "runtime-error", "process %s (pid %d) runs untraced from here: %s" % (state.MAIN.name if state.MAIN is not None else "?", os.getpid(), why)
            )
    except Exception:
        pass
    try:
        gens.uninstall()
    except Exception:
        pass
    state.W = None
    run["finished"] = True
    if w is not None:
        try:
            w.close()
        except Exception:
            pass


NO_GIL = (
    "this Python runs without the GIL (a free-threaded build); Coroscope's runtime relies on it "
    "and cannot promise a correct trace here (the program itself runs as usual). Run it with "
    "PYTHON_GIL=1, or a regular build, for a trace to trust"
)


def _warn_no_gil(child):
    """Free-threaded builds (3.13t, 3.14t) with the GIL off: said at start, in the
    terminal (once, by the root process) and in the trace (docs/architecture.md,
    "Python versions": the runtime's shared state assumes the GIL)."""
    f = getattr(sys, "_is_gil_enabled", None)
    try:
        if f is None or f():
            return
    except Exception:
        return
    if not child:
        try:
            sys.stderr.write("coroscope: warning: " + NO_GIL + "\n")
            sys.stderr.flush()
        except Exception:
            pass
    core.mark("free-threaded", NO_GIL)


def finish(code=None):
    if run["finished"]:
        return
    run["finished"] = True
    w = state.W
    if w is None:
        return
    from . import sigint

    sigint.closing[0] = True
    try:
        _finish(w, code)
    except BaseException:
        pass
    if sigint.pending[0]:
        run["signal"] = "SIGINT"


def _finish(w, code):
    try:
        gens.uninstall()
        if code is None:
            code = run["exit"]
        if state.PREFIX:
            # a child process: its lane's ``end`` closes its story; ``finish``
            # is the root process's last line alone
            w.close()  # flushes (with an events-dropped mark if the queue overflowed)
            return
        if type(code) is int and os.name == "posix":
            code &= 0xFF  # the status the process really exits with (sys.exit(263) exits 7)
        ev = {"type": "finish", "ts": core.now(), "exitCode": code, "dropped": 0}
        if run["signal"]:
            ev["signal"] = run["signal"]
        w.stop_thread()
        w.flush()
        ev["dropped"] = w.total_dropped()
        ev["ts"] = core.now()  # after the flush, and the events-dropped mark it may write
        w.write_now(ev)
        w.close()
    except Exception:
        pass


def _release_frames():
    """Let go of the program's frames (generators that never ended, e.g. closed
    without running on 3.13, and the frames cached as their resumers): module
    teardown then frees the program's globals, running their __del__ at exit
    as plain Python does."""
    try:
        for info in list(core.frames.values()):
            lane = info[0]
            lane.cframe = lane.clane = None
        core.frames.clear()
    except Exception:
        pass


def _atexit():
    # Registered first, so it runs after the program's own atexit handlers.
    try:
        from . import sigint

        sigint.closing[0] = True
    except BaseException:
        pass
    try:
        from . import unfinished

        unfinished.end_alive()
    except Exception:
        pass
    try:
        main = state.MAIN
        if main is not None and not main.ended:
            code = run["exit"]
            core.end(main, "exit", None if code is None else str(code))
    except Exception:
        pass
    finish()
    _release_frames()
    if run["signal"] == "SIGINT" and os.name == "posix":
        import signal

        try:
            for s in (sys.stdout, sys.stderr):
                try:
                    s.flush()
                except Exception:
                    pass
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGINT)
        except Exception:
            pass


# --- a process ends or forks -------------------------------------------------

_orig_exit = os._exit
_fork_parent = [None]
_fork_site = [None]  # the program's line that called os.fork (a forked child's creation site)
_hooked = [False]


def _hook_process_exits():
    """os._exit flushes (and ends a child's lane); a forked child of a traced
    process starts tracing as a process of its own."""
    if _hooked[0]:
        return  # (a forked child inherits both)
    _hooked[0] = True
    os._exit = like(_exit, _orig_exit)
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(before=_before_fork, after_in_parent=_after_parent, after_in_child=_after_child)


def _exit(*args, **kwargs):
    # (the trace is finished only for a call that exits: os._exit("x") raises TypeError and the program goes on;
    # the original's own error, this frame out of the traceback)
    code = args[0] if len(args) == 1 and not kwargs else kwargs.get("status") if not args and list(kwargs) == ["status"] else None
    if type(code) is int and -(1 << 31) <= code < (1 << 31):
        _finish_before_exit(code)
    try:
        _orig_exit(*args, **kwargs)
    except BaseException as e:
        core.drop_own_frame(e)
        raise


def _finish_before_exit(code):
    try:
        if state.PREFIX:
            # a child process (fork or multiprocessing); the root process alone
            # writes ``finish``
            from . import proc_ends

            proc_ends.end_self(code)
            finish(code)
        else:
            state.flush_now()
    except BaseException:
        pass


def _before_fork():
    if state.W is None:
        return
    try:
        _fork_parent[0] = core.starter_lane().id
    except Exception:
        _fork_parent[0] = state.MAIN.id if state.MAIN else None
    try:
        f, l = core.caller_site(2)  # (os.fork is C: frame 1 is its caller)
        _fork_site[0] = [f, l, None, None, None]
    except Exception:
        _fork_site[0] = None
    state.flush_before_fork()
    if state.W is not None:
        state.W.stop_thread()


def _after_parent():
    if state.W is not None:
        state.W.start()


def _after_child():
    if state.W is None:
        return  # not tracing here (e.g. the dormant fork server): nothing to inherit
    from . import procs, proc_ends

    st = procs.starting()
    child_name = st[0] if st else None
    cfg = run.get("cfg") or {}
    try:
        old = state.W
        state.W = None
        if old is not None:
            # the parent's sinks (the parent goes on writing to them)
            for s in old.sinks:
                try:
                    if hasattr(s, "sock") and s.sock is not None:
                        s.sock.close()
                    elif hasattr(s, "fd"):
                        os.close(s.fd)
                except Exception:
                    pass
        state.forked()
        run["finished"] = False
        run["mp_child"] = child_name is not None
        atexit.unregister(_atexit)
        trace, sock = cfg.get("trace"), cfg.get("socket")
        state.PREFIX = "%d:" % os.getpid()
        if child_name is not None and os.environ.get(state.ENV_TEST_UNTRACED) == child_name:
            raise RuntimeError("%s is set to this process's name (a test switch)" % state.ENV_TEST_UNTRACED)
        held = proc_ends.hold_term() if child_name is not None else None
        try:
            state.W = Writer(trace, sock, child=True)
            state.W.write_now(header(run.get("script") or "", sys.argv, core.now()))
            created = st[2] if st and len(st) > 2 and st[2] is not None else _fork_site[0]
            state.MAIN = core.declare("process", child_name or ("fork %d" % os.getpid()), _fork_parent[0], pid=os.getpid(), **procs.creation_fields(created))
            core.thread_lanes[get_ident()] = state.MAIN
            if child_name is not None:
                state.W.flush()  # the lane is written before the marker says so
                proc_ends.declared()
        finally:
            proc_ends.release_term(held)
        state.W.start()
        atexit.register(_atexit)
    except Exception as e:
        # untraced from here: the child runs on as the program made it
        try:
            if state.W is not None:
                abandon(core.exc_summary(e))
            else:
                untraced(cfg, child_name or "fork", core.exc_summary(e))
                gens.uninstall()
                run["finished"] = True
        except Exception:
            pass
