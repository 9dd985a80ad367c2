"""Code watching: user code is seen as it is loaded (the script, the import
system's get_code, zip imports). On the settrace back-end a module that has user
generators (or coroutines no asyncio Task drives) installs the frame hook; on
the sys.monitoring back-end each user generator and coroutine gets a local
PY_START, and code that can make code (exec, compile) the global one."""

import sys
from types import CodeType

from . import call_events, core, gen_lanes, gen_monitoring, site_scan
from .core import is_user_code
from .gen_lanes import ASYNCIO, CO_ASYNC_GENERATOR, CO_COROUTINE, GEN_FLAGS, wanted
from .gen_settrace import HOOKED, hook_frames
from .wrappers import like


def nested_codes(code, limit=100_000):
    """code and the code objects nested in it (functions, classes, lambdas,
    comprehensions), at most `limit` of them."""
    todo = [code]
    while todo and limit:
        c = todo.pop()
        limit -= 1
        yield c
        for k in c.co_consts:
            if type(k) is CodeType:
                todo.append(k)


def _scan(code, names):
    need = False
    corou = False
    try:
        for c in nested_codes(code):
            names.update(c.co_names)
            fl = c.co_flags
            if fl & (0x20 | CO_ASYNC_GENERATOR):
                if core.TRACE_GENEXPR or c.co_name != "<genexpr>":
                    need = True
            elif fl & (CO_COROUTINE | 0x100):
                corou = True
    except Exception:
        need = True
    return need, corou


def scan_code(code):
    """A user module's code was loaded: install the frame hook if it needs one
    (sys.monitoring: watch its generators)."""
    if gen_lanes.capture == "monitoring":
        try:
            _watch(code)
        except Exception as e:
            core.internal_error("scan", e)
        call_events.watch_code(code)
        return
    if HOOKED[0]:
        return
    try:
        names = set()
        need, corou = _scan(code, names)
        if need or (corou and not ("asyncio" in names or ASYNCIO[0])) or not names.isdisjoint(_MAKES_CODE):
            hook_frames()
        elif site_scan.watched(names) and site_scan.any_sites(code):
            hook_frames()  # (its time.sleep / gevent primitive calls are seen through the same hook: site_scan.py)
    except Exception as e:
        core.internal_error("scan", e)


# The trace function's own frame, called above every new frame: the program gets


def patch_loader():
    try:
        from importlib import _bootstrap_external as be

        _patch_get_code(be.SourceLoader)
        # code from a zip (a zipapp's __main__.py, modules in an archive on sys.path)
        _patch_get_code(sys.modules["zipimport"].zipimporter)
    except Exception as e:
        core.internal_error("loader", e)


def _patch_get_code(cls):
    orig = cls.get_code

    def get_code(self, fullname):
        code = orig(self, fullname)
        try:
            if code is not None and (gen_lanes.capture == "monitoring" or not HOOKED[0]) and core.is_user_file(code.co_filename):
                scan_code(code)
        except Exception:
            pass
        return code

    cls.get_code = like(get_code, orig)


# Names whose use lets a program make code objects no loader hands over
# (exec("def g(): yield"), compile, runpy, types.FunctionType): a program that
# uses one gets a global PY_START, which sees every code object on its first call.
_MAKES_CODE = frozenset(("exec", "eval", "compile", "run_path", "run_module", "interact", "FunctionType", "CodeType"))
_START_EVERYWHERE = [False]


def _watch(code):
    """sys.monitoring: a local PY_START on each user generator and coroutine of
    freshly loaded code (their first start decides the rest: want()); the global
    PY_START when the code can make code."""
    mon = sys.monitoring
    names = set()
    for c in nested_codes(code):
        names.update(c.co_names)
        if c.co_flags & GEN_FLAGS and id(c) not in wanted and is_user_code(c):
            mon.set_local_events(gen_monitoring.TOOL, c, mon.events.PY_START)
    if not _START_EVERYWHERE[0] and not names.isdisjoint(_MAKES_CODE):
        start_everywhere()


def wrap_watch(wrap):
    """frame_locals: the code watcher replaced by ``wrap(watch)`` (scan_code calls it through this module's
    globals), so the locals tool's events go on the same code objects."""
    global _watch
    _watch = wrap(_watch)


def started_everywhere():
    """The global PY_START is on (the program can make code, or a child process)."""
    return _START_EVERYWHERE[0]


def start_everywhere():
    _START_EVERYWHERE[0] = True
    mon = sys.monitoring
    tool = gen_monitoring.TOOL
    mon.set_events(tool, mon.get_events(tool) | mon.events.PY_START)
