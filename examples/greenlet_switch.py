"""greenlet: two functions passing control back and forth with switch().

From the seed articles "Python's co-process" and "Python 3.x Learning note 17".
"""
from greenlet import greenlet


def test1():
    print(12)
    gr2.switch()        # jump into test2
    print(34)
    gr2.switch()


def test2():
    print(56)
    gr1.switch()        # back into test1, right after its switch()
    print(78)


gr1 = greenlet(test1)
gr2 = greenlet(test2)
gr1.switch()            # start test1

# switch() can carry values: the first switch passes the function's arguments
def adder(a, b):
    total = a + b
    extra = greenlet.getcurrent().parent.switch(total)   # hand the sum to main
    return total + extra


g = greenlet(adder)
print('sum:', g.switch(2, 3))
print('result:', g.switch(10))
