"""concurrent.futures: each call's story across lanes.

* ``submit(fn, *args)``: ``send`` on the executor's channel
  (``ThreadPoolExecutor#1`` / ``ProcessPoolExecutor#1``), value ``fn(args)``,
  from the submitting lane;
* the worker (thread lane, or process lane: the msg id travels with the pickled
  call item, see mp_queues.py's envelope) ``recv``s it with the same msg when it starts the
  call, and ``send``s the result (value repr or exception) back when done;
* the submitting lane ``recv``s that result (same msg) when its future gets it;
* ``as_completed`` / ``wait`` / ``Future.result()`` / ``Future.exception()``
  that have to wait are ``block``/``wake`` on ``future``.
"""

from _thread import get_ident

from . import core, imports, mp_queues, state, wait_causes, weakmap
from .calls import call_label
from .core import safe_repr
from .wrappers import like

route = weakmap.WeakKeyDictionary()  # future -> [chan, msg, lane, label, kind]
_labels = weakmap.WeakKeyDictionary()  # future -> label (block details)
_submitting = {}  # thread ident -> route entry of the submit under way
_names = weakmap.WeakKeyDictionary()
_count = [0]


def _name(executor, label):
    nm = _names.get(executor)
    if nm is None:
        _count[0] += 1
        nm = _names[executor] = "%s#%s%d" % (label, state.PREFIX.replace(":", "."), _count[0])
    return nm


def _wrap_submit(cls, label, kind):
    o_submit = cls.submit

    def submit(self, fn, /, *args, **kwargs):
        if state.W is None:
            return o_submit(self, fn, *args, **kwargs)
        ident = get_ident()
        entry = None
        try:
            chan = _name(self, label)
            if kind == "process":
                # the worker processes must know these queues as the executor's
                for q in (getattr(self, "_call_queue", None), getattr(self, "_result_queue", None)):
                    if q is not None:
                        mp_queues.entry(q)[1] = chan
            entry = [chan, core.next_msg(), core.current_lane(), call_label(fn, args), kind]
            _submitting[ident] = entry
        except Exception as e:
            core.internal_error("futures submit", e)
        try:
            return o_submit(self, fn, *args, **kwargs)
        finally:
            _submitting.pop(ident, None)

    cls.submit = like(submit, o_submit)


def _wrap_workitem(W):
    """The executor's _WorkItem(future, fn, args, kwargs) is made inside submit,
    once it has checked the executor can take it: record the ``send`` there and
    tie the future to it before a worker can pick it up."""
    o_init = W.__init__

    def __init__(self, future, *a, **k):
        o_init(self, future, *a, **k)
        try:
            entry = _submitting.pop(get_ident(), None)
            if entry is not None:
                route[future] = entry
                _labels[future] = entry[3]
                f, l = core.caller_site(2)
                core.sendrecv("send", entry[2], entry[0], entry[3], entry[1], f, l)
                if entry[4] == "process":
                    state.flush()
        except Exception as e:
            core.internal_error("futures submit", e)

    W.__init__ = like(__init__, o_init)


def _patch_thread_pool(cft):
    _wrap_submit(cft.ThreadPoolExecutor, "ThreadPoolExecutor", "thread")
    _wrap_workitem(cft._WorkItem)
    o_run = cft._WorkItem.run

    def run(self, *a, **k):
        try:
            entry = route.get(self.future)
            if entry is not None and entry[4] == "thread" and not self.future.cancelled():
                entry.append(core.current_lane())  # the worker lane, for the result send
                core.sendrecv("recv", entry[5], entry[0], entry[3], entry[1])
        except Exception as e:
            core.internal_error("futures run", e)
        return o_run(self, *a, **k)

    cft._WorkItem.run = like(run, o_run)


def _result_done(fut, value):
    """A thread pool's future gets its result (in the worker thread)."""
    entry = route.pop(fut, None)
    if entry is None or entry[4] != "thread" or len(entry) < 6 or state.W is None:
        return
    m = core.next_msg()
    core.sendrecv("send", entry[5], entry[0], value, m)
    core.sendrecv("recv", entry[2], entry[0], value, m)


def _completing(fut, value):
    """fut gets its result or exception: note who completes it, and a thread
    pool's transfer of the value."""
    if state.W is not None:
        try:
            wait_causes.future_done(fut, _completer(fut))
        except Exception:
            pass
    if route:
        try:
            _result_done(fut, safe_repr(value))
        except Exception as e:
            core.internal_error("future result", e)


def _completer(fut):
    """Who is completing fut now (a wake's ``by``): a thread pool's worker lane,
    a process pool's worker process (from the result item's msg id, read by
    this thread just before), else the lane calling set_result."""
    entry = route.get(fut) if route else None
    if entry is not None:
        if entry[4] == "thread" and len(entry) > 5:
            return entry[5]
        if entry[4] == "process":
            last = mp_queues.last_unwrapped()
            return wait_causes.process_lane(last[0]) if last else None
    if get_ident() in core.plumbing:
        return None
    return core.current_lane()


