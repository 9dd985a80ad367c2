"""multiprocessing pipes: ``conn.send(x)`` / ``conn.recv()`` of the program's ``Pipe()`` (or any Connection it
uses: ``Listener``/``Client``) as send/recv on the pipe's channel, paired across processes as queue items are.

A pipe is named where it is made: the two variables its line assigns the ends to
(``parent_conn, child_conn = Pipe()`` -> ``parent_conn/child_conn``), else ``Pipe#<pid>.<n>``; both ends carry
that one name, as a message written into one end is read from the other. The name travels with each message (the
envelope's trailer, mp_queues: the receiving process records the channel the sender named), and to spawn and
forkserver children with the queues' names (by each end's inode: a child's end is a duplicate of the parent's file
descriptor, another object of the same pipe). Multiprocessing's own uses of connections (managers, the resource
sharer, ...) are not the program's calls: not recorded."""

import os
import re
import sys

from . import core, mp_queues, state, varnames, wait_causes, weakmap
from .core import drop_own_frame, safe_repr
from .wrappers import like

_names = weakmap.WeakKeyDictionary()  # Connection -> the pipe's channel name
_count = [0]
# a, b = [multiprocessing.]Pipe(...): the two targets (plain names or attributes)
_PAIR = re.compile(r"\s*\(?\s*([A-Za-z_][\w.]*)\s*,\s*([A-Za-z_][\w.]*)\s*\)?\s*=\s*[A-Za-z_][\w.]*Pipe\s*\(")


def _maker(frame):
    """The frame of the program's call that makes a pipe (``Pipe()``, ``ctx.Pipe()``), or None when it is
    multiprocessing's own (a SimpleQueue's, a Pool's) or the runtime's."""
    f = frame
    if f is not None and f.f_code.co_name == "Pipe" and f.f_code.co_filename.endswith(_CONTEXT_PY):
        f = f.f_back  # (ctx.Pipe() -> connection.Pipe)
    if f is None:
        return None
    fn = f.f_code.co_filename
    return None if core.internal_file(fn) or fn.startswith(core.HERE) else f


_CONTEXT_PY = ("/multiprocessing/context.py", "\\multiprocessing\\context.py")


def _pair_name(f):
    """``a/b`` when the program's line running in frame f assigns the two ends of a new pipe to a and b."""
    if not core.is_user_code(f.f_code) or f.f_code.co_filename.startswith("<"):
        return None
    m = _PAIR.match(varnames.line_text(f.f_code.co_filename, f.f_lineno))
    if m is None:
        return None
    nm = "%s/%s" % (m.group(1), m.group(2))
    if state.PREFIX:
        _count[0] += 1
        nm = "%s#%d.%d" % (nm, os.getpid(), _count[0])  # (a child's pipe is not its parent's)
    return nm


def _ino(conn):
    try:
        return os.fstat(conn.fileno()).st_ino
    except Exception:
        return None


def _travel(conn, name):
    """Spawn/forkserver children get the name with the queues' (mp_queues.queue_names), by the end's inode."""
    ino = _ino(conn)
    if ino is not None:
        mp_queues.travel("pipe:%d" % ino, name)


def _name_of(conn):
    nm = _names.get(conn)
    if nm is None:
        ino = _ino(conn)
        nm = mp_queues.inherited_name("pipe:%d" % ino) if ino is not None else None
        if nm is None:
            _count[0] += 1
            nm = "Pipe#%d.%d" % (os.getpid(), _count[0])
        _names[conn] = nm
    return nm


_CONN = []  # the Connection class (exact type: looking a user object up in _names would hash it)


def name_if_conn(obj):
    """The channel name of obj when it is an end of a pipe the program made, else None (procs: a Process's args)."""
    if _CONN and type(obj) is _CONN[0]:
        try:
            return _names.get(obj)
        except Exception:
            return None
    return None


def _program(depth):
    """Is the caller at ``depth`` the program (not multiprocessing's own plumbing, nor the runtime: a Pool's task
    handler sends through its pipe's ``send``, bound before the runtime wrapped the pool's ``_quick_put``)?"""
    try:
        fn = sys._getframe(depth + 1).f_code.co_filename
        return not core.internal_file(fn) and not fn.startswith(core.HERE)
    except Exception:
        return False


def patch(mc):
    o_pipe = mc.Pipe

    def Pipe(*a, **k):
        ends = o_pipe(*a, **k)
        f = _maker(sys._getframe(1)) if state.W is not None else None
        if f is not None:
            try:
                nm = _pair_name(f)
                if nm is None:
                    _count[0] += 1
                    nm = "Pipe#%s%d" % (state.PREFIX.replace(":", "."), _count[0])
                for c in ends:
                    _names[c] = nm
                    _travel(c, nm)
            except Exception as e:
                core.internal_error("mp pipe", e)
        return ends

    mc.Pipe = like(Pipe, o_pipe)
    C = mc.Connection
    _CONN[:] = [C]
    o_send, o_recv = C.send, C.recv

    def send(self, obj):
        item = obj
        if state.W is not None and _program(1):
            try:
                nm = _name_of(self)
                m = core.next_msg()
                lane = core.current_lane()
                f, l = core.caller_site(2)
                item = mp_queues.envelope(obj, m, nm, "pipe")
                # (written before the bytes go: the other process may read them and write its recv at once)
                core.sendrecv("send", lane, nm, safe_repr(obj), m, f, l, op="send")
                wait_causes.sent(m, lane, f, l)
                state.flush()
            except Exception as e:
                core.internal_error("mp pipe", e)
                item = obj
        try:
            return o_send(self, item)
        except BaseException as e:
            drop_own_frame(e)
            raise

    def recv(self):
        if state.W is None or not _program(1):
            return o_recv(self)
        blocked = nm = None
        try:
            nm = _name_of(self)
            mp_queues.last_taken()
            if not self.poll():
                blocked = core.current_lane()
                f, l = core.caller_site(2)
                core.block(blocked, "channel", "%s.recv()" % nm, f, l)
                state.flush_in_child()
        except Exception:
            pass  # (a closed end: the original raises as it would)
        try:
            obj = o_recv(self)
        except BaseException as e:
            if blocked is not None:
                core.wake(blocked, "channel", "%s.recv()" % nm)
            drop_own_frame(e)
            raise
        try:
            info = mp_queues.last_taken()
            m = chan = None
            if info is not None and info[2] == "pipe":
                m, chan = info[0], info[1]
            if blocked is not None:
                by, bf, bl = wait_causes.put_by(m) if m is not None else (None, None, None)
                core.wake(blocked, "channel", "%s.recv()" % nm, "send", by, bf, bl)
            f, l = core.caller_site(2)
            # (the channel the sender named: the same pipe, whatever this process calls its end)
            core.sendrecv("recv", core.current_lane(), chan or nm, safe_repr(obj), m, f, l, op="recv")
            state.flush_in_child()
        except Exception as e:
            core.internal_error("mp pipe", e)
        return obj

    C.send = like(send, o_send)
    C.recv = like(recv, o_recv)
