"""Bootstrap of the runtime in a child process (multiprocessing spawn, python
subprocesses): reads the COROSCOPE_* environment and starts in child mode."""
import os
import sys


def boot():
    try:
        from . import boot as _b, core
        if core.W is not None:
            return
        trace = os.environ.get(_b.ENV_TRACE)
        sock = os.environ.get(_b.ENV_SOCKET)
        if not trace and not sock:
            return
        _b.start(trace, sock, os.environ.get(_b.ENV_BLOCKING), script=sys.argv[0] if sys.argv else "",
                 argv=sys.argv, child=True, parent_task=os.environ.get(_b.ENV_PARENT) or None,
                 process_name=os.environ.get("COROSCOPE_CHILD_NAME") or None)
        _b.state["mp_child"] = True
    except Exception:
        pass


boot()
