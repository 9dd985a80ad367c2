"""asyncio: tasks that sleep, talk through a queue, wait for each other,
and push blocking work to a thread."""
import asyncio
import time


async def producer(queue, n):
    for i in range(1, n + 1):
        await asyncio.sleep(0.01)          # pretend to wait for data
        await queue.put(i)
        print('produced', i)
    await queue.put(None)                  # tell the consumer we are done


async def consumer(queue):
    total = 0
    while True:
        item = await queue.get()           # wait for the producer
        if item is None:
            return total
        print('consumed', item)
        total += item


def slow_square(x):
    time.sleep(0.05)                       # blocking work, run in a thread
    return x * x


async def main():
    queue = asyncio.Queue()
    prod = asyncio.create_task(producer(queue, 3), name='producer')
    cons = asyncio.create_task(consumer(queue), name='consumer')
    total, _ = await asyncio.gather(cons, prod)   # wait for both tasks
    squared = await asyncio.to_thread(slow_square, 7)
    print('total', total, 'squared', squared)


asyncio.run(main())
