from gevent import monkey
monkey.patch_all()
import socket
import gevent
from gevent.server import StreamServer

def handle(sock, addr):
    while True:
        data = sock.recv(64)
        if not data:
            break
        sock.sendall(data)

server = StreamServer(('127.0.0.1', 0), handle)
server.start()

def client():
    s = socket.create_connection(('127.0.0.1', server.server_port))
    for i in range(500):
        s.sendall(b'ping %d' % i)
        s.recv(64)
    s.close()

gevent.joinall([gevent.spawn(client) for _ in range(10)])
server.stop()
