"""asyncio queues: each transfer a ``send``/``recv`` line on the queue's channel
(named after the variable the creating line assigns it to), formatted in place
by the hooked ``put_nowait``/``get_nowait`` (a hot path)."""

import sys
import weakref
from sys import _getframe
from _json import encode_basestring_ascii as _q

from . import aio_primitives, core, varnames, weakmap
from .core import drop_own_frame, now, safe_repr, frames
from .writer import OUT, SOFT_QUEUE, PEND, DROPPED, RESUME, THREADED, unpend, room
from .wrappers import like

_put = OUT.append
_qfile = core.qfile
_qnames = weakmap.WeakKeyDictionary()
_qids = {}  # id(queue) -> (weakref, info): fast path of _qnames
QS = '{"type":"send","ts":'
QR = '{"type":"recv","ts":'


def _qname(q):
    e = _qids.get(id(q))
    if e is not None and e[0]() is q:
        return e[1]
    r = _qnames.get(q)
    if r is None:
        from collections import deque

        r = [varnames.numbered("asyncio." + type(q).__name__), deque()]
        _qnames[q] = r
    if len(_qids) > 1000:
        _qids.clear()
    _qids[id(q)] = (weakref.ref(q), r)
    return r


def _queue_init(orig):
    """asyncio.Queue(): named after the variable the creating line assigns it to."""

    def __init__(self, *args, **kwargs):
        orig(self, *args, **kwargs)
        try:
            nm = varnames.assigned(_getframe(1))
            if nm is not None:
                from collections import deque

                _qnames[self] = [nm, deque()]
        except Exception as e:
            core.internal_error("asyncio queue", e)

    return like(__init__, orig)


def _qparts(lane, info, f):
    """(task + channel part, site part) of the lines of a queue event by `lane` at
    frame f (the innermost user frame, or None)."""
    pre = ',"task":"%s","channel":%s,"value":' % (lane.id, _q(info[0]))
    if f is None:
        return pre, "}\n"
    fn = f.f_code.co_filename
    if fn == lane.cfile:
        return pre, ',"line":%d}\n' % f.f_lineno  # (in the task's codeFile: readers know it)
    return pre, ',"file":%s,"line":%d}\n' % (_qfile(fn), f.f_lineno)


def queue_info(q):
    """[channel name, msg ids in flight] of an asyncio queue."""
    e = _qids.get(id(q))
    if e is None or e[0]() is not q:
        _qname(q)
        e = _qids[id(q)]
    return e[1]


def _qslow(q, f):
    """(queue record, task + channel part, site part) of a transfer made elsewhere
    than right in a task's own coroutine (a helper coroutine or function, a
    callback): walk up to the innermost user frame and the first frame of a lane."""
    info = queue_info(q)
    uc = core.user_codes
    fget = frames.get
    site = None
    lane = None
    n = 0
    while f is not None and n < 64:
        if site is None:
            code = f.f_code
            u = uc.get(id(code))
            if u is None:
                u = core.is_user_code(code)
            if u:
                site = f
        fi = fget(id(f))
        if fi is not None:
            lane = fi[0]
            break
        f = f.f_back
        n += 1
    if lane is None:
        lane = core.root_lane()
    return (info,) + _qparts(lane, info, site)


_NO_ITEM = object()


