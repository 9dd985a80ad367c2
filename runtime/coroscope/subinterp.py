"""A subinterpreter's ``sys.argv`` and ``sys.path`` as plain Python gives them (issue 14; 3.14+).

A new interpreter (``concurrent.interpreters.create()``, and so each worker of
``InterpreterPoolExecutor``) takes ``sys.argv`` and ``sys.path`` from the
process's start-up configuration, i.e. the runtime's command line: its
``sys.argv`` was ``['…/coroscope/__main__.py', '--trace', T, 'prog.py']`` and its
``sys.path[0]`` the runtime's folder, so it could not import the program's
modules beside the script (and imported the runtime's by their bare names). The
runtime is not loaded there; once made, each interpreter is given what the main
one was given (cli._fix_path: the script's folder first, no runtime folder; the
program's argv), in a few statements run in its ``__main__``, which leave no
name behind. Still seen there: ``sys.orig_argv`` (as in the main interpreter).
"""

import os
import sys

from . import core
from .wrappers import like

PLAIN = []  # [slot, first, argv]: how cli.prepare set the main interpreter's sys.path and sys.argv

_INIT = """import sys as _cs_sys, os as _cs_os
_cs_sys.argv[:] = %r
_cs_rest = [p for p in (_cs_sys.path[1:] if %r else _cs_sys.path[:]) if not p or _cs_os.path.abspath(p) != %r]
_cs_sys.path[:] = ([%r] if %r else []) + _cs_rest
del _cs_sys, _cs_os, _cs_rest
"""


def _wrap_create(orig):
    def create(*args, **kwargs):
        interp = orig(*args, **kwargs)
        if PLAIN:
            try:
                slot, first, argv = PLAIN
                root = os.path.dirname(core.HERE)
                interp.exec(_INIT % (list(argv), slot, root, first, slot))
            except Exception as e:
                core.internal_error("subinterpreter start", e)
        return interp

    return like(create, orig)


def _hook(mod):
    orig = getattr(mod, "create", None)
    if orig is not None and callable(orig):
        mod.create = _wrap_create(orig)


def install():
    if sys.version_info >= (3, 14):
        from . import imports

        imports.when_imported("concurrent.interpreters", _hook)
