"""Command line: run SCRIPT as __main__ under capture, exactly as ``python SCRIPT``."""
import os
import sys
import types

USAGE = "usage: python -m coroscope [--trace FILE] [--socket ADDR] [--blocking-ms N] SCRIPT [ARGS...]\n"


def _parse(argv):
    opts = {"trace": None, "socket": None, "blocking": None}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            i += 1
            break
        if not a.startswith("--") or a == "-":
            break
        key, eq, val = a[2:].partition("=")
        if key in ("trace", "socket", "blocking-ms"):
            if not eq:
                i += 1
                if i >= len(argv):
                    sys.stderr.write(USAGE)
                    sys.exit(2)
                val = argv[i]
            opts["blocking" if key == "blocking-ms" else key] = val
        elif key in ("help",):
            sys.stdout.write(USAGE)
            sys.exit(0)
        elif key == "version":
            from . import VERSION
            sys.stdout.write("coroscope %s\n" % VERSION)
            sys.exit(0)
        else:
            sys.stderr.write("coroscope: unknown option %s\n%s" % (a, USAGE))
            sys.exit(2)
        i += 1
    if i >= len(argv):
        sys.stderr.write(USAGE)
        sys.exit(2)
    return opts, argv[i], argv[i + 1:]


def _strip_tb(tb, code):
    """The traceback from the script's own frame on, without runtime frames
    (a hook or wrapper that an exception passed through), as python prints it."""
    t = tb
    while t is not None and t.tb_frame.f_code is not code:
        t = t.tb_next
    head = t if t is not None else tb
    try:
        from .core import HERE
        here = HERE + os.sep
        prev = None
        t = head
        while t is not None:
            if t.tb_frame.f_code.co_filename.startswith(here) and prev is not None:
                prev.tb_next = t.tb_next
            else:
                prev = t
            t = t.tb_next
    except Exception:
        pass
    return head


def main(argv):
    opts, script, args = _parse(argv)
    from . import boot, core
    blocking = opts["blocking"] or os.environ.get(boot.ENV_BLOCKING)
    path = os.path.abspath(script)
    sys.argv[:] = [script] + list(args)
    main_lane = boot.start(opts["trace"], opts["socket"], blocking, path, sys.argv)
    interp = (getattr(sys, "orig_argv", None) or [sys.executable])[0]
    try:
        import io
        with io.open_code(path) as f:
            source = f.read()
    except OSError as e:
        sys.stderr.write("%s: can't open file %r: [Errno %d] %s\n" % (interp, path, e.errno, e.strerror))
        boot.state["exit"] = 2
        core.end(main_lane, "exit", "2")
        boot.finish(2)
        sys.exit(2)
    # sys.path[0] = the script's folder (symlinks resolved, as python does)
    sys.path[0] = os.path.dirname(os.path.realpath(path))
    mod = types.ModuleType("__main__")
    mod.__file__ = path
    mod.__cached__ = None
    mod.__builtins__ = __builtins__ if isinstance(__builtins__, types.ModuleType) else sys.modules["builtins"]
    try:
        from importlib.machinery import SourceFileLoader
        mod.__loader__ = SourceFileLoader("__main__", path)
    except Exception:
        pass
    sys.modules["__main__"] = mod
    sys.modules["__mp_main__"] = mod
    try:
        code = compile(source, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as e:
        e.__traceback__ = None
        sys.excepthook(type(e), e, None)
        boot.state["exit"] = 1
        core.end(main_lane, "exception", core.exc_summary(e))
        sys.exit(1)
    del source
    from . import gens
    gens.scan_code(code)
    try:
        exec(code, mod.__dict__)
    except SystemExit as e:
        c = e.code
        boot.state["exit"] = 0 if c is None else c if isinstance(c, int) else 1
        raise
    except KeyboardInterrupt as e:
        e.__traceback__ = _strip_tb(e.__traceback__, code)
        sys.excepthook(type(e), e, e.__traceback__)
        boot.state["exit"] = 130
        boot.state["signal"] = "SIGINT"
        core.end(main_lane, "exception", "KeyboardInterrupt")
        sys.exit(130)
    except BaseException as e:
        e.__traceback__ = _strip_tb(e.__traceback__, code)
        sys.last_type, sys.last_value, sys.last_traceback = type(e), e, e.__traceback__
        sys.excepthook(type(e), e, e.__traceback__)
        boot.state["exit"] = 1
        core.end(main_lane, "exception", core.exc_summary(e))
        sys.exit(1)
    else:
        boot.state["exit"] = 0
