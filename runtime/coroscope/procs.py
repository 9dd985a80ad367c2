"""Processes: fork and multiprocessing (fork, spawn, forkserver) children traced
into the same trace file (O_APPEND) / their own socket connection, with task ids
"<pid>:<n>".

How a child gets the runtime, per start method (nothing goes through the
environment, which the program and its subprocesses see):
* fork (os.fork, multiprocessing "fork"): the child is a copy; the at-fork hook
  (boot.py) opens its writer and declares its lane, named after the Process
  being started (``starting``).
* spawn: the child's ``-c`` command line gets a first block that imports
  coroscope.child from the runtime's folder (dormant: multiprocessing hooked);
  the parent adds a "coroscope" entry to multiprocessing's preparation data
  (where events go, the starting lane, the queues' names), and the child starts
  tracing in ``spawn.prepare``, before the program's main module is imported.
* forkserver: the fork server's command line gets the same first block, so the
  server is dormant (not a lane; its preload of the main module is untraced, as
  is everything it does); each child it forks starts tracing in
  ``spawn.prepare`` from the preparation data, like a spawn child.
Wrappers here that an exception of the program can pass through take their
own frame out of its traceback (core.drop_own_frame). The rest lives beside:
os._exit and the fork hooks in boot.py, who ends a child's lane in
proc_ends.py, queues and pool/executor traffic in mp_queues.py, Pool in
mp_pool.py.
"""

import os
from _thread import get_ident

from . import core, imports, mp_joins, mp_pipes, mp_pool, mp_queues, proc_ends, state
from .core import drop_own_frame
from .values import func_code
from .wrappers import like

_starting = {}  # thread ident -> (name, starting lane id, creation) while that thread starts a Process
_patched = [False]
_start_child = [None]  # child.start_from, given by the bootstrap of spawn/forkserver children (child.py)
_installed = [False]


def start_children_with(fn):
    """In a spawn/forkserver child: fn(info, data) starts tracing in spawn.prepare."""
    _start_child[0] = fn


def starting():
    """(name, starting lane id, creation) of the Process this thread is starting, or None."""
    return _starting.get(get_ident())


def creation(p, depth=3):
    """Where and how the program starts Process p, for its lane's ``task`` line
    (as a thread's: the ``start()`` call, the target's code, its arguments):
    [file, line, codeFile, codeLine, args] (JSON-able, it travels to a spawn
    child); None for what is unknown. A target of the standard library (a pool's
    worker) gives no code or arguments; the site is then the program's line that
    made the pool, when there is one. Nothing of p runs (its attributes are read
    from its __dict__)."""
    file, line = core.caller_site(depth)
    cf = cl = args = None
    try:
        d = object.__getattribute__(p, "__dict__")
        tgt = d.get("_target")
        code = func_code(tgt) if tgt is not None else None
        if code is None and tgt is None:
            run = getattr(type(p).__dict__.get("run"), "__code__", None)  # (a subclass's own run())
            code = run
        if code is not None and core.is_user_code(code):
            cf, cl = code.co_filename, code.co_firstlineno
            if tgt is not None:
                a, k = d.get("_args"), d.get("_kwargs")
                args = _args_repr(a if type(a) is tuple else (), k if type(k) is dict else None)
    except Exception:
        pass
    return [file, line, cf, cl, args]


def _args_repr(a, k, limit=120):
    """core.args_repr, with a multiprocessing queue or pipe end shown by its channel name
    (``(3, jobs, q)``, not ``(3, <JoinableQueue object>, <Queue object>)``)."""
    named = [mp_queues.name_if_queue(x) or mp_pipes.name_if_conn(x) for x in a]
    if not any(named):
        return core.args_repr(a, k, limit)
    parts = [n or core.safe_repr(x, 60) for x, n in zip(a, named)]
    if k:
        parts += ["%s=%s" % (kk, mp_queues.name_if_queue(v) or mp_pipes.name_if_conn(v) or core.safe_repr(v, 60)) for kk, v in k.items() if type(kk) is str]
    s = "(" + ", ".join(parts) + ")"
    if len(s) > limit:
        s = s[: limit - 2] + "\u2026)"
    return s


def creation_fields(c):
    """``creation`` as keyword arguments of core.declare."""
    out = {}
    if type(c) is list and len(c) == 5:
        file, line, cf, cl, args = c
        if type(file) is str and type(line) is int:
            out["file"], out["line"] = file, line
        if type(cf) is str and type(cl) is int:
            out["codeFile"], out["codeLine"] = cf, cl
        if type(args) is str:
            out["args"] = args
    return out


def _process_name(p):
    """A Process's name without running a property a subclass may define."""
    try:
        n = object.__getattribute__(p, "__dict__").get("_name")
        return n if type(n) is str else None
    except Exception:
        return None


