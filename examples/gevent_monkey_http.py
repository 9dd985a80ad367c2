"""gevent + monkey.patch_all(): three downloads overlap (seeds 002/004).

Instead of the web, the example starts a small HTTP server on 127.0.0.1 whose
pages take different times to answer.
"""
from gevent import monkey
monkey.patch_all()           # make sockets, sleep, ... cooperative

import time
from urllib import request

import gevent
from gevent.pywsgi import WSGIServer

DELAYS = {'/slow': 0.3, '/medium': 0.2, '/fast': 0.1}


def app(environ, start_response):
    time.sleep(DELAYS.get(environ['PATH_INFO'], 0))   # cooperative after patch_all
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [b'hello from ' + environ['PATH_INFO'].encode() * 50]


server = WSGIServer(('127.0.0.1', 0), app, log=None)
server.start()                # serves in background greenlets
base = 'http://127.0.0.1:%d' % server.server_port


def f(url):
    print('GET: %s' % url)
    resp = request.urlopen(url)
    data = resp.read()
    print('%d bytes received from %s.' % (len(data), url))


start_time = time.time()
gevent.joinall([
    gevent.spawn(f, base + '/slow'),
    gevent.spawn(f, base + '/medium'),
    gevent.spawn(f, base + '/fast'),
])
print('Total time: %.1f s' % (time.time() - start_time))
server.stop()
