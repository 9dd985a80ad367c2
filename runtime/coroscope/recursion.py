"""The recursion limit the program sees (a leaf module: imports only sys)."""

import sys

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

            for f, r in ((getrecursionlimit, real_get), (setrecursionlimit, real_set)):
                f.__doc__ = r.__doc__
                f.__wrapped__ = r
            sys.getrecursionlimit = getrecursionlimit
            sys.setrecursionlimit = setrecursionlimit
        limit = real_get() - _PAD[0]
        _PAD[0] += n
        real_set(limit + _PAD[0])
    except Exception:
        pass
