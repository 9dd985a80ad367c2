"""Prints as ``output`` events, attributed to the task that wrote them.

sys.stdout/sys.stderr are replaced by transparent proxies: write() passes the
text to the real stream first (same bytes, same order, same buffering) and then
records it. Consecutive writes of one task to one stream that have not ended a
line are merged into one event while it is still queued.
"""
import sys

from . import core
from .core import now
from .writer import OUT

MAX_TEXT = 4096


class _Proxy:
    def __init__(self, stream, name):
        object.__setattr__(self, "_cs_stream", stream)
        object.__setattr__(self, "_cs_name", name)
        object.__setattr__(self, "_cs_last", None)

    def write(self, s):
        r = self._cs_stream.write(s)
        try:
            if type(s) is str and s:
                self._cs_record(s)
        except Exception as e:
            core.internal_error("output", e)
        return r

    def writelines(self, lines):
        lines = list(lines)
        r = self._cs_stream.writelines(lines)
        try:
            s = "".join(x for x in lines if type(x) is str)
            if s:
                self._cs_record(s)
        except Exception as e:
            core.internal_error("output", e)
        return r

    def _cs_record(self, s):
        w = core.W
        if w is None:
            return
        lane = core.current_lane()
        last = self._cs_last
        if last is not None and last["task"] == lane.id and not last["text"].endswith("\n") \
                and len(last["text"]) < MAX_TEXT:
            # (the lock keeps a flush from taking the event while it grows: held only
            # while lines are taken off the queue; a flush leaves an unfinished line
            # in the queue once, writer._take)
            if w.take_lock.acquire(True, 0.1):
                try:
                    q = OUT
                    if q and q[-1] is last:
                        last["text"] += s[:MAX_TEXT]
                        return
                finally:
                    w.take_lock.release()
        ev = {"type": "output", "ts": now(), "task": lane.id, "stream": self._cs_name,
              "text": s if len(s) <= MAX_TEXT else s[:MAX_TEXT] + "\u2026"}
        object.__setattr__(self, "_cs_last", ev)
        w.emit(ev)

    def __getattr__(self, name):
        return getattr(self._cs_stream, name)

    def __setattr__(self, name, value):
        setattr(self._cs_stream, name, value)

    def __iter__(self):
        return iter(self._cs_stream)

    def __enter__(self):
        self._cs_stream.__enter__()
        return self

    def __exit__(self, *a):
        return self._cs_stream.__exit__(*a)

    def __repr__(self):
        return repr(self._cs_stream)


def install():
    for name in ("stdout", "stderr"):
        s = getattr(sys, name, None)
        if s is not None and not isinstance(s, _Proxy):
            setattr(sys, name, _Proxy(s, name))


def real(stream):
    return stream._cs_stream if isinstance(stream, _Proxy) else stream
