"""multiprocessing.JoinableQueue.join(): a wait of the program's lane, woken
(cause ``done``) by the lane and line of the ``task_done()`` that brought the
count of unfinished items to 0, in whichever process that ran.

The process that calls that ``task_done()`` leaves a note (lane, file, line, ts)
while it still holds the queue's condition lock (taken around the original
``task_done``, re-entrantly): the joiner, woken by its ``notify_all``, returns
from ``join`` only after that lock is released, so the note is there when it
reads it. Within one process the note is kept in memory; across processes it is
a file named after the queue's semaphore in the run's private folder
(proc_ends.marks_dir, which every traced child knows), replaced atomically. The
joiner takes the newest note written after it started waiting; none (an
untraced process finished the item): the wake has no ``by``.
"""

import os
import sys

from . import core, proc_ends, state
from .core import drop_own_frame
from .wrappers import like

_notes = {}  # semaphore name of the queue's count -> (ts, lane id, file, line), this process's task_done()s


@state.after_fork
def _forget_parent():
    _notes.clear()


def _key(q):
    """The queue's identity in every process: its count's semaphore name; a fork context's semaphores are
    unlinked at once and have none, but fork children share the parent's mapping of it, at the same address."""
    try:
        sl = q._unfinished_tasks._semlock
        n = sl.name
        if type(n) is str:
            return n
        h = sl.handle
        return "h%x" % h if type(h) is int else None
    except Exception:
        return None


def _path(key):
    d = proc_ends.marks_dir()
    if d is None:
        return None
    return os.path.join(d, "join-" + key.replace("/", "").replace(os.sep, ""))


def _note(q, frame):
    key = _key(q)
    if key is None:
        return
    f, l, lane = core.site_lane(frame)
    note = (core.now(), lane.id, f, l)
    _notes[key] = note
    p = _path(key)
    if p is None:
        return
    tmp = "%s.%d" % (p, os.getpid())
    text = "%d\x1f%s\x1f%s\x1f%s" % (note[0], note[1], note[2] or "", "" if note[3] is None else note[3])
    fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    try:
        os.write(fd, text.encode("utf-8", "surrogatepass"))
    finally:
        os.close(fd)
    os.replace(tmp, p)  # (a reader sees the whole note or the one before)


def _read_file(key):
    p = _path(key)
    if p is None:
        return None
    try:
        fd = os.open(p, os.O_RDONLY)
    except OSError:
        return None
    try:
        data = os.read(fd, 65536)
    finally:
        os.close(fd)
    ts, lane, f, l = data.decode("utf-8", "surrogatepass").split("\x1f")
    return int(ts), lane, f or None, int(l) if l else None


def finisher(q, since):
    """(lane id, file, line) of the task_done() that last emptied q's count after ts ``since``, or None."""
    key = _key(q)
    if key is None:
        return None
    best = _notes.get(key)
    try:
        other = _read_file(key)
    except Exception:
        other = None
    if other is not None and (best is None or other[0] > best[0]):
        best = other
    if best is None or best[0] < since:
        return None
    return best[1:]


def patch(JQ, detail):
    """JoinableQueue's join and task_done; ``detail(q)``: the block/wake detail (``<name>.join()``)."""
    o_done = JQ.task_done

    def task_done(self):
        if state.W is None:
            return o_done(self)
        try:
            cond = self._cond
            cond.acquire()  # (an RLock: task_done takes it again inside)
        except Exception:
            return o_done(self)
        try:
            try:
                r = o_done(self)
            except BaseException as e:
                drop_own_frame(e)
                raise
            try:
                if self._unfinished_tasks._semlock._is_zero():
                    _note(self, sys._getframe(1))
            except Exception as e:
                core.internal_error("mp join note", e)
            return r
        finally:
            cond.release()

    JQ.task_done = like(task_done, o_done)

    o_join = JQ.join

    def join(self):
        lane = since = None
        if state.W is not None:
            try:
                if not self._unfinished_tasks._semlock._is_zero():
                    f, l, lane = core.site_lane(sys._getframe(1))
                    since = core.now()
                    core.block(lane, "queue", detail(self), f, l)
                    state.flush_in_child()
            except Exception:
                lane = None
        try:
            r = o_join(self)
        except BaseException as e:
            if lane is not None:
                try:
                    core.wake(lane, "queue", detail(self))  # (interrupted: no one finished it)
                except Exception:
                    pass
            drop_own_frame(e)
            raise
        if lane is not None:
            try:
                who = finisher(self, since)
                if who is None:
                    core.wake(lane, "queue", detail(self), "done")
                else:
                    core.wake(lane, "queue", detail(self), "done", who[0], who[1], who[2])
            except Exception as e:
                core.internal_error("mp join", e)
        return r

    JQ.join = like(join, o_join)
