"""Where a generator was made (``g = gen()``), on Python 3.12+.

The call of a generator function runs none of its code, so the frame hooks
first see a generator at its first resume. call_events.py's CALL event sees the call
itself: a call site whose callable is one of the program's generator or async
generator functions keeps its event (other sites are DISABLEd), and notes the
creating lane and line, per code object. At the generator's first run gens.py
takes that note (``take``): when every pending creation of that code is at the
same place, the task's ``file``/``line`` are that call and its ``parent`` the
lane that made it; otherwise (made at several places, not yet started: which
is which is unknown) the site stays the first run, as on 3.11. Notes made by the
thread that runs the generator are looked at first: threads making generators of
one function at once (each driving its own) would otherwise take each other's,
and each generator would claim the other thread as its creator. A generator
driven by ``yield from`` / ``for`` right where it is made is the common case
and is exact. Coroutine functions are not watched (an asyncio program awaits
a coroutine per call: that would be a callback per call)."""

from _thread import get_ident

from . import core

GEN_FLAGS = 0x20 | 0x200  # CO_GENERATOR | CO_ASYNC_GENERATOR
ON = [False]
_pending = {}  # id(code) -> [(lane, file, line, thread ident)] of creations not yet run


def made(frame, code):
    """A call of a generator function of the program, from frame."""
    lst = _pending.get(id(code))
    if lst is None:
        if len(_pending) > 4096:
            _pending.clear()
        lst = _pending[id(code)] = []
    elif len(lst) >= 64:
        del lst[:32]
    lst.append((core.lane_at(frame), frame.f_code.co_filename, frame.f_lineno, get_ident()))


def take(code):
    """(creator lane, file, line) of a generator of code at its first run, when
    known for sure; the oldest pending note (of this thread, if it made one) is
    used up either way."""
    if not ON[0]:
        return None
    lst = _pending.get(id(code))
    if not lst:
        return None
    me = get_ident()
    mine = [e for e in lst if e[3] == me]
    notes = mine or lst  # (none of this thread's: made in another thread and handed over)
    first = notes[0]
    same = True
    for e in notes:
        if e[0] is not first[0] or e[1] != first[1] or e[2] != first[2]:
            same = False
            break
    try:
        lst.remove(first)
    except ValueError:
        pass  # (taken meanwhile by another thread)
    return first[:3] if same else None


def drop(code):
    """A generator of code started as a delegate (``yield from``): not a lane,
    its note (this thread's oldest, if it made one) is used up."""
    lst = _pending.get(id(code))
    if lst:
        me = get_ident()
        try:
            lst.remove(next((e for e in lst if e[3] == me), lst[0]))
        except (ValueError, IndexError):
            pass  # (taken meanwhile by another thread)
