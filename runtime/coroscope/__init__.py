"""Coroscope runtime: runs a Python script and records its coroutine switches.

Standard library only. greenlet/gevent are hooked only when the program imports
them. See docs/protocol.md for the trace format.
"""

VERSION = "0.1.0"
SCHEMA = 1
