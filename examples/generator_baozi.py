"""Two consumer generators fed by one producer with send() (seed 001, Python 3)."""


def consumer(name):
    print('--- %s starts eating buns ---' % name)
    while True:
        new_baozi = yield            # wait for the next bun
        print('[%s] eating bun %s' % (name, new_baozi))


def producer():
    next(con)                        # start both consumers
    next(con2)
    n = 0
    while n < 5:
        n += 1
        con.send(n)                  # hand bun n to C1 ...
        con2.send(n)                 # ... and to C2
        print('[producer] is making bun %s' % n)


if __name__ == '__main__':
    con = consumer('C1')             # create a generator object
    con2 = consumer('C2')            # and another one
    producer()
