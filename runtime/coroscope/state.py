"""The runtime's shared state in this process, the names of its environment
variables, flushing, and the after-fork resets.

A leaf: it imports nothing of the runtime, so every module can import it
without making an import cycle. Each hook module keeps its own registries
private and registers how to forget them in a forked child (``after_fork``);
``forked`` runs those resets (boot.py, in the child).
"""

# Environment variables the runtime reads (it never sets any: the program and
# its subprocesses see the environment they would without Coroscope).
ENV_BLOCKING = "COROSCOPE_BLOCKING_MS"  # a default for --blocking-ms
# For tests: a child process of this name does not start the runtime, as if it
# could not (it runs untraced, and says so in a mark).
ENV_TEST_UNTRACED = "COROSCOPE_TEST_UNTRACED"
ENV_GENEXPR = "COROSCOPE_GENEXPR"  # "1": generator expressions are lanes too
ENV_FRAMES = "COROSCOPE_FRAMES"  # "1": the frame capture even where Tasks drive coroutines
ENV_MAX_QUEUE = "COROSCOPE_MAX_QUEUE"  # lines held before dropping
ENV_SOFT_QUEUE = "COROSCOPE_SOFT_QUEUE"  # lines queued before the queueing thread writes them
ENV_COMPACT = "COROSCOPE_COMPACT"  # "0": plain switch lines for generators, no gresume/gyield/gstep (tests)

W = None  # the Writer of this process (None: not tracing here)
PREFIX = ""  # task id prefix: "" in the root process, "<pid>:" in children
MAIN = None  # the lane of this process's main thread
BLOCKING_NS = 100_000_000  # a step or greenlet run longer than this blocked its loop/hub

# How this process's run goes. cfg: where its events go, handed to its child
# processes (fork children inherit it; spawn and forkserver children get it in
# multiprocessing's preparation data, see procs.py), never through the
# environment. mp_child: a multiprocessing child (its parent may write its end).
process = {"exit": None, "signal": None, "finished": False, "script": None, "mp_child": False, "cfg": None}


def flush():
    """Write out what is queued now (after a cross-process send: in the merged
    file it then comes before the other process's recv)."""
    w = W
    if w is not None:
        try:
            w.flush()
        except Exception:
            pass


def flush_in_child():
    """In a child process, make a cross-process transfer durable at once: pool
    workers and daemon children are often terminated (SIGTERM) right after their
    last put, before the writer's next ~20 ms flush."""
    if PREFIX:
        flush()


def flush_now():
    """Make everything queued so far durable (before os._exit / fork / exec)."""
    w = W
    if w is not None:
        try:
            w.flush(final=True)
        except Exception:
            pass


def flush_before_fork():
    """Before a fork: what is queued so far, written by this process (the child
    forgets it). With several threads only up to the time-order watermark: the
    parent goes on, and its other threads may still queue lines older than the
    newest queued one (docs/architecture.md, "Time order"); the rest stays held
    and is written after the fork."""
    w = W
    if w is not None:
        try:
            w.flush(final=not w.threaded(), settle=False)
        except Exception:
            pass


_resets = []


def after_fork(fn):
    """Register fn() to run in a forked child of a traced process, before it
    starts tracing as a process of its own: fn forgets what belongs to the
    parent (its lanes, its pending messages). Returns fn (usable as a decorator)."""
    _resets.append(fn)
    return fn


def forked():
    """Run the after-fork resets, in the order they were registered."""
    for fn in _resets:
        fn()
