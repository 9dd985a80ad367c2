"""Who ended a wait on a future or a multiprocessing queue (the wake's ``by``).

* A future of an executor is done by the worker that ran the call: a thread
  pool's worker thread lane (set_result runs there), or a process pool's worker
  process, known from the result item's msg id (``pid * 1e9 + n``: the process
  that sent it; its lane is ``"<pid>:1"``).
* A multiprocessing queue item was put by the lane that put it when that was
  this process (its ``send`` is remembered by msg id), else by the process its
  msg id names.
"""

from . import core, state, weakmap

_done = weakmap.WeakKeyDictionary()  # future -> (lane or lane id, seq): who completed it
_seq = [0]
_sent = {}  # msg id -> (lane, file, line) of a put made in this process


def process_lane(msg):
    """The lane id of the process that made msg id ``msg`` (None: unknown)."""
    if type(msg) is not int or msg <= 0:
        return None
    pid = msg // core.MSG_PID_BASE
    if pid == 0:
        return "1"  # the root process's ids are 1, 2, ...
    return "%d:1" % pid


def future_done(fut, by):
    """fut got its result or exception, from ``by`` (a lane or lane id)."""
    if by is None:
        return
    try:
        _seq[0] += 1
        _done[fut] = (by, _seq[0])
    except TypeError:
        pass


def done_by(fut):
    try:
        e = _done.get(fut)
    except TypeError:
        return None
    return e[0] if e is not None else None


def last_done_by(fs):
    """Of futures fs, who completed the one that completed last."""
    best = None
    for f in fs:
        try:
            e = _done.get(f)
        except TypeError:
            continue
        if e is not None and (best is None or e[1] > best[1]):
            best = e
    return best[0] if best is not None else None


def sent(msg, lane, file, line):
    if msg is None:
        return
    if len(_sent) > 4096:
        _sent.clear()
    _sent[msg] = (lane, file, line)


def put_by(msg):
    """(by, byFile, byLine) of the put of queue item msg."""
    e = _sent.pop(msg, None) if msg is not None else None
    if e is not None:
        return e
    by = process_lane(msg)
    if by == (state.PREFIX or "") + "1":
        return None, None, None  # (this process, but a put not seen here: which lane is unknown)
    return by, None, None
