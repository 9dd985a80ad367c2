"""Names of queues, channels, locks and events as the program calls them: the
variable the creating line assigns the new object to, when that line is a simple
assignment (``q = asyncio.Queue()`` -> ``q``, ``self.lock = Lock()`` ->
``self.lock``); else the type and a number, as before.

The line's source is read once per site (the file, read once), never by running
the program's code."""

import sys

from . import core, state
from .wrappers import like

# target [: annotation] = [await] callee(   -- one target, a call right after "="
# (compiled on first use: importing re at start-up costs every program)
_PATTERN = r"\s*([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\s*(?::[^=]*)?=(?!=)\s*(?:await\s+)?[A-Za-z_][\w.]*\s*\("
_ASSIGN = []

_sites = {}  # (file, line) -> name or None
_used = {}  # name -> how many objects got it (the second "q" is "q#2")
_counts = {}  # type label -> number given so far


def _line_name(file, line):
    key = (file, line)
    r = _sites.get(key, 0)
    if r != 0:
        return r
    r = None
    try:
        src = _getline(file, line)
        if not _ASSIGN:
            import re

            _ASSIGN.append(re.compile(_PATTERN))
        m = _ASSIGN[0].match(src) if "=" in src else None
        if m is not None:
            r = m.group(1)
    except Exception:
        r = None
    if len(_sites) > 10000:
        _sites.clear()
    _sites[key] = r
    return r


_files = {}  # file -> its lines (the program's own files, read once)


def _getline(file, line):
    """The line's text (linecache would import tokenize, a cost at start-up for
    every program that makes a queue; the program's sources are UTF-8 nearly
    always, and a line that does not decode just gets no name)."""
    lines = _files.get(file)
    if lines is None:
        lines = ()
        try:
            with open(file, "rb") as f:
                data = f.read(4 << 20)
            lines = data.decode("utf-8", "replace").splitlines()
        except Exception:
            pass
        if len(_files) > 256:
            _files.clear()
        _files[file] = lines
    return lines[line - 1] if 0 < line <= len(lines) else ""


def line_text(file, line):
    """The text of a line of the program's own file ("" when unknown), read as names are (mp_pipes: a pipe's two ends)."""
    try:
        return _getline(file, line)
    except Exception:
        return ""


def assigned(frame):
    """The name of the variable that the line running in ``frame`` (a user
    frame: else None) assigns a new object to; a second object given the same
    name is "name#2"."""
    try:
        code = frame.f_code
        if not core.is_user_code(code):
            return None
        file = code.co_filename
        if file.startswith("<"):
            return None
        name = _line_name(file, frame.f_lineno)
    except Exception:
        return None
    if name is None:
        return None
    n = _used.get(name, 0) + 1
    _used[name] = n
    return name if n == 1 else "%s#%d" % (name, n)


def numbered(label):
    """The name of an object no simple assignment names: its type and a number."""
    n = _counts.get(label, 0) + 1
    _counts[label] = n
    return "%s#%s%d" % (label, state.PREFIX.replace(":", "."), n)


def name_for(label, frame):
    """``assigned(frame)``, else ``numbered(label)``."""
    return (assigned(frame) if frame is not None else None) or numbered(label)


def name_on_init(cls, names):
    """Wrap ``cls.__init__`` so each new object is named, in ``names`` (a weak
    dict), after the variable its creating line assigns it to."""
    orig = cls.__init__

    def __init__(self, *a, **k):
        orig(self, *a, **k)
        try:
            nm = assigned(sys._getframe(1))
            if nm is not None:
                names[self] = nm
        except Exception:
            pass

    cls.__init__ = like(__init__, orig)
