"""Installs the library hooks (lazily, when the program imports the library)."""

from . import futures, imports, procs, threads


def install():
    procs.install()
    threads.install()
    futures.install()
    from . import signals, sleeps

    signals.install()
    sleeps.install()
    imports.when_imported("asyncio", _asyncio)
    imports.when_imported("greenlet", _greenlet)
    imports.when_imported("gevent", _gevent)


def _asyncio(mod):
    from . import aio

    aio.install(mod)


def _greenlet(mod):
    from . import glet

    glet.install(mod)


def _gevent(mod):
    from . import gev, gev_queues

    gev_queues.install()  # (queue transfers; first, so gev's call watching watches the recording methods)
    gev.install(mod)
