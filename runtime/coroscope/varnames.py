"""Names of queues, channels, locks and events as the program calls them: the
variable the creating line assigns the new object to, when that line is a simple
assignment (``q = asyncio.Queue()`` -> ``q``, ``self.lock = Lock()`` ->
``self.lock``); else the type and a number, as before.

The line's source is read once per site (linecache: the file, or the module's
loader for source it has), never by running the program's code."""
import re

from . import core

# target [: annotation] = [await] callee(   -- one target, a call right after "="
_ASSIGN = re.compile(r"\s*([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\s*(?::[^=]*)?=(?!=)\s*(?:await\s+)?[A-Za-z_][\w.]*\s*\(")

_sites = {}          # (file, line) -> name or None
_used = {}           # name -> how many objects got it (the second "q" is "q#2")
_counts = {}         # type label -> number given so far


def _line_name(file, line):
    key = (file, line)
    r = _sites.get(key, 0)
    if r != 0:
        return r
    r = None
    try:
        import linecache
        src = linecache.getline(file, line)
        m = _ASSIGN.match(src)
        if m is not None:
            r = m.group(1)
    except Exception:
        r = None
    if len(_sites) > 10000:
        _sites.clear()
    _sites[key] = r
    return r


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
    return "%s#%s%d" % (label, core.PREFIX.replace(":", "."), n)


def name_for(label, frame):
    """``assigned(frame)``, else ``numbered(label)``."""
    return (assigned(frame) if frame is not None else None) or numbered(label)
