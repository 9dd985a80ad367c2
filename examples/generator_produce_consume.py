"""A producer generator appending to a shared list, driven with next()
(seed 000, Python 3)."""
import sys
import time


def produce(l):
    i = 0
    while 1:
        if i < 5:
            l.append(i)
            yield i
            i = i + 1
            time.sleep(0.1)
        else:
            return


def consume(l):
    p = produce(l)
    while 1:
        try:
            next(p)                  # run the producer to its next yield
            while len(l) > 0:
                print(l.pop())
        except StopIteration:
            sys.exit(0)


l = []
consume(l)
