"""asyncio: installs the hooks when the program imports asyncio. A lane per
Task, the event loop as a lane, each step as a pair of switches, block/wake on
what it waits for, a loop-blocked mark for long steps, asyncio queues as
send/recv.

Tasks are seen by installing a thin subclass of the C Task as asyncio.Task (the
C step machinery is kept; here). Steps are seen with no frame hook at all:
every step is a ``Handle._run`` of the task's step/wakeup callback, which is
wrapped (aio_steps.py); what the task waits for is read afterwards from
``task._fut_waiter`` and the coroutine's await chain (``cr_await``), which also
gives the innermost user frame (aio_tasks.py: lanes and where a task is
suspended; aio_waits.py: what it waits on and why it wakes). Coroutine frames
driven by Tasks are therefore skipped by the frame capture (gens.py). The
primitives' waking calls: aio_primitives.py; queues: aio_queues.py.
"""

import sys
from sys import _getframe

from . import aio_primitives, aio_queues, aio_sources, aio_steps, aio_tasks, aio_waits, core, gens
from .aio_sources import plain_source
from .aio_steps import step_start, step_end, SLEPT, NOFRAME, NO_HANDLE
from .core import now, frames
from .typenames import CNamed, c_name
from .wrappers import SignatureOf, delegating, like, runs_program

# Before 3.12, asyncio.create_task(coro, name=...) and TaskGroup.create_task make
# the Task without its name and set it right after: it is read from their frame
# (aio_tasks.later_name), so the task is declared with it (a later set_name is a
# rename event).
_NAME_LATER = sys.version_info < (3, 12)


def install(asyncio):
    import types

    gens.ASYNCIO[0] = True
    import asyncio.events as events
    import asyncio.tasks as tasks
    import asyncio.base_events as be
    import asyncio.queues as queues

    T0 = tasks.Task
    aio_tasks.bind(types, events)
    aio_waits.bind(T0)

    class Task(T0, metaclass=CNamed):
        __slots__ = ("_cs_lane",)  # its lane, read by every step (the task is hot in memory, a dict is not)
        __signature__ = SignatureOf(T0)  # (inspect.signature(asyncio.Task): the C Task's)

        def __init__(self, coro, *args, **kwargs):
            self._cs_lane = None
            try:
                name = kwargs.get("name")
                if name is None and _NAME_LATER:
                    name = aio_tasks.later_name()
                ln = aio_tasks.on_create(coro, name, kwargs.get("loop"))
            except Exception as e:
                ln = None
                core.internal_error("asyncio task", e)
            rl = aio_tasks.running_loop() if ln is not None and kwargs.get("eager_start") else None
            if rl is not None and kwargs.get("loop", rl) is rl:
                # 3.12+ eager start: the first step runs right here, inside
                # __init__, not through Handle._run
                aio_tasks.add(self, ln)
                self._cs_lane = ln
                try:
                    step_start(ln, NO_HANDLE, now())
                except Exception as e:
                    core.internal_error("asyncio eager step", e)
                T0.__init__(self, coro, *args, **kwargs)
                if self._source_traceback:
                    plain_source(self._source_traceback)
                try:
                    SLEPT[0] = NOFRAME
                    step_end(ln, self)
                except Exception as e:
                    core.internal_error("asyncio eager step", e)
                return
            T0.__init__(self, coro, *args, **kwargs)
            if self._source_traceback:
                plain_source(self._source_traceback)
            if ln is not None:
                aio_tasks.add(self, ln)
                self._cs_lane = ln

        def cancel(self, *args, **kwargs):
            ln = self._cs_lane
            if ln is not None:
                try:
                    if not T0.done(self):
                        ln.wby = aio_primitives.cancel_cause(self, _getframe(1))
                except Exception as e:
                    core.internal_error("asyncio cancel", e)
            return T0.cancel(self, *args, **kwargs)

        def set_name(self, value):
            T0.set_name(self, value)
            try:
                ln = self._cs_lane
                if ln is not None:
                    core.rename(ln, T0.get_name(self))
            except Exception as e:
                core.internal_error("asyncio set_name", e)

    runs_program(Task.__init__)  # (an eager task's first step: the program's)
    for name in ("__init__", "cancel", "set_name"):
        # (their signatures, help and docs: the C Task's)
        like(Task.__dict__[name], getattr(T0, name))
    Task.__module__ = T0.__module__
    Task.__qualname__ = T0.__qualname__
    Task.__name__ = T0.__name__
    c_name(Task, T0)  # (error messages: '_asyncio.Task' object …)
    tasks.Task = Task
    asyncio.Task = Task
    if hasattr(tasks, "create_eager_task_factory"):
        # (3.12+: the module's eager_task_factory was made with the C Task, before
        # this class existed; a factory the program makes from now on gets ours)
        tasks.eager_task_factory = tasks.create_eager_task_factory(Task)
        if getattr(asyncio, "eager_task_factory", None) is not None:
            asyncio.eager_task_factory = tasks.eager_task_factory

    try:
        aio_waits.hook_completions(tasks, Task)
    except Exception as e:
        core.internal_error("asyncio completions", e)
    aio_steps.hook_sleep0(tasks, types)
    aio_sources.install(events, be, Task)
    aio_steps.hook_run(events, Task)

    orig_rf = be.BaseEventLoop.run_forever

    @delegating
    def run_forever(self, *a, **k):
        me = sys._getframe(0)
        try:
            ll = aio_tasks.loop_lane(self)
            frm = core.current_lane()
            frames[id(me)] = [ll, 0, me, core.OWN]
            core.switch(frm, ll, "run")
        except Exception:
            ll = None
        try:
            return orig_rf(self, *a, **k)
        except BaseException as e:
            core.drop_own_frame(e)  # (a KeyboardInterrupt out of a step: the loop's traceback as plainly)
            raise
        finally:
            if ll is not None:
                try:
                    frames.pop(id(me), None)
                    core.switch(ll, frm, "return")
                except Exception:
                    pass
            # (this frame in its own local is a cycle: the loop, its `self`, lived on until a collection)
            me = None

    be.BaseEventLoop.run_forever = like(run_forever, orig_rf)

    try:
        import asyncio.locks as locks

        try:
            import asyncio.timeouts as timeouts
        except ImportError:
            timeouts = None
        aio_primitives.hook(locks, timeouts)
    except Exception as e:
        core.internal_error("asyncio primitives", e)
    aio_queues.hook(queues)
