"""Starting and finishing the runtime in a process (root or child)."""
import atexit
import os
import sys
import time

from . import VERSION, SCHEMA, core, gens, imports, output
from .writer import Writer

state = {"exit": None, "signal": None, "finished": False, "script": None, "mp_child": False}
ENV_TRACE = "COROSCOPE_TRACE"
ENV_SOCKET = "COROSCOPE_SOCKET"
ENV_BLOCKING = "COROSCOPE_BLOCKING_MS"
ENV_PARENT = "COROSCOPE_PARENT"      # "<task id>" of the lane that started this child


def header(script, argv, ts):
    return {"type": "header", "schema": SCHEMA, "runtime": "coroscope " + VERSION,
            "python": sys.version.split()[0], "capture": gens.capture, "script": script,
            "argv": list(argv), "cwd": os.getcwd(), "pid": os.getpid(),
            "start": int(time.time() * 1000), "ts": ts,
            "implementation": sys.implementation.name}


def _open_writer(trace, sock, child):
    w = Writer(trace, sock, child=child)
    return w


def start(trace=None, sock=None, blocking_ms=None, script="", argv=(), child=False,
          parent_task=None, process_name=None):
    """Set up capture in this process. Returns the main lane."""
    if blocking_ms is not None:
        core.BLOCKING_NS = int(float(blocking_ms) * 1e6)
    if trace:
        trace = os.path.abspath(trace)
        os.environ[ENV_TRACE] = trace
    if sock:
        os.environ[ENV_SOCKET] = sock
    os.environ[ENV_BLOCKING] = str(core.BLOCKING_NS / 1e6)
    # children must find this package whatever their cwd
    root = os.path.dirname(core.HERE)
    pp = os.environ.get("PYTHONPATH", "")
    parts = [p for p in pp.split(os.pathsep) if p]
    if root not in [os.path.abspath(p) for p in parts]:
        os.environ["PYTHONPATH"] = os.pathsep.join([root] + parts)
    if child:
        core.PREFIX = "%d:" % os.getpid()
        core._msg[0] = core.child_msg_base()
    state["script"] = script
    gens.install(child)
    ts = core.now()
    core.W = _open_writer(trace, sock, child)
    core.W.write_now(header(script, argv, ts))
    for err in core.W.errors:
        core.mark("runtime-error", err)
    if child:
        core.MAIN = core.declare("process", process_name or ("pid %d" % os.getpid()), parent_task,
                                 ts=ts, pid=os.getpid())
    else:
        core.MAIN = core.declare("main", "main", None, ts=ts, pid=os.getpid())
    from _thread import get_ident
    core.thread_lanes.clear()
    core.thread_lanes[get_ident()] = core.MAIN
    core.W.start()
    _warn_no_gil(child)
    output.install()
    if not child:
        from . import sigint
        sigint.install()
    imports.install()
    from . import hooks
    hooks.install()
    atexit.register(_atexit)
    return core.MAIN


NO_GIL = ("this Python runs without the GIL (a free-threaded build); Coroscope's runtime relies on it "
          "and cannot promise a correct trace here (the program itself runs as usual). Run it with "
          "PYTHON_GIL=1, or a regular build, for a trace to trust")


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
    if state["finished"]:
        return
    state["finished"] = True
    w = core.W
    if w is None:
        return
    from . import sigint
    sigint.closing[0] = True
    try:
        _finish(w, code)
    except BaseException:
        pass
    if sigint.pending[0]:
        state["signal"] = "SIGINT"


def _finish(w, code):
    try:
        gens.uninstall()
        if code is None:
            code = state["exit"]
        if core.PREFIX:
            # a child process: its lane's ``end`` closes its story; ``finish``
            # is the root process's last line alone
            w.close()     # flushes (with an events-dropped mark if the queue overflowed)
            return
        if type(code) is int and os.name == "posix":
            code &= 0xFF      # the status the process really exits with (sys.exit(263) exits 7)
        ev = {"type": "finish", "ts": core.now(), "exitCode": code, "dropped": 0}
        if state["signal"]:
            ev["signal"] = state["signal"]
        w.stop_thread()
        w.flush()
        ev["dropped"] = w.total_dropped()
        ev["ts"] = core.now()        # after the flush, and the events-dropped mark it may write
        w.write_now(ev)
        w.close()
    except Exception:
        pass


def flush_now():
    """Make everything queued so far durable (before os._exit / fork / exec)."""
    w = core.W
    if w is not None:
        try:
            w.flush(final=True)
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
        main = core.MAIN
        if main is not None and not main.ended:
            code = state["exit"]
            core.end(main, "exit", None if code is None else str(code))
    except Exception:
        pass
    finish()
    if state["signal"] == "SIGINT" and os.name == "posix":
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
