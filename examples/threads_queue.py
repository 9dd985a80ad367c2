"""Threads passing work through a queue.Queue."""
import queue
import threading
import time


def worker(name, q, results):
    while True:
        item = q.get()              # blocks until an item arrives
        if item is None:            # the signal to stop
            break
        time.sleep(0.01)            # pretend to work
        results.put((name, item * 2))


q = queue.Queue()
results = queue.Queue()
threads = [threading.Thread(target=worker, args=('w%d' % i, q, results), name='worker-%d' % i)
           for i in range(2)]
for t in threads:
    t.start()
for i in range(4):
    q.put(i)
for _ in threads:
    q.put(None)
for t in threads:
    t.join()
while not results.empty():
    print(results.get())
