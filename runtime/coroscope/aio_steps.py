"""asyncio steps: each step of a Task as a pair of switches (loop -> task
"step", task -> loop with the reason of what it awaits), seen with no frame hook
at all: every step is a ``Handle._run`` of the task's step/wakeup callback,
which is wrapped here. A loop-blocked mark for long steps; the commonest step
(a ``sleep(0)`` right in the task's own coroutine) is written compactly."""

import time
from sys import _getframe
from _json import encode_basestring_ascii as _q

from . import aio_tasks, aio_waits, core, state
from .aio_tasks import forget
from .core import now, safe_repr, exc_repr
from .values import future_state, is_sub, type_name
from .writer import OUT, SOFT_QUEUE, PEND, DROPPED, RESUME, THREADED, unpend, room
from .wrappers import delegating, like, runs_program

_put = OUT.append
_qfile = core.qfile
_cb_types = []


def _prefixes(lane):
    """Per-lane constant parts of its step lines (ids, file)."""
    ll = lane.extra or state.MAIN
    p = (
        ',"from":"%s","to":"%s","reason":"step"' % (ll.id, lane.id),
        ',"toFile":%s,"toLine":' % _qfile(lane.cfile),
        ',"from":"%s","to":"%s","reason":"' % (lane.id, ll.id),
        ',"file":%s,"line":' % _qfile(lane.cfile),
    )
    lane.fmt = p
    return p


# The commonest step (resumed with nothing, suspended again by sleep(0) in the
# task's own coroutine) is written compactly: one ``step`` line, or a ``resume``
# and a ``suspend`` line when other lines came in between (writer.PEND). Readers
# expand them to the two ``switch`` events (docs/protocol.md); the loop lane and
# the file come from the task's declaration (``loop``, ``codeFile``).
STEP = '{"type":"step","ts":'
SUSPEND = '{"type":"suspend","ts":'


def halves(ln, since, ts, r):
    """A step's resume (at ``since``, line ``r``) and suspend (at ``ts``) as lines of their own, where it would be one
    compact line: a collection inside this hook, after the step's start was taken off PEND, ran finalizers of the
    program that queued lines between the two (writer._gc_watch made the process ordered: THREADED). One line holds
    both times and cannot go in ts order around them; the flush sorts these two."""
    _put(RESUME % (since, ln.id, r))
    _put(f"{SUSPEND}{ts}{ln.etail}")


def _dpart(depth, fname):
    if not depth:
        return ""
    if fname:
        return ',"depth":%d,"frame":%s' % (depth, _q(fname))
    return ',"depth":%d' % depth


def step_start(lane, handle, ts):
    lane.held = False  # this start is written now, not held back
    value = None
    w = lane.wait
    if w is not None:
        lane.wait = None
        on, fut = w[0], w[2]
        if on is not None:
            # (at the step's own time: this line is written before the step's
            # switch, and lines of one process are in time order)
            aio_waits.wake(lane, w, ts)
        if fut is not None:
            # (read from the future's fields: exception() would mark an exception
            # retrieved, and asyncio would no longer log "Task exception was never
            # retrieved"; a future of another class is not asked at all)
            st = future_state(fut)
            if st is not None:
                if st[0] == "CANCELLED":
                    value = "CancelledError"
                elif st[0] == "FINISHED":
                    value = exc_repr(st[2]) if st[2] is not None else safe_repr(st[1])
    args = handle._args
    if args and is_sub(type(args[0]), BaseException):
        value = exc_repr(args[0])
    lane.since = ts
    fr = lane.cframe
    p = lane.fmt or _prefixes(lane)
    if state.W is None:
        return
    if PEND:
        unpend()
    if len(OUT) < SOFT_QUEUE or room():
        _put(
            '{"type":"switch","ts":%d%s%s%s%d%s}\n'
            % (ts, p[0], "" if value is None else ',"value":' + _q(value), p[1], fr.f_lineno if fr is not None else 0, _dpart(lane.rdepth, lane.rframe))
        )
    else:
        DROPPED[0] += 1


