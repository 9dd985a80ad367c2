"""Post-import hooks: run a hook right after a module is first imported, so
libraries (asyncio, greenlet, gevent, ...) are patched only if the program uses
them. Also provides the ``stackless`` compatibility module when there is no
real one.
"""

import importlib.util
import sys

from . import core

_hooks = {}  # module name -> [callables]
_done = set()


class _Loader:
    def __init__(self, real, name):
        self.real = real
        self.name = name

    def create_module(self, spec):
        return self.real.create_module(spec) if hasattr(self.real, "create_module") else None

    def exec_module(self, module):
        self.real.exec_module(module)
        _run(self.name, module)

    def __getattr__(self, name):
        return getattr(self.real, name)


class _Finder:
    def __init__(self):
        self.busy = set()

    def find_spec(self, name, path=None, target=None):
        if name not in _hooks or name in _done or name in self.busy:
            if name == "stackless" and name not in self.busy:
                return self._stackless(name, path, target)
            return None
        self.busy.add(name)
        try:
            spec = importlib.util.find_spec(name) if "." not in name else _find_sub(name, path, target, self)
        except Exception:
            spec = None
        finally:
            self.busy.discard(name)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec if spec is not None else None
        spec.loader = _Loader(spec.loader, name)
        return spec

    def _stackless(self, name, path, target):
        self.busy.add(name)
        try:
            if _find_sub(name, path, target, self, True) is not None:
                return None  # a real stackless exists: use it
        finally:
            self.busy.discard(name)
        try:
            import greenlet  # noqa: F401
        except ImportError:
            return None
        return importlib.util.spec_from_file_location("stackless", core.HERE + "/stackless.py")


def _find_sub(name, path, target, finder, quiet=False):
    """The spec the other finders on sys.meta_path give (quiet: a
    finder that raises is passed over)."""
    for f in sys.meta_path:
        if f is finder:
            continue
        fs = getattr(f, "find_spec", None)
        if fs is None:
            continue
        try:
            s = fs(name, path, target)
        except Exception:
            if not quiet:
                raise
            continue
        if s is not None:
            return s
    return None


def _run(name, module):
    if name in _done:
        return
    _done.add(name)
    for h in _hooks.get(name, ()):
        try:
            h(module)
        except Exception as e:
            core.internal_error("hook " + name, e)


def when_imported(name, hook):
    m = sys.modules.get(name)
    if m is not None:
        try:
            hook(m)
        except Exception as e:
            core.internal_error("hook " + name, e)
        return
    _hooks.setdefault(name, []).append(hook)


_finder = None


def install():
    global _finder
    if _finder is None:
        _finder = _Finder()
        sys.meta_path.insert(0, _finder)
