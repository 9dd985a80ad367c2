"""The recursion limit the program sees (imports only sys and the leaf wrappers.py)."""

import sys

from .wrappers import like

# The bootstrap's frame (and on 3.11 the C-level entry of exec) sits below the
# program: the recursion limit is raised by that much, and
# sys.getrecursionlimit/setrecursionlimit show and take the program's own
# value, so the program reaches the depth plain Python gives it.
_PAD = [0]


def pad_recursion(n):
    """Give the program n more frames of real recursion limit (hidden)."""
    try:
        real_get = getattr(sys.getrecursionlimit, "__wrapped__", sys.getrecursionlimit)
        real_set = getattr(sys.setrecursionlimit, "__wrapped__", sys.setrecursionlimit)
        if not _PAD[0]:

            def getrecursionlimit():
                return real_get() - _PAD[0]

            def setrecursionlimit(limit):
                if type(limit) is int and limit >= 1:
                    return real_set(limit + _PAD[0])
                return real_set(limit)  # (the same error as plain Python)

            sys.getrecursionlimit = like(getrecursionlimit, real_get)
            sys.setrecursionlimit = like(setrecursionlimit, real_set)
        limit = real_get() - _PAD[0]
        _PAD[0] += n
        real_set(limit + _PAD[0])
    except Exception:
        pass
