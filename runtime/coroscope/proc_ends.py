"""Who writes a multiprocessing child's ``end``, and when.

The child declares its lane at once when it starts, then makes a marker file
named after its pid in a private folder of the run (cfg "marks"). When the
parent reaps the child (Popen.poll) and can remove the marker, the child has a
lane and did not write its end: the parent writes it, with the exit code or the
signal (a pool worker terminated before it got any work, a daemon terminated at
exit). A child that writes its own end removes its marker first. A child killed
before its marker exists has no lane, and gets no end.
"""

import os

from . import core, mp_queues, state
from .wrappers import like


def own_end():
    """Does this child write its lane's ``end`` itself? A multiprocessing child
    whose messages reach its parent has it written by the parent, which learns
    the exit code (or the signal that killed it) when it joins/polls it: one
    writer, so a child killed while shutting down never gets two ``end``s."""
    return not (state.process.get("mp_child") and mp_queues.sent_any())


_marks_owner = [None]


def marks_dir(create=False):
    cfg = state.process.get("cfg")
    if cfg is None:
        return None
    d = cfg.get("marks")
    if d is None and create:
        import tempfile

        d = cfg["marks"] = tempfile.mkdtemp(prefix="coroscope-lanes-")
        _marks_owner[0] = os.getpid()
        try:
            import multiprocessing.util as mu

            # after multiprocessing has joined or terminated the children at exit
            mu.Finalize(None, _remove_marks, args=(d, os.getpid()), exitpriority=-10000)
        except Exception:
            pass
    return d


def _remove_marks(d, pid):
    if os.getpid() != pid:
        return
    import shutil

    shutil.rmtree(d, ignore_errors=True)


def _marker(pid):
    d = marks_dir()
    return os.path.join(d, str(pid)) if d else None


def hold_term():
    """Between writing a child's lane and making its marker, a SIGTERM (a pool
    terminating a worker that is still starting) would leave a lane that no one
    ends: it waits (blocked) until the marker exists, then acts as it would have."""
    try:
        import signal

        return signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM])
    except Exception:
        return None


def release_term(old):
    if old is not None:
        try:
            import signal

            signal.pthread_sigmask(signal.SIG_SETMASK, old)
        except Exception:
            pass


def declared():
    """In a multiprocessing child, once its lane is written: the marker."""
    try:
        m = _marker(os.getpid())
        if m is not None:
            os.close(os.open(m, os.O_CREAT | os.O_WRONLY, 0o600))
    except Exception:
        pass


def end_self(code):
    """This child's lane ends (at its exit), unless its parent writes that."""
    main = state.MAIN
    if main is None or main.ended:
        return
    if not own_end():
        main.ended = True  # the parent writes it
        return
    m = _marker(os.getpid()) if state.process.get("mp_child") else None
    if m is None:
        core.end(main, "exit", str(code))
        return
    # from taking the marker to the end being written, a SIGTERM waits: either
    # the parent writes the end, or this process does, never neither
    held = hold_term()
    try:
        try:
            os.unlink(m)
        except FileNotFoundError:
            main.ended = True
            return
        except OSError:
            pass
        core.end(main, "exit", str(code))
        if state.W is not None:
            # all of it, now: a plain flush may hold the end back behind the time-order
            # watermark (once a thread ran, writer.THREADED), and the SIGTERM released
            # below (a pool terminating its workers) would then lose it: a lane with no end
            state.W.flush(final=True)
    finally:
        release_term(held)


_ended_by_parent = set()  # pids of children whose lane's end this process wrote


def patch_popen(pf):
    """The parent writes the ``end`` of a child's lane when it learns how it
    ended (exit code, or the signal that killed it), if the child has a lane and
    did not write its end itself (see marks_dir)."""
    P = pf.Popen
    o_poll = P.__dict__.get("poll")  # popen_forkserver's own; popen_spawn_posix inherits popen_fork's
    if o_poll is None:
        return

    def poll(self, *a, **k):
        rc = o_poll(self, *a, **k)
        try:
            if rc is not None and state.W is not None and self.pid not in _ended_by_parent:
                _ended_by_parent.add(self.pid)
                m = _marker(self.pid)
                if m is None:
                    return rc
                try:
                    os.unlink(m)
                except OSError:
                    return rc  # no lane, or it wrote its own end
                lane = core.Lane("%d:1" % self.pid, "process", "", None)
                if rc >= 0:
                    core.end(lane, "exit", str(rc))
                else:
                    import signal

                    try:
                        sig = signal.Signals(-rc).name
                    except Exception:
                        sig = "signal %d" % -rc
                    core.end(lane, "killed", sig)
        except Exception:
            pass
        return rc

    P.poll = like(poll, o_poll)
