"""Producer/consumer with a generator: the consumer is a coroutine driven by send().

From the seed article "Python gevent co-process" (Python 3 version).
"""


def consumer():
    r = ''
    while True:
        n = yield r          # receives what produce() sends, hands back r
        if not n:
            return
        print('[CONSUMER] Consuming %s...' % n)
        r = '200 OK'


def produce(c):
    c.send(None)             # start the generator: run it to the first yield
    n = 0
    while n < 5:
        n = n + 1
        print('[PRODUCER] Producing %s...' % n)
        r = c.send(n)        # switch to the consumer with n
        print('[PRODUCER] Consumer return: %s' % r)
    c.close()


if __name__ == '__main__':
    c = consumer()
    produce(c)
