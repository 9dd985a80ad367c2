"""The runtime's weak dictionaries (a program object -> what the runtime notes
about it): weakref.WeakKeyDictionary with its key-removal callback defined
here. Python calls that callback when a key dies, wherever the program is; the
standard library's is a weakref.py frame, which the program's own trace or
profile function would see as a call plain Python never makes (tracer_view.py
leaves out the runtime's frames: this one is)."""

import weakref


class WeakKeyDictionary(weakref.WeakKeyDictionary):
    def __init__(self):
        super().__init__()
        self._remove = _remover(self)


def _remover(d):
    # (as the standard library's own: a removal during iteration waits on 3.13 and before)
    selfref = weakref.ref(d)

    def remove(k):
        self = selfref()
        if self is not None:
            if getattr(self, "_iterating", None):
                self._pending_removals.append(k)
            else:
                self.data.pop(k, None)

    return remove
