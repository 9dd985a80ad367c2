"""Command line: start the runtime, then run the program as ``python SCRIPT``,
``python FOLDER`` / ``python APP.pyz`` (a ``__main__.py`` inside) or ``python -m
MODULE`` would: the same argv, sys.path[0], ``__main__`` module and spec, exit
code and tracebacks (without runtime frames). ``__main__.py`` runs what
``prepare`` returns at its own module level (one frame, see there)."""

import os
import sys
import types

from .recursion import pad_recursion

USAGE = "usage: python -m coroscope [--trace FILE] [--socket ADDR] [--blocking-ms N] [--locals] [--ignore-signals N,...] (SCRIPT | -m MODULE) [ARGS...]\n"

# Top-level standard-library modules the runtime imports that a plain start
# would not have loaded: taken out of sys.modules once the runtime holds them,
# so the program's own ``import opcode`` finds what plain Python would (its own
# opcode.py beside the script, or a fresh copy), never the runtime's.
_HIDE = ("opcode", "_opcode", "dis", "socket", "_socket", "select", "selectors", "array", "_json")


def _parse(argv):
    opts = {"trace": None, "socket": None, "blocking": None, "locals": False, "ignore": None}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            i += 1
            break
        if a == "-m":
            if i + 1 >= len(argv):
                sys.stderr.write("Argument expected for the -m option\n" + USAGE)
                sys.exit(2)
            return opts, argv[i + 1], argv[i + 2 :], True
        if not a.startswith("--") or a == "-":
            break
        key, eq, val = a[2:].partition("=")
        if key in ("trace", "socket", "blocking-ms", "ignore-signals"):
            if not eq:
                i += 1
                if i >= len(argv):
                    sys.stderr.write(USAGE)
                    sys.exit(2)
                val = argv[i]
            opts[{"blocking-ms": "blocking", "ignore-signals": "ignore"}.get(key, key)] = val
        elif key == "locals" and not eq:
            opts["locals"] = True  # (frame_locals.py)
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
    return opts, argv[i], argv[i + 1 :], False


class Run:
    """What __main__.py runs: ``exec(code, globals)``, or ``runpy(name, alter)``
    (runpy._run_module_as_main, called straight from there so the traceback has
    the same runpy frames as plain Python's)."""

    __slots__ = ("code", "globals", "runpy", "name", "alter", "lane")

    def __init__(self, lane):
        self.code = self.globals = self.runpy = self.name = None
        self.alter = False
        self.lane = lane


def _main_module(ann):
    """A __main__ module as the interpreter makes it at start-up (same keys, same order)."""
    mod = types.ModuleType("__main__")
    if ann:
        mod.__annotations__ = {}
    mod.__builtins__ = sys.modules["builtins"]
    return mod


def _importer_kind(path):
    """What plain Python finds at PATH: 'dir' or 'zip' (run its __main__), else 'file'."""
    if os.path.isdir(path):
        return "dir"
    try:
        import zipimport

        zipimport.zipimporter(path)
        return "zip"
    except Exception:
        return "file"


def _fix_path(slot, first):
    """sys.path as plain Python has it: FIRST in the slot the bootstrap kept
    (none under -P), and no runtime folder anywhere else (PYTHONPATH carries it
    for child processes only)."""
    from .core import HERE

    root = os.path.dirname(HERE)
    rest = sys.path[1:] if slot else sys.path[:]
    rest = [p for p in rest if not p or os.path.abspath(p) != root]
    if slot:
        sys.path[:] = [first] + rest
    else:
        sys.path[:] = rest
    from . import subinterp

    subinterp.PLAIN[:] = [slot, first, list(sys.argv)]  # (a subinterpreter is given the same: subinterp.py)


def _hide(before):
    for name in _HIDE:
        if name not in before:
            sys.modules.pop(name, None)


def _ignore_signals(nums):
    """Signals the shell had ignored when it started the tool that starts this
    runtime (``nohup coroscope run``): Node resets them, so the CLI passes them
    (cli/shell-signals.ts) and they are ignored again before anything else, as
    plain Python would have inherited them (an ignored SIGINT raises no
    KeyboardInterrupt; children inherit them)."""
    import signal

    for n in nums.split(","):
        try:
            signal.signal(int(n), signal.SIG_IGN)
        except (ValueError, OSError, RuntimeError):
            pass  # (SIGKILL, SIGSTOP, numbers this system has not)


