"""Generators and coroutines: start/resume/yield/return/raise per frame.

Python 3.12+: sys.monitoring (PEP 669) with a free tool id (gen_monitoring);
older Pythons: a global trace function (gen_settrace). Both drive the same
lifecycle (gen_lanes); user code is watched as it loads (gen_watch).

The value sent by ``g.send(v)`` is not visible to either API; it is recovered
from the caller's bytecode when the argument is a plain name or constant
(``c.send(n)``, ``g.send(None)``) and read without side effects (gen_callsites);
otherwise the switch carries no value.

This module is what the rest of the runtime uses: install / uninstall, the
back-end in use (``capture``), and the few names other hooks share.
"""

import dis  # noqa: F401  (the standard library's, imported early: aio_steps uses it; cli._hide)
import sys

from . import call_events, core, gen_lanes, gen_monitoring, gen_settrace, gen_watch
from .gen_lanes import ASYNCIO, FORCE  # noqa: F401  (aio.py sets ASYNCIO)
from .gen_settrace import HOOKED, hook_frames, rearm  # noqa: F401  (output.py)
from .gen_watch import scan_code  # noqa: F401  (cli.py)

aio = None  # the asyncio hook module once asyncio is imported
capture = "settrace"  # "monitoring" once the sys.monitoring back-end is installed (the header says which)


def install(child=False):
    global capture
    if sys.version_info >= (3, 12) and hasattr(sys, "monitoring"):
        try:
            if gen_monitoring.install():
                call_events.install()
                if FORCE or child:
                    gen_watch.start_everywhere()
                gen_watch.patch_loader()
                capture = gen_lanes.capture
                return capture
        except Exception as e:
            core.internal_error("sys.monitoring", e)
    capture = gen_lanes.capture = "settrace"
    if FORCE or child:
        hook_frames()
    else:
        gen_watch.patch_loader()
    return capture


def watch_return(code, on_return, on_raise, frame=None):
    """greenlet (glet.py): on_return(frame, value) / on_raise(frame, exc) when a frame of ``code`` returns or raises,
    on either back-end; ``frame``: one already running (settrace: its local tracer is set now)."""
    if gen_lanes.capture == "monitoring":
        gen_monitoring.RETURNS[id(code)] = (on_return, on_raise)
        gen_monitoring.watch_return(code)
    else:
        gen_settrace.RETURNS[id(code)] = (on_return, on_raise)
        gen_settrace.watch_return(code, frame)


def uninstall():
    try:
        tool = gen_monitoring.TOOL
        if tool is not None:
            call_events.uninstall()
            mon = sys.monitoring
            mon.set_events(tool, 0)
            # the local events of the user's generators stay set: no callbacks for them
            for ev in (mon.events.PY_START, mon.events.PY_RESUME, mon.events.PY_YIELD, mon.events.PY_RETURN, mon.events.PY_UNWIND, mon.events.PY_THROW):
                mon.register_callback(tool, ev, None)
            mon.free_tool_id(tool)
        elif HOOKED[0]:
            gen_settrace.unhook()
    except Exception:
        pass
