"""A realistic asyncio mix: tasks doing ordinary work between awaits."""
import asyncio
import json

def work(i):
    doc = {'id': i, 'items': [{'n': k, 'name': 'item%d' % k} for k in range(20)]}
    text = json.dumps(doc)
    back = json.loads(text)
    return sum(x['n'] for x in back['items']) + len(text)

async def worker(q, out):
    while True:
        i = await q.get()
        if i is None:
            return
        out.append(work(i))
        await asyncio.sleep(0)

async def main():
    q = asyncio.Queue()
    out = []
    ws = [asyncio.create_task(worker(q, out)) for _ in range(50)]
    for i in range(20_000):
        await q.put(i)
    for _ in ws:
        await q.put(None)
    await asyncio.gather(*ws)

asyncio.run(main())