def step_end(lane, task):
    if lane.cframe is None:
        return  # forgotten meanwhile (a forked child: the parent's task)
    ll = lane.extra or state.MAIN
    t = now()
    st = future_state(task)  # (not task.exception(): see step_start)
    if st is not None and st[0] != "PENDING":
        fr = lane.cframe
        line = (fr.f_lineno or core.last_line(fr)) if fr is not None else 0
        lane.rdepth, lane.rframe = 0, None
        if t - lane.since > state.BLOCKING_NS:
            _blocked(lane, t, lane.cfile, line)
        # a task is done after its last step: its story ends here (every step of
        # a Task of ours comes through Handle._run, so no done callback is needed)
        by = ""
        if st[0] == "CANCELLED":
            reason = outcome = "cancelled"
            v = "CancelledError"
            c = lane.wby
            if c is not None and c[0] == "cancel" and c[1] is not None and c[1] is not lane:
                # a cancel() no wake carried (the task had not waited yet): its end says who cancelled it
                lane.wby = None
                by = ',"by":"%s"' % c[1].id
                if c[2] is not None and c[3]:
                    by += ',"byFile":%s,"byLine":%d' % (_qfile(c[2]), c[3])
        else:
            e = st[2]
            if e is None:
                reason = outcome = "return"
                v = safe_repr(st[1])
            else:
                # the exception as written, ValueError('bad 1'), as generators record it (values.py:
                # from its args, never its own __repr__/__str__)
                v = exc_repr(e)
                reason = "cancelled" if v.startswith("CancelledError") else "raise"
                outcome = "exception"
        aio_tasks.done(task)
        forget(lane)
        lane.ended = t  # (when: truthy, and the order of ends an asyncio.wait's wake replays)
        core.live.pop(lane.id, None)
        lane.esite = (lane.cfile, line)
        lane.clane = None
        if state.W is not None:
            # the last switch back to the loop and the end, queued as one item
            # (formatted here: a task that never took a slow path has no lane.fmt,
            # and making it for its last line costs more than this)
            # (the end has the last line, the return or raise, as a generator's end has)
            v = _q(v)
            i = lane.id
            fl = f'"file":{_qfile(lane.cfile)},"line":{line}'
            core.enq(
                f'{{"type":"switch","ts":{t},"from":"{i}","to":"{ll.id}","reason":"{reason}","value":{v},{fl}}}\n'
                f'{{"type":"end","ts":{t},"task":"{i}","outcome":"{outcome}","value":{v},{fl}{by}}}\n'
            )
        return
    file, line, depth, fname, lib = aio_tasks.site(lane)
    if t - lane.since > state.BLOCKING_NS:
        _blocked(lane, t, file, line)
    lane.rdepth, lane.rframe = depth, fname
    fut = task._fut_waiter
    if fut is None:
        if not depth and lane.cframe is not None:
            # where the next step starts (the resume line of a held-back start)
            lane.el = lane.cframe.f_lasti
            lane.et = line
            lane.etail = ',"task":"%s","line":%d}\n' % (lane.id, line)
        if state.W is None:
            return
        if PEND:
            unpend()
        if len(OUT) < SOFT_QUEUE or room():
            p = lane.fmt or _prefixes(lane)
            _put(
                '{"type":"switch","ts":%d%ssleep","value":"0"%s%d%s}\n'
                % (t, p[2], p[3] if file is lane.cfile else ',"file":%s,"line":' % _qfile(file), line, _dpart(depth, fname))
            )
        else:
            DROPPED[0] += 1
        return
    reason, on, detail, value, fut, cause, obj = aio_waits.classify(lane, fut, lib)
    core.switch(lane, ll, reason, value, file, line, None, None, depth, fname, ts=t)
    if on is not None:
        core.block(lane, on, detail, file, line)
    lane.wait = (on, detail, fut, cause, obj)


