class Res:  # a __del__ the program never runs: the old runtime ordered every flush once it was loaded
    def __del__(self):
        print("freed")


def echo():
    r = None
    while True:
        r = yield r

g = echo()
next(g)
for i in range(200_000):
    g.send(i)