def _patch_base(cfb):
    F = cfb.Future
    o_sr, o_se, o_res, o_exc = F.set_result, F.set_exception, F.result, F.exception

    def set_result(self, result):
        _completing(self, result)
        return o_sr(self, result)

    def set_exception(self, exception):
        _completing(self, exception)
        return o_se(self, exception)

    def _blocking(self, what):
        if state.W is None or self._state in ("FINISHED", "CANCELLED_AND_NOTIFIED"):
            return None
        try:
            lane = core.current_lane()
            lb = _labels.get(self)
            f, l = core.caller_site(3)
            core.block(lane, "future", "%s of %s" % (what, lb) if lb else what, f, l)
            return lane
        except Exception:
            return None

    def _wake(lane, what, fut=None, by=None):
        # done (by the worker that completed it), else the wait timed out
        if lane is not None:
            try:
                if fut is not None and by is None:
                    by = wait_causes.done_by(fut)
                done = fut is None or fut._state in ("FINISHED", "CANCELLED_AND_NOTIFIED")
                core.wake(lane, "future", what, "done" if done else "timer", by)
            except Exception:
                pass

    def result(self, timeout=None):
        lane = _blocking(self, "result()")
        try:
            return o_res(self, timeout)
        except BaseException as e:
            core.drop_own_frame(e)
            raise
        finally:
            _wake(lane, "result()", self)

    def exception(self, timeout=None):
        lane = _blocking(self, "exception()")
        try:
            return o_exc(self, timeout)
        except BaseException as e:
            core.drop_own_frame(e)
            raise
        finally:
            _wake(lane, "exception()", self)

    F.set_result, F.set_exception = like(set_result, o_sr), like(set_exception, o_se)
    F.result, F.exception = like(result, o_res), like(exception, o_exc)

    o_ac, o_wait = cfb.as_completed, cfb.wait

    def as_completed(fs, timeout=None):
        if state.W is None:
            yield from o_ac(fs, timeout)
            return
        fs = set(fs)
        it = o_ac(fs, timeout)
        left = set(fs)
        try:
            while True:
                lane = None
                try:
                    if left and not any(f._state in ("FINISHED", "CANCELLED_AND_NOTIFIED") for f in left):
                        lane = core.current_lane()
                        fl = core.caller_site(2)
                        core.block(lane, "future", "as_completed (%d pending)" % len(left), *fl)
                except Exception:
                    lane = None
                try:
                    f = next(it)
                except StopIteration:
                    _wake(lane, "as_completed")
                    return
                except BaseException as e:
                    if lane is not None:
                        try:
                            core.wake(lane, "future", "as_completed", "timer")  # (its timeout)
                        except Exception:
                            pass
                    core.drop_own_frame(e)
                    raise
                if lane is not None:
                    try:
                        lb = _labels.get(f)
                        core.wake(lane, "future", "as_completed: %s" % lb if lb else "as_completed", "done", wait_causes.done_by(f))
                    except Exception:
                        pass
                left.discard(f)
                yield f
        finally:
            it.close()

    def wait(fs, timeout=None, return_when=cfb.ALL_COMPLETED):
        lane = None
        if state.W is not None:
            try:
                fs = set(fs)
                done = [f._state in ("FINISHED", "CANCELLED_AND_NOTIFIED") for f in fs]
                if return_when == cfb.ALL_COMPLETED:
                    waits = not all(done)
                else:
                    waits = not any(done)
                if waits and fs:
                    lane = core.current_lane()
                    f, l = core.caller_site(2)
                    core.block(lane, "future", "wait(%d futures, %s)" % (len(fs), return_when), f, l)
            except Exception:
                lane = None
        r = None
        try:
            r = o_wait(fs, timeout, return_when)
            return r
        except BaseException as e:
            core.drop_own_frame(e)
            raise
        finally:
            if lane is not None:
                try:
                    if r is not None and r.done:
                        _wake(lane, "wait", None, wait_causes.last_done_by(r.done))
                    else:
                        core.wake(lane, "future", "wait", "timer")
                except Exception:
                    pass

    for mod in (cfb,):
        mod.as_completed, mod.wait = like(as_completed, o_ac), like(wait, o_wait)
    return as_completed, wait


def _patch_futures(cf):
    import concurrent.futures._base as cfb
    import concurrent.futures.thread as cft

    ac, wt = _patch_base(cfb)
    cf.as_completed, cf.wait = ac, wt
    _patch_thread_pool(cft)
    # concurrent.futures.process imports multiprocessing: patch it only once the
    # program uses it (a plain ``import asyncio`` imports concurrent.futures)

    def process(cfp):
        _wrap_submit(cfp.ProcessPoolExecutor, "ProcessPoolExecutor", "process")
        _wrap_workitem(cfp._WorkItem)

    imports.when_imported("concurrent.futures.process", process)


def label(fut):
    """The call a future of an executor stands for (``square(3)``), or None."""
    try:
        return _labels.get(fut)
    except TypeError:  # (not weakly referable: not a future)
        return None


def install():
    mp_queues.route_calls(route.get)
    imports.when_imported("concurrent.futures", _patch_futures)
