def echo():
    r = None
    while True:
        r = yield r

g = echo()
next(g)
for i in range(200_000):
    g.send(i)
