"""python RUNTIME/coroscope/__main__.py [--trace FILE] [--socket ADDR] [--blocking-ms N] [--locals] [--ignore-signals N,...] (SCRIPT | -m MODULE) [ARGS...]

The extension and the CLI start the runtime by this file's path, not with
``python -m coroscope``: ``-m`` puts the current folder first on sys.path
while the runtime starts, so a ``coroscope.py`` there would replace the runtime
and an ``opcode.py`` would break it. Run by path, sys.path[0] is this package's
own folder; it is taken off before anything else is imported, and the script's
folder takes its place only once the runtime has imported what it needs.
(``python -P -m coroscope``, 3.11+, is equally safe; plain ``-m`` works too
when the current folder shadows nothing.)

The program runs right here, at module level, so it sits one frame above
where ``python SCRIPT`` would put it (the recursion limit is reached one frame
earlier, no more), and its uncaught exceptions are reported as python reports
them (cli.failed).
"""

import sys

# The supported floor (README "Python versions"; session/python.ts checks the same
# before running anything), checked before any other runtime module is imported:
# an older Python gets this one line instead of a syntax error from deep inside.
MIN = (3, 9)

if __name__ == "__main__" and sys.version_info[:2] < MIN:
    sys.stderr.write("coroscope: Python %d.%d.%d is too old; Coroscope needs Python %d.%d or newer\n" % (tuple(sys.version_info[:3]) + MIN))
    sys.exit(2)

if __name__ == "__main__":
    # True in plain Python's __main__ before 3.14 (an empty __annotations__
    # made at start-up); the script's module gets the same.
    _ANN = "__annotations__" in globals()
    # True where Python gives a script's module __cached__ (it stopped in 3.15)
    _CACHED = "__cached__" in globals()
    _BEFORE = set(sys.modules)
    _SLOT = False
    import os  # (loaded at start-up already: no search of sys.path)

    if __spec__ is None and sys.path:
        # run by path: sys.path[0] is this folder; the runtime root holds the
        # slot until the script's folder replaces it
        if os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
            sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
            _SLOT = True
        elif getattr(sys.flags, "safe_path", False):
            # -P / PYTHONSAFEPATH: no folder of this file's first (and none of the script's plainly): the
            # runtime root goes first for the runtime's own imports, and out again before the program runs
            # (cli._fix_path takes it off everywhere)
            sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    elif sys.path and not getattr(sys.flags, "safe_path", False):
        # python -m coroscope: sys.path[0] is the current folder; keep the slot,
        # not the folder
        sys.path[0] = os.path.dirname(os.path.abspath(sys.modules["coroscope"].__path__[0]))
        _SLOT = True
    from coroscope import cli as _cli

    _run = _cli.prepare(sys.argv[1:], _ANN, _SLOT, _BEFORE, _CACHED)
    try:
        if _run.code is not None:
            exec(_run.code, _run.globals)
        else:
            _run.runpy(_run.name, _run.alter)
    except BaseException as _e:
        _cli.failed(_run, _e)
    else:
        _cli.done(_run)
