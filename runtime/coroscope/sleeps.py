"""``time.sleep`` called by the program: a ``block`` on ``timer`` and its
``wake`` (cause ``timer``; ``signal`` when a signal handler's exception ended
it), seen through call_events.py (3.12+) or, on the settrace back-end, through
opcode events at the call sites site_scan.py finds in the bytecode (< 3.12), so
no wrapper frame is ever on the sleeping thread's stack. Not recorded: a sleep
inside a running asyncio event loop (that is a blocked loop: the
``loop-blocked`` mark), a ``sleep(0)``."""

import sys
import time
from _thread import get_ident

from . import call_events, core, signals, site_scan
from .site_scan import UNKNOWN

_stacks = {}  # thread ident -> [(lane, detail) | None] of the sleeps in progress
_modules = sys.modules


def _call(frame, secs):
    st = _stacks.get(get_ident())
    if st is None:
        st = _stacks[get_ident()] = []
    ev = _modules.get("asyncio.events")  # (never imported here: asyncio is the program's to import)
    if ev is not None and ev._get_running_loop() is not None:
        st.append(None)
        return
    if secs is UNKNOWN:
        d = None  # (< 3.12: the seconds were an expression, not read)
    elif type(secs) not in (int, float) or not secs > 0:
        # (a number-like object of the program's is not asked, not even == 0; a
        # negative or NaN one raises at once)
        st.append(None)
        return
    else:
        d = "%s s" % core.safe_repr(secs)
    signals.handler_ran(True)  # (a handler that ran before this sleep did not end it)
    lane = core.lane_at(frame)
    core.block(lane, "timer", d, frame.f_code.co_filename, frame.f_lineno)
    lane.wait = ("timer", d)
    st.append((lane, d))


def _return(raised):
    st = _stacks.get(get_ident())
    if not st:
        return
    e = st.pop()
    if e is None:
        return
    lane, d = e
    lane.wait = None
    # a sleep that raised was ended by a signal handler's exception (its
    # arguments were checked before: a bad one never blocks): the handler that ran
    # during it, when it is the program's, names the signal (core.wake asks
    # signals.py about the handler's line)
    h = signals.handler_ran()
    if raised and h is not None:
        core.wake(lane, "timer", d, "signal", byFile=h[0], byLine=h[1])
    else:
        core.wake(lane, "timer", d, "signal" if raised else "timer")


def install():
    call_events.watch(time.sleep, _call, _return)
    # (< 3.12: the same block and wake from a sleep site's opcode events)
    site_scan.called = _call
    site_scan.returned = _return