def bootstrap_prefix(root):
    """What goes before a spawn child's / the fork server's ``-c`` command:
    import the runtime (dormant) from its folder, which is then taken off
    sys.path again; if that fails the process runs on untraced. One ``exec``
    on the command's first line, so the program's code keeps its line numbers
    (a traceback through it reads ``File "<string>", line 1``); 3.13+ print
    that line's source, where the child shows the command without it
    (child.py)."""
    block = (
        "import sys\ntry:\n sys.path.insert(0, %r)\n import coroscope.child\nexcept BaseException:\n pass\nfinally:\n if %r in sys.path: sys.path.remove(%r)\n"
    ) % (root, root, root)
    return "exec(%r); " % block


def _with_bootstrap(args, marker):
    """args with the bootstrap before the ``-c`` command that contains marker."""
    for i, a in enumerate(args):
        if isinstance(a, str) and marker in a and i > 0 and args[i - 1] == "-c":
            args = list(args)
            args[i] = bootstrap_prefix(os.path.dirname(core.HERE)) + a
            break
    return args


def _bootstrap_info(name):
    cfg = state.process.get("cfg") or {}
    st = _starting.get(get_ident())
    parent = st[1] if st and st[0] == name else (state.MAIN.id if state.MAIN is not None else None)
    return {
        "trace": cfg.get("trace"),
        "socket": cfg.get("socket"),
        "blocking": cfg.get("blocking"),
        "locals": cfg.get("locals"),
        "parent": parent,
        "created": st[2] if st and st[0] == name else None,
        "queues": mp_queues.queue_names(),
        "marks": cfg.get("marks"),
    }


def patch_mp(mp):
    if _patched[0]:
        return
    _patched[0] = True
    import multiprocessing.process as mpp
    import multiprocessing.spawn as sp
    import multiprocessing.queues as mq
    import multiprocessing.util as mu
    import multiprocessing.reduction as mr

    BP = mpp.BaseProcess
    o_start = BP.start

    def start(self):
        ident = get_ident()
        try:
            _starting[ident] = (
                _process_name(self),
                core.starter_lane().id if state.W is not None else None,
                creation(self) if state.W is not None else None,
            )
            if state.W is not None:
                proc_ends.marks_dir(create=True)
        except Exception:
            pass
        try:
            return o_start(self)
        except BaseException as e:
            drop_own_frame(e)
            raise
        finally:
            _starting.pop(ident, None)

    BP.start = like(start, o_start)

    o_bootstrap = BP._bootstrap

    def _bootstrap(self, *a, **k):
        code = o_bootstrap(self, *a, **k)
        try:
            if state.PREFIX and state.MAIN is not None and state.W is not None:
                state.process["exit"] = code
                proc_ends.end_self(code)
        except Exception:
            pass
        return code

    BP._bootstrap = like(_bootstrap, o_bootstrap)

    o_gcl = sp.get_command_line

    def get_command_line(**kwds):
        args = o_gcl(**kwds)
        if state.W is not None:
            try:
                args = _with_bootstrap(args, "spawn_main")
            except Exception as e:
                core.internal_error("mp spawn", e)
        return args

    sp.get_command_line = like(get_command_line, o_gcl)

    o_gpd = sp.get_preparation_data

    def get_preparation_data(name, *a, **k):
        try:
            d = o_gpd(name, *a, **k)
        except BaseException as e:
            drop_own_frame(e)
            raise
        if state.W is not None and type(d) is dict:
            try:
                d["coroscope"] = _bootstrap_info(name)  # (prepare() ignores keys it does not know)
            except Exception as e:
                core.internal_error("mp spawn", e)
        return d

    sp.get_preparation_data = like(get_preparation_data, o_gpd)

    o_prepare = sp.prepare

    def prepare(data, *a, **k):
        try:
            info = data.get("coroscope") if type(data) is dict else None
            if info is not None and state.W is None and _start_child[0] is not None:
                _start_child[0](info, data)
        except Exception:
            pass
        try:
            return o_prepare(data, *a, **k)
        except BaseException as e:
            drop_own_frame(e)
            raise

    sp.prepare = like(prepare, o_prepare)

    o_spf = getattr(mu, "spawnv_passfds", None)
    if o_spf is not None:

        def spawnv_passfds(path, args, passfds):
            if state.W is not None:
                try:
                    args = _with_bootstrap(args, "multiprocessing.forkserver import main")
                except Exception as e:
                    core.internal_error("mp forkserver", e)
            try:
                return o_spf(path, args, passfds)
            except BaseException as e:
                drop_own_frame(e)
                raise

        mu.spawnv_passfds = like(spawnv_passfds, o_spf)

    mp_queues.patch(mq, mr)
    mp_joins.patch(mq.JoinableQueue, mp_queues.join_detail)
    imports.when_imported("multiprocessing.connection", mp_pipes.patch)
    imports.when_imported("multiprocessing.pool", mp_pool.patch)
    imports.when_imported("multiprocessing.popen_fork", proc_ends.patch_popen)
    imports.when_imported("multiprocessing.popen_forkserver", proc_ends.patch_popen)


def install():
    if _installed[0]:
        return
    _installed[0] = True
    imports.when_imported("multiprocessing", patch_mp)