def _blocked(lane, t, file, line):
    dur = t - lane.since
    if dur > state.BLOCKING_NS:
        ms = dur // 1_000_000
        # (at the step's end time t: the step's own end lines, written next, carry it)
        core.mark("loop-blocked", "%s held the event loop for %d ms" % (lane.name, ms), lane, ms, None, file, line, t)


# asyncio.sleep(0) awaits tasks.__sleep0(), a bare yield. Ours (below) also notes
# the frame that called sleep(0), so the end of a step tells a sleep(0) right in
# the task's own coroutine (the commonest step, written compactly) by comparing
# that frame with the task's, where the Task and its await chain would take three
# attribute reads through C getters. tasks.sleep looks __sleep0 up at each call.
NOFRAME = object()
SLEPT = [NOFRAME]


class _NoHandle:
    _args = ()


NO_HANDLE = _NoHandle()  # the "handle" of an eager first step (it has none)


def __sleep0():
    try:
        SLEPT[0] = _getframe(2)  # (0: this generator, 1: sleep(), 2: what awaited sleep(0))
    except ValueError:
        pass
    yield


def hook_sleep0(tasks, types):
    """Put our __sleep0 in asyncio.tasks, looking like the original in a traceback
    (a task cancelled in sleep(0) shows the same frames as without Coroscope): the
    file and name are the original's, the yield on the original's yield line, at
    the same column. (Without it every step ends on the general path: slower, the
    same trace.)"""
    name = "_" + "_sleep0"
    orig = getattr(tasks, name, None)
    oc = getattr(orig, "__code__", None)
    if oc is None or name not in tasks.sleep.__code__.co_names:
        return
    ours = __sleep0.__code__

    def last_line(code):
        if hasattr(code, "co_lines"):
            return max(ln for _, _, ln in code.co_lines() if ln is not None)
        from .gens import dis  # (the standard library's, whatever the script's folder holds)

        return max(ln for _, ln in dis.findlinestarts(code))

    first = ours.co_firstlineno + last_line(oc) - last_line(ours)
    if first < 1:
        return
    changes = {"co_filename": oc.co_filename, "co_name": oc.co_name, "co_firstlineno": first}
    if hasattr(oc, "co_qualname"):
        changes["co_qualname"] = oc.co_qualname
    f = types.FunctionType(ours.replace(**changes), globals(), orig.__name__)
    f = types.coroutine(like(f, orig))
    from . import audit

    audit.own(f.__code__)  # (its sys._getframe is the runtime's; types.coroutine made the code anew)
    setattr(tasks, name, f)


