"""gevent: spawn and join; without a sleep the greenlets run one after another,
with gevent.sleep() they take turns (seed 002)."""
import gevent


def f(n):
    for i in range(n):
        print(gevent.getcurrent(), i)


def g(n):
    for i in range(n):
        print(gevent.getcurrent(), i)
        gevent.sleep(0.1)    # hand control to the other greenlets


g1 = gevent.spawn(f, 3)
g2 = gevent.spawn(f, 3)
g1.join()
g2.join()

g3 = gevent.spawn(g, 3)
g4 = gevent.spawn(g, 3)
g5 = gevent.spawn(g, 3)
g3.join()
g4.join()
g5.join()
