"""The runtime in a multiprocessing child started by ``spawn`` or ``forkserver``.

Such a child is a new interpreter. Its command line (spawn; procs.py adds the
lines) or the fork server's imports this module first: it only hooks
``multiprocessing`` (dormant: no trace, no lane, nothing else patched). The
runtime starts when ``spawn.prepare`` gets the parent's preparation data, which
carries where events go, the lane that started the child and the names of the
parent's queues (``start_from``); a child whose parent was not traced, and the
fork server itself, stay dormant (the fork server is no lane of the program).
Nothing travels through the environment.
"""

import os
import sys


def dormant():
    try:
        from . import imports, procs

        _plain_command_line(procs.bootstrap_prefix(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
        procs.start_children_with(start_from)
        imports.install()
        imports.when_imported("multiprocessing", procs.patch_mp)
    except Exception:
        pass


def _plain_command_line(prefix):
    """Python 3.13+ print the source line of a ``-c`` command in tracebacks
    (from linecache's copy of the command, registered before it runs). This
    process's command starts with the runtime's bootstrap (``prefix``): the
    copy gets as many spaces in its place, so a traceback prints the line
    plain Python would (tracebacks dedent a line, and move the carets with
    it; the code's columns, in UTF-8 bytes, stay right)."""
    lc = sys.modules.get("linecache")
    cache = getattr(lc, "_interactive_cache", None) if lc is not None else None
    if type(cache) is not dict:
        return  # (before 3.13 a -c line is not printed)
    key = ("<string>", "<module>", 1)
    entry = cache.get(key)
    if type(entry) is not tuple or len(entry) != 4 or type(entry[2]) is not list or not entry[2]:
        return
    first = entry[2][0]
    if type(first) is str and first.startswith(prefix):
        lines = list(entry[2])
        lines[0] = " " * len(prefix.encode("utf-8")) + first[len(prefix) :]
        cache[key] = (entry[0], entry[1], lines, entry[3])


def start_from(info, data):
    """Start tracing this child, as the parent's bootstrap info asks; if that
    fails, the child runs untraced and a mark says why."""
    from . import boot, core, mp_queues, proc_ends, state

    if state.W is not None or type(info) is not dict:
        return
    name = data.get("name") if type(data.get("name")) is str else None
    who = name or "pid %d" % os.getpid()
    argv = data.get("sys_argv")
    argv = list(argv) if type(argv) is list else list(sys.argv)
    script = data.get("init_main_from_path") or (argv[0] if argv else "")
    cfg = {"trace": info.get("trace"), "socket": info.get("socket"), "blocking": info.get("blocking")}
    try:
        if name is not None and os.environ.get(state.ENV_TEST_UNTRACED) == name:
            raise RuntimeError("%s is set to this process's name (a test switch)" % state.ENV_TEST_UNTRACED)
        held = proc_ends.hold_term()
        try:
            boot.start(
                cfg["trace"],
                cfg["socket"],
                cfg["blocking"],
                script=script,
                argv=argv,
                child=True,
                parent_task=info.get("parent"),
                process_name=name,
                locals=bool(info.get("locals")),
                created=info.get("created"),
            )
            state.process["mp_child"] = True
            state.process["cfg"]["marks"] = info.get("marks")
            proc_ends.declared()  # (boot.start wrote the lane at once)
        finally:
            proc_ends.release_term(held)
    except BaseException as e:
        if state.W is None:
            state.process["script"] = script
            boot.untraced(cfg, who, core.exc_summary(e))
        else:
            boot.abandon(core.exc_summary(e))
        return
    try:
        mp_queues.inherit_queue_names(info.get("queues"))
    except Exception as e:
        core.internal_error("mp queue names", e)


dormant()