def hook_run(events, Task):
    """Wrap Handle._run: the steps of our Task class."""
    import types

    H = events.Handle
    orig_run = H._run
    CBK = {}  # id(type of a Handle's callback) -> it is a method-like C or Python type

    def _cb_kind(tc):
        k = (
            tc is types.MethodType
            or tc is types.BuiltinMethodType
            or (type_name(tc, False) == "TaskStepMethWrapper" and type.__dict__["__module__"].__get__(tc) in ("_asyncio", "builtins"))
        )
        CBK[id(tc)] = k
        _cb_types.append(tc)  # (keeps the id its own)
        return k

    # (the names the common step reads are default arguments, the fastest to
    # read; each one costs a little on every call, so the rare ones are globals.
    # A blank line below: help(Handle._run) would show a comment right above the def)

    @delegating
    def _run(
        self, _now=now, _put=_put, OUT=OUT, MAXQ=SOFT_QUEUE, len=len, type=type, BLOCK=state.BLOCKING_NS, STEP=STEP, PEND=PEND, SLEPT=SLEPT, NOFRAME=NOFRAME
    ):
        cb = self._callback
        # a step of one of our Tasks? (no exception when not: most callbacks are
        # plain functions or other objects' methods)
        # (only the step wrapper and methods are asked for their __self__: a
        # callable object of the program's might run code for it)
        k = CBK.get(id(type(cb)))
        if k is None:
            k = _cb_kind(type(cb))
        if not k:
            return orig_run(self)
        t = cb.__self__
        if type(t) is not Task and not issubclass(type(t), Task):
            return orig_run(self)
        ln = t._cs_lane
        if ln is None or ln.cframe is None:
            return orig_run(self)
        args = self._args
        try:
            ts = _now()
            if not args and ln.wait is None and not ln.rdepth:
                # the common start (resumed with nothing, where the last step ended:
                # el/et): held back (writer.PEND)
                ln.since = ts
                if PEND:
                    unpend()
                ln.held = True
                PEND.append(ln)
            else:
                step_start(ln, self, ts)
        except Exception as e:
            core.internal_error("asyncio step", e)
        try:
            if args:
                self._context.run(cb, *args)
            else:
                self._context.run(cb)
        except (SystemExit, KeyboardInterrupt) as e:
            SLEPT[0] = NOFRAME
            try:
                step_end(ln, t)
            except Exception:
                pass
            # (no runtime file in its traceback: this frame stands where plain Python has Handle._run's, which
            # cannot be named here; the entry goes)
            core.drop_own_frame(e)
            raise
        except BaseException as exc:
            _report(self, exc)
        try:
            # the common end of a step: suspended in asyncio.sleep(0) called right
            # in the task's coroutine (so it is not done), waiting for no future
            # (a sleep(0) the coroutine drove itself, then an await of a future)
            if SLEPT[0] is ln.cframe and t._fut_waiter is None:
                SLEPT[0] = NOFRAME
                ts = _now()
                since = ln.since
                d = ts - since
                if d <= BLOCK:
                    # (not while program threads run: a start is then taken off PEND
                    # only by unpend, under writer.HAND; the step is a resume and a suspend)
                    p = PEND.pop() if PEND and not THREADED[0] else None
                    la = ln.cframe.f_lasti
                    if la == ln.el:
                        # suspended where it resumed (a loop around one await)
                        if p is ln:
                            if len(OUT) < MAXQ or room():
                                if THREADED[0]:
                                    halves(ln, since, ts, ln.et)
                                else:
                                    _put(f'{STEP}{since},"dur":{d}{ln.etail}')
                            else:
                                DROPPED[0] += 1
                            return
                    else:
                        r = ln.et
                        ln.el = la
                        ln.et = e = ln.cframe.f_lineno
                        ln.etail = ',"task":"%s","line":%d}\n' % (ln.id, e)
                        if p is ln:
                            if len(OUT) < MAXQ or room():
                                if THREADED[0]:
                                    halves(ln, since, ts, r)
                                elif r == e:
                                    _put(f'{STEP}{since},"dur":{d}{ln.etail}')
                                else:
                                    _put(f'{STEP}{since},"dur":{d},"task":"{ln.id}","line":{e},"toLine":{r}}}\n')
                            else:
                                DROPPED[0] += 1
                            return
                    # its start was written already (other lines came in between,
                    # or it started from a wait or inside a delegated coroutine)
                    if ln.rdepth:
                        ln.rdepth = 0
                        ln.rframe = None
                    if p is not None:
                        PEND.append(p)
                    if PEND:
                        unpend()
                    if ln.held:
                        # another thread took it and is writing it: let it finish
                        # (bounded: whatever happened there, never hang the program)
                        for _ in range(1000):
                            time.sleep(0)
                            if not ln.held:
                                break
                    if len(OUT) < MAXQ or room():
                        _put(f"{SUSPEND}{ts}{ln.etail}")
                    else:
                        DROPPED[0] += 1
                    return
            SLEPT[0] = NOFRAME
            step_end(ln, t)
        except Exception as e:
            core.internal_error("asyncio step", e)

    def _report(self, exc):
        # what Handle._run does with an exception escaping a callback
        from asyncio import format_helpers

        cb = format_helpers._format_callback_source(self._callback, self._args)
        context = {"message": "Exception in callback %s" % cb, "exception": exc, "handle": self}
        if self._source_traceback:
            context["source_traceback"] = self._source_traceback
        self._loop.call_exception_handler(context)

    H._run = runs_program(like(_run, orig_run))  # (a task's step: the program's)