def prepare(argv, ann=False, slot=True, before=(), cached=True):
    opts, target, args, module = _parse(argv)
    if opts["ignore"]:
        _ignore_signals(opts["ignore"])
    from . import boot, core, gens, state

    pad_recursion(1 if sys.version_info >= (3, 12) else 2)
    blocking = opts["blocking"] or os.environ.get(state.ENV_BLOCKING)
    interp = (getattr(sys, "orig_argv", None) or [sys.executable])[0]
    if module:
        path = target
        sys.argv[:] = ["-m"] + list(args)  # (runpy puts the module's file in argv[0])
    else:
        path = os.path.abspath(target)
        sys.argv[:] = [target] + list(args)
    lane = boot.start(opts["trace"], opts["socket"], blocking, path, [target] + list(args), locals=opts["locals"])
    run = Run(lane)
    kind = "module" if module else _importer_kind(path)
    if kind != "file":
        import runpy

        run.runpy = runpy._run_module_as_main
    _hide(before)
    if kind == "module":
        _fix_path(slot, os.getcwd())
        sys.modules["__main__"] = _main_module(ann)
        run.name, run.alter = target, True
        return run
    if kind in ("dir", "zip"):
        _fix_path(True, path)  # (the folder or zip goes first even under -P)
        sys.modules["__main__"] = _main_module(ann)
        run.name, run.alter = "__main__", False
        return run
    try:
        import io

        with io.open_code(path) as f:
            source = f.read()
    except OSError as e:
        sys.stderr.write("%s: can't open file %r: [Errno %d] %s\n" % (interp, path, e.errno, e.strerror))
        state.process["exit"] = 2
        core.end(lane, "exit", "2")
        boot.finish(2)
        sys.exit(2)
    # sys.path[0] = the script's folder (symlinks resolved, as python does)
    _fix_path(slot, os.path.dirname(os.path.realpath(path)))
    mod = _main_module(ann)
    mod.__file__ = path
    if cached:
        mod.__cached__ = None
    try:
        mod.__loader__ = sys.modules["_frozen_importlib_external"].SourceFileLoader("__main__", path)
    except Exception:
        pass
    sys.modules["__main__"] = mod
    try:
        code = compile(source, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as e:
        e.__traceback__ = None
        sys.excepthook(type(e), e, None)
        state.process["exit"] = 1
        core.end(lane, "exception", core.exc_summary(e))
        sys.exit(1)
    del source
    gens.scan_code(code)
    run.code = code
    run.globals = mod.__dict__
    return run


def _strip_tb(tb):
    """The traceback without runtime frames (the bootstrap's, a hook or wrapper
    that an exception passed through), as python prints it."""
    from .core import HERE

    here = HERE + os.sep
    while tb is not None and tb.tb_frame.f_code.co_filename.startswith(here):
        tb = tb.tb_next
    prev = None
    t = tb
    while t is not None:
        if t.tb_frame.f_code.co_filename.startswith(here) and prev is not None:
            prev.tb_next = t.tb_next
        else:
            prev = t
        t = t.tb_next
    return tb


def _strip_all(e):
    """e and the exceptions chained to it (cause, context)."""
    seen = set()
    stack = [e]
    while stack:
        x = stack.pop()
        if x is None or id(x) in seen:
            continue
        seen.add(id(x))
        try:
            x.__traceback__ = _strip_tb(x.__traceback__)
        except Exception:
            pass
        stack.append(x.__cause__)
        stack.append(x.__context__)


def failed(run, e):
    from . import core, state

    run.code = run.globals = None
    if isinstance(e, SystemExit):
        c = e.code
        state.process["exit"] = 0 if c is None else c if isinstance(c, int) else 1
        try:
            raise e
        finally:
            # (e -> its traceback -> this frame -> e: a cycle that would keep the
            # program's frames and their locals alive until a collection at exit,
            # where plain Python frees them in order as SystemExit unwinds)
            e = None
    _strip_all(e)
    if isinstance(e, KeyboardInterrupt):
        sys.excepthook(type(e), e, e.__traceback__)
        state.process["exit"] = 130
        state.process["signal"] = "SIGINT"
        core.end(run.lane, "exception", "KeyboardInterrupt")
        sys.exit(130)
    sys.last_type, sys.last_value, sys.last_traceback = type(e), e, e.__traceback__
    if sys.version_info >= (3, 12):
        sys.last_exc = e
    sys.excepthook(type(e), e, e.__traceback__)
    state.process["exit"] = 1
    core.end(run.lane, "exception", core.exc_summary(e))
    sys.exit(1)


def done(run):
    from . import state

    run.code = run.globals = None  # (the program's globals die at exit as in plain Python)
    state.process["exit"] = 0


def main(argv):
    """``coroscope.cli.main(argv)``: the same run from a function (for embedding;
    __main__.py is the entry point)."""
    run = prepare(argv, sys.version_info < (3, 14))
    try:
        if run.code is not None:
            exec(run.code, run.globals)
        else:
            run.runpy(run.name, run.alter)
    except BaseException as e:
        failed(run, e)
    else:
        done(run)