def _queue_hook(orig, send, qmod):
    """asyncio.Queue.put_nowait / get_nowait (Queue.put / get call them), reporting
    each transfer as a send / recv line, formatted in place: a hot path, hence one
    function with the original call inside, and no frame object made for
    Queue.put / get where the interpreter can name a frame's module without one."""
    _getframe = sys._getframe
    note, note_caller = aio_primitives.note, aio_primitives.note_caller
    modname = getattr(sys, "_getframemodulename", None)
    fget = frames.get
    _msg = core.msg_ids
    QSR = QS if send else QR
    OP, OPN = (',"op":"put"', ',"op":"put_nowait"') if send else (',"op":"get"', ',"op":"get_nowait"')

    def hooked(self, item=_NO_ITEM, _now=now, len=len, type=type, PEND=PEND, OUT=OUT, MAXQ=SOFT_QUEUE, int=int, NO=_NO_ITEM):
        # (a positional default, not *args: a call with an argument tuple is not
        # specialized by the interpreter, and this runs for every item)
        wt = len(self._getters if send else self._putters)  # someone to wake: note who does
        try:
            r = orig(self) if item is NO else orig(self, item)
        except BaseException as e:
            # (QueueEmpty, QueueFull, QueueShutDown: this frame out of the traceback)
            drop_own_frame(e)
            raise
        try:
            # the site and the lane: usually the task's own coroutine frame, right
            # above Queue.put / get (or put_nowait / get_nowait); the queue's record
            # and the line parts are cached per lane by instruction offset
            # (called from Queue.put / get, the program wrote put / get; else put_nowait / get_nowait)
            if modname is not None:
                if modname(1) == qmod:
                    f, op = _getframe(2), OP
                else:
                    f, op = _getframe(1), OPN
            else:
                f, op = _getframe(1), OPN
                if f.f_globals.get("__name__") == qmod:
                    f, op = f.f_back, OP
            fi = fget(id(f))
            if fi is not None and fi[2] is f:
                lane = fi[0]
                qc = lane.qc
                if qc is None:
                    qc = lane.qc = {}  # (dropped with the task's frame: _forget)
                la = f.f_lasti
                c = qc.get(la)
                if c is None or c[0] is not self:
                    if len(qc) > 64:
                        qc.clear()
                    info = queue_info(self)
                    c = qc[la] = (self, info) + _qparts(lane, info, f)
                _, info, pre, tail = c
                if wt:
                    note(self, lane, f.f_code.co_filename, f.f_lineno)
            else:
                lane = None
                info, pre, tail = _qslow(self, f)
                if wt:
                    note_caller(self, f)
            if send:
                _msg[0] += 1
                m = _msg[0]
                info[1].append(m)
                v = item
            else:
                m = info[1].popleft() if info[1] else None
                v = r
            fold = ""
            if PEND:
                if lane is not None and PEND[-1] is lane and not THREADED[0]:  # (threads: writer.unpend only)
                    # the held-back start of this very step: folded into this line
                    # (stepTs, stepLine) rather than written as a resume line of its own
                    try:
                        p = PEND.pop()
                    except IndexError:
                        p = None
                    if p is lane:
                        fold = f',"stepTs":{lane.since},"stepLine":{lane.et}'
                        lane.held = False
                    elif p is not None:
                        PEND.append(p)
                if PEND:
                    unpend()
            if len(OUT) < MAXQ or room():
                # a line = head + ts + (task, channel) part + value + msg + step + site part
                if m is None:
                    ln = f"{QSR}{_now()}{pre}{_q(safe_repr(v))}{fold}{op}{tail}"
                elif type(v) is int and -1152921504606846976 < v < 1152921504606846976:
                    ln = f'{QSR}{_now()}{pre}"{v}","msg":{m}{fold}{op}{tail}'
                else:
                    ln = f'{QSR}{_now()}{pre}{_q(safe_repr(v))},"msg":{m}{fold}{op}{tail}'
                if fold and THREADED[0]:
                    # a collection in this hook ran finalizers of the program that queued lines after the step's start
                    # was folded in (writer._gc_watch: the process is ordered now): the start as a line of its own,
                    # which the flush sorts before them (no JSON string holds `,"stepTs"` unescaped)
                    _put(RESUME % (lane.since, lane.id, lane.et))
                    ln = ln.replace(fold, "", 1)
                _put(ln)
            else:
                DROPPED[0] += 1
        except Exception as e:
            core.internal_error("asyncio queue", e)
        return r

    return like(hooked, orig)


def hook(queues):
    """asyncio.Queue: names, and its transfers (put/get call put_nowait/get_nowait)."""
    Q = queues.Queue
    Q.__init__ = _queue_init(Q.__init__)
    Q.put_nowait = _queue_hook(Q.put_nowait, True, queues.__name__)
    Q.get_nowait = _queue_hook(Q.get_nowait, False, queues.__name__)
    o_done = Q.task_done

    def task_done(self):
        r = o_done(self)
        try:
            if self._unfinished_tasks == 0:
                aio_primitives.note_finish(self, _getframe(1))  # (this call released q.join())
        except Exception:
            pass
        return r

    Q.task_done = like(task_done, o_done)
