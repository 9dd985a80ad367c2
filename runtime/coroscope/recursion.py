"""The recursion limit the program sees (imports only sys and the leaf wrappers.py)."""

import sys

from .wrappers import like

# The bootstrap's frame (and on 3.11 the C-level entry of exec) sits below the
# program: the recursion limit is raised by that much, and
# sys.getrecursionlimit/setrecursionlimit show and take the program's own
# value, so the program reaches the depth plain Python gives it.
_PAD = [0]


def _unframe(e, me):
    tb = e.__traceback__
    if tb is not None and tb.tb_frame is me:
        e.__traceback__ = tb.tb_next


def _too_low(msg, limit):
    """A limit too low for the current depth: Python's message with the
    program's numbers (its limit; its depth, without the runtime's frames below
    it and this wrapper's), else None."""
    at = msg.find("depth ")
    if at < 0:
        return None
    i = j = at + 6
    while j < len(msg) and msg[j].isdigit():
        j += 1
    if j == i:
        return None
    depth = int(msg[i:j]) - _PAD[0] - 1
    return msg[:i].replace(str(limit + _PAD[0]), str(limit), 1) + str(depth) + msg[j:]


def pad_recursion(n):
    """Give the program n more frames of real recursion limit (hidden)."""
    try:
        real_get = getattr(sys.getrecursionlimit, "__wrapped__", sys.getrecursionlimit)
        real_set = getattr(sys.setrecursionlimit, "__wrapped__", sys.setrecursionlimit)
        if not _PAD[0]:
            # (any other call is the original's, for its own error, with no entry for this frame in the traceback:
            # a limit given by keyword, none, a string, 0)
            def getrecursionlimit(*args, **kwargs):
                if not args and not kwargs:
                    return real_get() - _PAD[0]
                try:
                    return real_get(*args, **kwargs)
                except BaseException as e:
                    _unframe(e, sys._getframe())
                    raise

            def setrecursionlimit(*args, **kwargs):
                if len(args) == 1 and not kwargs and type(args[0]) is int and args[0] >= 1:
                    low = None
                    try:
                        return real_set(args[0] + _PAD[0])
                    except RecursionError as e:
                        low = _too_low(str(e), args[0])
                    if low is not None:
                        try:
                            raise RecursionError(low)
                        except RecursionError as e:
                            _unframe(e, sys._getframe())
                            raise
                try:
                    return real_set(*args, **kwargs)
                except BaseException as e:
                    _unframe(e, sys._getframe())
                    raise

            sys.getrecursionlimit = like(getrecursionlimit, real_get)
            sys.setrecursionlimit = like(setrecursionlimit, real_set)
        limit = real_get() - _PAD[0]
        _PAD[0] += n
        real_set(limit + _PAD[0])
    except Exception:
        pass
