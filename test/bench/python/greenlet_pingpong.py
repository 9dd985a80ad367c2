from greenlet import greenlet

def pong(*_):
    while True:
        main.switch()

main = greenlet.getcurrent()
p = greenlet(pong)
for i in range(100_000):
    p.switch(i)
