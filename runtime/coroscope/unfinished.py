"""Tasks still alive when the program ends: an ``end`` with outcome
``unfinished``, where each one is paused and what it waits on, so a lane never
looks as if it were still running (a generator left suspended, a consumer still
waiting, a daemon thread)."""

import sys

from . import core, state

# Lanes that are the machinery, not the program's tasks: their life is the program's.
_SKIP = ("main", "process", "hub", "event-loop")
# gev.py: lane -> True when it wrote the lane's end (a gevent greenlet killed before it started, by a kill no hook saw)
ended_hook = None


def _gen_frames():
    """lane id -> (depth, frame) of the innermost frame registered for it."""
    out = {}
    for info in list(core.frames.values()):
        lane, depth, frame = info[0], info[1], info[2]
        prev = out.get(lane.id)
        if prev is None or depth > prev[0]:
            out[lane.id] = (depth, frame)
    return out


def _waits(lane):
    w = lane.wait
    if not w or type(w) is not tuple:
        return None
    on, detail = w[0], w[1] if len(w) > 1 else None
    if on is None:
        return None
    return "%s %s" % (on, detail) if detail else on


def _where(lane, gframes, tframes):
    k = lane.kind
    fr = None
    if k == "asyncio-task" and lane.coro is not None:
        try:
            from . import aio_tasks

            file, line = aio_tasks.site(lane)[:2]
            return file, line
        except Exception:
            fr = lane.cframe
    elif k in ("generator", "coroutine", "async-generator"):
        e = gframes.get(lane.id)
        if e is not None:
            fr = e[1]
            return fr.f_code.co_filename, fr.f_lineno
    elif k == "thread":
        fr = tframes.get(lane.id)
    elif lane.obj is not None:
        g = lane.obj()
        fr = getattr(g, "gr_frame", None) if g is not None else None
    if fr is None:
        return None, None
    return core.user_site(fr)


def end_alive():
    """Called once at exit, after the program's own atexit handlers."""
    if state.W is None or not core.live:
        return
    gframes = tframes = cur = f = None
    try:
        gframes = _gen_frames()
        tframes = {}
        try:
            cur = sys._current_frames()
            for ident, ln in list(core.thread_lanes.items()):
                f = cur.get(ident)
                if f is not None:
                    tframes[ln.id] = f
        except Exception:
            pass
        for lane in list(core.live.values()):
            if lane.ended or lane.kind in _SKIP:
                continue
            h = ended_hook
            if h is not None:
                try:
                    if h(lane):
                        continue  # (it did end, unseen until now: its end is written)
                except Exception:
                    pass
            try:
                file, line = _where(lane, gframes, tframes)
            except Exception:
                file = line = None
            core.end(lane, "unfinished", None, file, line, _waits(lane))
    except Exception as e:
        core.internal_error("unfinished tasks", e)
    finally:
        # sys._current_frames() holds this very frame: without this, the frames of
        # every thread stay in a reference cycle until a collection, keeping their
        # locals alive past their threads' end (a multiprocessing feeder thread's
        # pickled buffer then outlives its BytesIO: "BufferError: Existing exports"
        # at shutdown, which plain Python never prints)
        gframes = tframes = cur = f = None
