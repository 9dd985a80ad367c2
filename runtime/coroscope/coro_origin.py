"""Where a coroutine was made, as the program's "never awaited" warning says it (issue 14).

With coroutine origin tracking on (asyncio's debug mode turns it on at depth 10:
``asyncio.run(debug=True)``, ``PYTHONASYNCIODEBUG``, ``-X dev``; or the
program's own ``sys.set_coroutine_origin_tracking_depth``), CPython records the
innermost frames of the stack that made each coroutine (``cr_origin``), and a
coroutine never awaited warns "Coroutine created at (most recent call last)"
with them. Traced, that stack runs through the runtime's frames (the
bootstrap's module level, the loop's ``run_forever`` wrapper, the step wrapper
where plain Python has ``Handle._run``, a thread's wrappers), which took the
depth's places: the warning listed them and lost the program's oldest frames.

So the real depth is the program's plus ``PAD`` (``sys.get_/
set_coroutine_origin_tracking_depth`` show and take the program's), and
``warnings._warn_unawaited_coroutine`` (which CPython looks up on the warnings
module each time) is replaced by the same code over the origin with the
runtime's frames out (the step wrapper read as ``Handle._run``), cut to the
program's depth. Called from C in the original's place, its frame is where
the original's was: ``stacklevel=2`` still names the program's line. What
stays: ``coro.cr_origin`` read by the program lists the runtime's frames (it is
the C field) and, the depth being padded, up to ``PAD`` more of its own.
"""

import os
import sys

from . import core
from .wrappers import like

PAD = 6  # runtime frames a program frame can have below it (bootstrap, run_forever, a thread's two, a wrapper's)
_RUNTIME = core.HERE + os.sep


def _program_origin(origin, depth):
    """cr_origin (innermost first) without the runtime's frames, at most ``depth`` of them."""
    if not any(f[0].startswith(_RUNTIME) for f in origin):
        return origin[:depth] if depth else origin
    import traceback

    summaries = [traceback.FrameSummary(fn, ln, name, lookup_line=False) for fn, ln, name in reversed(origin)]
    from . import aio_sources

    aio_sources.plain_source(summaries, made_here=False)
    out = tuple((f.filename, f.lineno, f.name) for f in reversed(summaries))
    return out[:depth] if depth else out


def _warner(real_get):
    def _warn_unawaited_coroutine(coro):
        msg_lines = [f"coroutine '{coro.__qualname__}' was never awaited\n"]
        origin = coro.cr_origin
        if origin is not None:
            import linecache
            import traceback

            try:
                d = real_get()
                origin = _program_origin(origin, d - PAD if d > PAD else d)
            except Exception as e:
                core.internal_error("coroutine origin", e)

            def extract():
                for filename, lineno, funcname in reversed(origin):
                    line = linecache.getline(filename, lineno)
                    yield (filename, lineno, funcname, line)

            msg_lines.append("Coroutine created at (most recent call last)\n")
            msg_lines += traceback.format_list(list(extract()))
        msg = "".join(msg_lines).rstrip("\n")
        sys.modules["warnings"].warn(msg, category=RuntimeWarning, stacklevel=2, source=coro)

    return _warn_unawaited_coroutine


def install():
    real_get = getattr(sys, "get_coroutine_origin_tracking_depth", None)
    real_set = getattr(sys, "set_coroutine_origin_tracking_depth", None)
    if real_get is None or real_set is None:
        return

    def get_coroutine_origin_tracking_depth(*args, **kwargs):
        if not args and not kwargs:
            d = real_get()
            return d - PAD if d > PAD else d
        try:
            return real_get(*args, **kwargs)
        except BaseException as e:
            core.drop_own_frame(e)
            raise

    def set_coroutine_origin_tracking_depth(*args, **kwargs):
        # (any other call is the original's, for its own error, with no entry for this frame in the traceback)
        n = args[0] if len(args) == 1 and not kwargs else kwargs.get("depth") if len(kwargs) == 1 and not args else None
        if type(n) is int and 0 < n < sys.maxsize - PAD:
            return real_set(n + PAD)
        try:
            return real_set(*args, **kwargs)
        except BaseException as e:
            core.drop_own_frame(e)
            raise

    sys.get_coroutine_origin_tracking_depth = like(get_coroutine_origin_tracking_depth, real_get)
    sys.set_coroutine_origin_tracking_depth = like(set_coroutine_origin_tracking_depth, real_set)

    from . import imports

    def _warnings(mod):
        orig = getattr(mod, "_warn_unawaited_coroutine", None)
        if orig is not None:
            mod._warn_unawaited_coroutine = like(_warner(real_get), orig)

    imports.when_imported("warnings", _warnings)
