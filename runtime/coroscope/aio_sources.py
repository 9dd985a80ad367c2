"""asyncio debug mode's source tracebacks as plain Python records them (issue 14).

In debug mode (``asyncio.run(debug=True)``, ``PYTHONASYNCIODEBUG``, ``-X dev``)
asyncio records where each task, future and callback handle was made: the
"created at" of their reprs, the ``source_traceback`` of the exception
handler's context and the "Object created at" / "Handle created at" stack the
default handler logs. Traced, that stack runs through the runtime's frames: the
bootstrap's module level, the loop's ``run_forever`` wrapper, the step wrapper
``_run`` (where plain Python has ``Handle._run``). Here they go:

- a Task's list (the C Task records it unbounded): trimmed in place when it is
  made (``plain_source``, from aio.py's Task subclass), which also drops the
  frame plain Python drops (the Task's constructor's caller);
- a Handle's and a Python Future's (``format_helpers.extract_stack``, the last
  ``DEBUG_STACK_DEPTH`` frames): the replacement walks the whole stack, trims,
  then keeps as many of the program's frames as plain Python would;
- a C Future's (``traceback.extract_stack``, called from C: it cannot be
  replaced there): trimmed in place when it reaches the exception handler
  (``call_exception_handler``), so the logged stack and the handler's context
  read as plainly; read straight from ``fut._source_traceback`` before that, it
  still lists the runtime's frames (see docs/architecture.md).
"""

import os
import sys

from . import aio_steps, core
from .wrappers import like

_RUNTIME = core.HERE + os.sep
_STEP_FILE = aio_steps.__file__
# what plain Python's Handle._run frame reads as in a source traceback (made at
# the first one), and the original function it is read from until then
_HANDLE_RUN = [None, None]


def plain_source(tb, made_here=True):
    """Trim a source traceback (asyncio's own list, in place) to what plain
    Python records: the runtime's frames go, but the step wrapper stands where
    plain Python has ``Handle._run`` (it runs a task's step itself; other
    callbacks it hands to the original, whose frame is then there already).
    ``made_here``: the list was taken in aio.py's Task subclass's ``__init__``,
    so its last entry is the frame plain Python drops (``create_task``'s)."""
    try:
        if _HANDLE_RUN[1] is not None:
            _HANDLE_RUN[0] = _handle_run_summary(_HANDLE_RUN[1])
            _HANDLE_RUN[1] = None
        if made_here:
            del tb[-1]
        out = []
        for i, f in enumerate(tb):
            if not f.filename.startswith(_RUNTIME):
                out.append(f)
            elif f.filename == _STEP_FILE and f.name == "_run" and _HANDLE_RUN[0] is not None:
                nxt = tb[i + 1] if i + 1 < len(tb) else None
                if nxt is None or (nxt.filename, nxt.name) != (_HANDLE_RUN[0].filename, "_run"):
                    h = _HANDLE_RUN[0]
                    if getattr(f, "colno", None) is None and getattr(h, "colno", None) is not None:
                        # (3.13+ records lines only here: so does plain Python)
                        h = type(h)(h.filename, h.lineno, h.name, lookup_line=False)
                    out.append(h)
        if len(out) != len(tb):
            tb[:] = out
    except Exception as e:
        core.internal_error("asyncio source traceback", e)


def _handle_run_summary(orig_run):
    """The entry `Handle._run` makes in a traceback while a task's step runs:
    the file, line and (3.11+) columns of its `self._context.run(...)` call."""
    import dis
    import traceback

    co = orig_run.__code__
    if sys.version_info < (3, 11):  # (no columns)
        for _, line in dis.findlinestarts(co):
            f = traceback.FrameSummary(co.co_filename, line, co.co_name)
            if "_context.run" in (f.line or ""):
                return f
        return None
    for ins in dis.get_instructions(co):
        if ins.opname.startswith("CALL") and ins.positions is not None and ins.positions.lineno:
            pos = ins.positions
            f = traceback.FrameSummary(
                co.co_filename, pos.lineno, co.co_name, lookup_line=False, end_lineno=pos.end_lineno, colno=pos.col_offset, end_colno=pos.end_col_offset
            )
            if "_context.run" in (f.line or ""):
                return f
    return None


def _bounded(orig, constants):
    """format_helpers.extract_stack: the last ``limit`` of the program's frames (plain Python's
    count), taken from the whole stack once the runtime's are out."""

    def extract_stack(f=None, limit=None):
        if f is None:
            f = sys._getframe(1)
        if limit is None:
            limit = constants.DEBUG_STACK_DEPTH
        if type(limit) is not int or limit <= 0:
            return orig(f, limit)
        st = orig(f, sys.getrecursionlimit() + limit + 100)
        plain_source(st, made_here=False)
        if len(st) > limit:
            del st[:-limit]
        return st

    return like(extract_stack, orig)


def _context_trimmed(orig):
    def call_exception_handler(self, context):
        try:
            tb = context.get("source_traceback") if type(context) is dict else None
            if isinstance(tb, list) and tb:  # (a traceback.StackSummary)
                plain_source(tb, made_here=False)  # (a C Future's: taken with the runtime's frames)
        except Exception as e:
            core.internal_error("asyncio source traceback", e)
        return orig(self, context)

    return like(call_exception_handler, orig)


def install(events, be, Task):
    _HANDLE_RUN[1] = events.Handle._run
    try:
        import asyncio.constants as constants
        import asyncio.format_helpers as fh

        fh.extract_stack = _bounded(fh.extract_stack, constants)
        be.BaseEventLoop.call_exception_handler = _context_trimmed(be.BaseEventLoop.call_exception_handler)
    except Exception as e:
        core.internal_error("asyncio source traceback", e)
