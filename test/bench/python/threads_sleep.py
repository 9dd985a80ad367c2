"""Threads that sleep in a loop with ordinary work between the sleeps (issue 16 point 5: every time.sleep is a
block/wake; on 3.11 the call sites are watched through the settrace hook, which this program needs for nothing else)."""
import json
import threading
import time


def item(k):
    return {"n": k, "name": "item%d" % k}


def work(i):
    doc = {"id": i, "items": [item(k) for k in range(20)]}
    text = json.dumps(doc)
    back = json.loads(text)
    return sum(x["n"] for x in back["items"]) + len(text)


def worker(n, out):
    for i in range(n):
        for j in range(20):
            out.append(work(i * 20 + j))
        time.sleep(0.001)


out = []
ts = [threading.Thread(target=worker, args=(100, out)) for _ in range(4)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(len(out))
