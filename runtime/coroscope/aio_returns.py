"""What an awaited plain coroutine returns inside its task (``a = await fetch()``,
``fetch`` a coroutine of the program's, not a task). A task's delegates are run by
the Task's C step, which no hook sees return: once one has suspended (a step ended
with it in the task's await chain, ``aio_tasks.site``), its code's returns are
watched (3.12+: a local PY_RETURN event of that code; 3.11, when the program has
the frame hook anyway: a local tracer on its frames, gens.watch_return), and each return of a frame of it that was awaited by
another coroutine of an asyncio task is a ``return`` switch within the task's lane,
as a generator's delegate return is (docs/protocol.md: ``delegate``): readers say
``fetch returned 60 to main`` and the ``await`` line's lens ``got back 60``. A
delegate that never suspended is not seen (its code was never in a chain)."""

from . import core
from .core import ASYNC, frames, safe_repr
from .gen_callsites import OPNAME, RETURN_OPS, co_bytes
from .gen_lanes import CO_COROUTINE

_CORO_LIKE = CO_COROUTINE | 0x100 | 0x20  # a coroutine, a types.coroutine generator, a generator (`yield from`)


def watch(c, code):
    """``c``, a coroutine of the program's with code ``code``, is suspended as a task's delegate: watch its code's
    returns from now on (3.11: and that frame's own, which may have started before its code was watched)."""
    fr = c.cr_frame if hasattr(c, "cr_frame") else getattr(c, "gi_frame", None)
    if id(code) in ARMED and (fr is None or fr.f_trace is not None):
        return
    from . import gen_lanes, gens

    ARMED.add(id(code))
    if gen_lanes.capture != "monitoring":
        if not gens.HOOKED[0]:
            # 3.11 sees a return only through the frame hook (sys.settrace), which would then trace every call of
            # the program (an asyncio mix awaiting a helper: ~1.35x the CPU): only a program that has the hook
            # anyway (it has generators) gets its delegates' returns
            return
        # (each frame that started before its code was watched needs its own tracer: site() asks again)
        PER_FRAME[0] = True
    gens.watch_return(code, _returned, _raised, fr)


ARMED = set()  # id(code) of the delegates whose returns are watched (aio_tasks.site asks before calling watch)
PER_FRAME = [False]  # settrace: site() calls watch for every delegate it sees suspended (its frame's tracer)


def _returned(frame, value):
    try:
        code = frame.f_code
        if PER_FRAME[0]:
            # settrace: a coroutine that suspends (awaits a future) also "returns" to the Task; only a return
            # instruction ends it
            try:
                if OPNAME[co_bytes(code)[frame.f_lasti]] not in RETURN_OPS:
                    return
            except IndexError:
                return
        caller = frame.f_back
        if caller is None or not caller.f_code.co_flags & _CORO_LIKE:
            return  # (run by a Task as its own coroutine, or driven by hand: not a delegate of a task)
        # the task: the coroutine frame at the top of the await chain (its lane's frame, ASYNC)
        depth = 0
        f = caller
        while f is not None:
            info = frames.get(id(f))
            if info is not None and info[2] is f:
                if info[3] != ASYNC:
                    return
                break
            if not f.f_code.co_flags & _CORO_LIKE:
                return
            depth += 1
            f = f.f_back
        if f is None:
            return
        lane = info[0]
        cc = caller.f_code
        core.switch(
            lane,
            lane,
            "return",
            safe_repr(value),
            code.co_filename,
            frame.f_lineno,
            cc.co_filename,
            caller.f_lineno,
            depth,
            getattr(cc, "co_qualname", cc.co_name) if depth else None,
            delegate=getattr(code, "co_qualname", code.co_name),
        )
    except RecursionError:
        pass  # at the program's recursion limit: reporting it would overflow again
    except Exception as e:
        core.internal_error("asyncio delegate return", e)


def _raised(frame, exc):
    pass  # (an exception a delegate raises goes on up the chain: the task's own step or end tells it)
