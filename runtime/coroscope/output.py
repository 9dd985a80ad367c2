"""Prints as ``output`` events, attributed to the task that wrote them.

sys.stdout and sys.stderr stay the very objects Python made (``sys.stdout is
sys.__stdout__``, an exact ``io.TextIOWrapper``, same encoding, errors and line
buffering): each is re-initialised in place, write-through, over a tap on its
own binary layer; the tap records what each write hands down, then passes it
on unchanged to the real binary stream, which buffers and flushes as before
(the same bytes and syscalls; bytes written to ``sys.stdout.buffer`` directly
are seen too). What the program can tell: ``sys.stdout.buffer`` is the tap
(its attributes are the real buffer's), ``write_through`` reads True, and
unflushed text no longer waits behind bytes written to the buffer directly.
Consecutive writes of one task to one stream that have not ended a line are
merged into one event while it is still queued.

On a terminal, ``input(prompt)`` writes the prompt below Python's streams
(readline, or C stdio to stderr): ``builtins.input`` is wrapped there to record
the prompt, so the CLI never draws its progress line over it.
"""

import codecs
import sys

from . import audit, core, gens, state
from .core import now
from .writer import IDLE, OUT, THREADED
from .wrappers import like
from _thread import get_ident

MAX_TEXT = 4096
_on = [True]
_hooked = gens.HOOKED


class _Tap:
    __slots__ = ("_cs_buf", "_cs_name", "_cs_last", "_cs_dec")

    def __init__(self, buf, name, encoding):
        self._cs_buf = buf
        self._cs_name = name
        self._cs_last = None
        try:
            self._cs_dec = codecs.getincrementaldecoder(encoding)("replace")
        except Exception:
            self._cs_dec = codecs.getincrementaldecoder("utf-8")("replace")

    def write(self, b):
        try:
            if THREADED[0]:
                # (a write to a full pipe blocks here, holding no line's time: writer.IDLE)
                me = get_ident()
                IDLE.add(me)
                try:
                    r = self._cs_buf.write(b)
                finally:
                    IDLE.discard(me)
            else:
                r = self._cs_buf.write(b)
        except BaseException as e:
            # (a write that fails, e.g. to a pipe whose reader is gone: its traceback reads as plainly, from the
            # print, this frame no entry of it)
            core.drop_own_frame(e)
            raise
        if _on[0]:
            try:
                if _hooked[0]:
                    gens.rearm()
                if type(r) is int and r < len(b):
                    b = b[:r]  # (a raw stream under -u may take less)
                if b:
                    s = self._cs_dec.decode(bytes(b))
                    if s:
                        _record(self, s)
            except Exception as e:
                core.internal_error("output", e)
        return r

    def writelines(self, lines):
        try:
            for b in lines:
                self.write(b)
        except BaseException as e:
            core.drop_own_frame(e)
            raise

    def __getattr__(self, name):
        return getattr(self._cs_buf, name)

    def __repr__(self):
        return repr(self._cs_buf)


def _record(tap, s):
    w = state.W
    if w is None:
        return
    lane = core.current_lane()
    last = tap._cs_last
    if last is not None and last["task"] == lane.id and not last["text"].endswith("\n") and len(last["text"]) < MAX_TEXT:
        # (the lock keeps a flush from taking the event while it grows: held only
        # while lines are taken off the queue; a flush leaves an unfinished line
        # in the queue once, writer._take)
        if w.take_lock.acquire(True, 0.1):
            try:
                q = OUT
                if q and q[-1] is last:
                    last["text"] += s[:MAX_TEXT]
                    return
            finally:
                w.take_lock.release()
    ev = {"type": "output", "ts": now(), "task": lane.id, "stream": tap._cs_name, "text": s if len(s) <= MAX_TEXT else s[:MAX_TEXT] + "\u2026"}
    tap._cs_last = ev
    w.emit(ev)


_taps = {}


def _install_stream(name):
    import io

    s = getattr(sys, name, None)
    if type(s) is not io.TextIOWrapper or s is not getattr(sys, "__%s__" % name, None):
        return  # replaced before the runtime started (not Python's own): left alone
    buf = s.buffer
    if isinstance(buf, _Tap):
        return
    s.flush()
    tap = _Tap(buf, name, s.encoding)
    # (POSIX stdio writes "\n" untranslated; Windows translates it to os.linesep)
    newline = "\n" if sys.platform != "win32" else None
    # write_through: each write reaches the tap at once, so a print is recorded
    # when and by whom it is made (not when a block-buffered stream happens to
    # flush); the real buffer below still buffers, so the bytes and syscalls
    # are the same. (Visible: ``write_through`` reads True, and text not yet
    # flushed no longer waits behind bytes written to ``sys.stdout.buffer``.)
    s.__init__(tap, encoding=s.encoding, errors=s.errors, newline=newline, line_buffering=s.line_buffering, write_through=True)
    _taps[name] = tap


def install():
    for name in ("stdout", "stderr"):
        try:
            _install_stream(name)
        except Exception as e:
            core.internal_error("output " + name, e)
    _wrap_input()


def off():
    """The runtime is finishing: the taps only pass bytes on."""
    _on[0] = False


def _wrap_input():
    import builtins
    import os

    try:
        if not (os.isatty(0) and os.isatty(1)):
            return  # the prompt goes through sys.stdout.write: the tap sees it
    except Exception:
        return
    real = builtins.input

    def input(prompt=""):
        if _on[0] and type(prompt) is str and prompt:
            try:
                _record_prompt(prompt)
            except Exception as e:
                core.internal_error("input", e)
        try:
            if not THREADED[0]:
                return real(prompt)
            me = get_ident()
            IDLE.add(me)  # (waiting for the user here, holding no line's time: writer.IDLE)
            try:
                return real(prompt)
            finally:
                IDLE.discard(me)
        except BaseException as e:
            # (EOFError, a Ctrl+C: the traceback ends at the program's input() call, as plainly)
            core.drop_own_frame(e)
            raise

    audit.through(input)  # (its hooks see builtins.input as the program's)
    builtins.input = like(input, real)


def _record_prompt(prompt):
    # Python passes the prompt below sys.stdout only when both ends are the
    # process's own terminal (builtin input's own test)
    import io

    for name, fd in (("stdin", 0), ("stdout", 1)):
        s = getattr(sys, name, None)
        if type(s) is not io.TextIOWrapper or s.fileno() != fd:
            return
    stream = "stdout" if "readline" in sys.modules else "stderr"
    tap = _taps.get(stream)
    if tap is None:
        return
    _record(tap, prompt)
