"""gevent: three greenlets that sleep for different times (seed 004)."""
import gevent


def fun1():
    print('run fun1 for the first time')
    gevent.sleep(2)      # switch to fun2 ... until the 2 s are over
    print('second run fun1')


def fun2():
    print('run fun2 for the first time')
    gevent.sleep(1)      # fun2 wakes up first
    print('second run fun2')


def fun3():
    print('run fun3 for the first time')
    gevent.sleep(2)
    print('second run fun3')


gevent.joinall([
    gevent.spawn(fun1),
    gevent.spawn(fun2),
    gevent.spawn(fun3),
])
