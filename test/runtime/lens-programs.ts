// Generated learner programs for the lens truth test (issue 17, point 5): from a seed, a program of one family
// (generators, greenlet, gevent, threads, processes, concurrent.futures, asyncio) with its counts, depths, sizes and
// primitives drawn at random, so the lenses are checked on shapes no example has. Deterministic per seed: a failure
// names its seed and the program text is in the message's file path.

/** mulberry32: a small seeded PRNG (the same programs on every machine). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const FAMILIES = ['generators', 'greenlet', 'gevent', 'threads', 'processes', 'futures', 'asyncio'] as const;
export type Family = (typeof FAMILIES)[number];

export interface Program {
  name: string;
  family: Family;
  text: string;
}

type Rand = { int: (lo: number, hi: number) => number; pick: <T>(xs: readonly T[]) => T; coin: () => boolean };

function rand(seed: number): Rand {
  const r = rng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  return { int, pick: (xs) => xs[int(0, xs.length - 1)], coin: () => r() < 0.5 };
}

function generators(R: Rand): string {
  const depth = R.int(1, 3);
  const n = R.int(1, 4);
  const lines = ['"""generated: generators with send, yield from (depth ' + depth + '), throw and close."""', '', ''];
  lines.push('def leaf(n):', '    got = 0', '    for i in range(n):', '        x = yield i', '        got += x or 0', '    return got', '', '');
  for (let d = 1; d < depth; d++) {
    const inner = d === 1 ? 'leaf' : `mid${d - 1}`;
    lines.push(`def mid${d}(n):`, `    r = yield from ${inner}(n)`, '    return r + 1', '', '');
  }
  const top = depth === 1 ? 'leaf' : `mid${depth - 1}`;
  lines.push(
    'def outer(n):',
    `    total = yield from ${top}(n)`,
    "    yield 'total %d' % total",
    '    try:',
    "        yield 'waiting'",
    '    except KeyError:',
    "        yield 'caught'",
    '',
    '',
  );
  lines.push('def unused():', '    yield 1', '', '');
  lines.push(`g = outer(${n})`, 'print(next(g))', `for k in range(${n}):`, '    print(g.send(k + 1))', 'print(next(g))');
  if (R.coin()) lines.push("print(g.throw(KeyError('k')))");
  lines.push('g.close()', `print(sum(leaf(${R.int(1, 3)})))`, '');
  return lines.join('\n');
}

function greenletProgram(R: Rand): string {
  const n = R.int(1, 5);
  return [
    '"""generated: greenlet ping-pong with values, then a throw."""',
    'from greenlet import greenlet, GreenletExit',
    '',
    '',
    'def ping(n):',
    '    while n > 0:',
    '        n = pong_g.switch(n - 1)',
    "    return 'ping done'",
    '',
    '',
    'def pong(n):',
    '    try:',
    '        while True:',
    '            n = ping_g.switch(n)',
    '    except GreenletExit:',
    "        return 'pong killed'",
    '',
    '',
    'ping_g = greenlet(ping)',
    'pong_g = greenlet(pong)',
    `print(ping_g.switch(${n}))`,
    'print(pong_g.throw(GreenletExit))',
    '',
  ].join('\n');
}

function geventProgram(R: Rand): string {
  const workers = R.int(1, 3);
  const items = R.int(1, 4);
  const monkey = R.coin();
  const join = R.pick(['joinall', 'join']);
  return [
    `"""generated: gevent spawn/${join}, a queue, an event, a semaphore${monkey ? ', monkey-patched sleep' : ''}."""`,
    ...(monkey ? ['from gevent import monkey', 'monkey.patch_all()', 'import time'] : []),
    'import gevent',
    'from gevent.queue import Queue',
    'from gevent.event import Event',
    'from gevent.lock import Semaphore',
    '',
    `q = Queue(maxsize=${R.int(0, 2)})`,
    'ev = Event()',
    'sem = Semaphore()',
    '',
    '',
    'def producer(n):',
    '    for i in range(n):',
    '        q.put(i)',
    `        ${monkey ? 'time.sleep(0.001)' : 'gevent.sleep(0.001)'}`,
    `    for _ in range(${workers}):`,
    '        q.put(None)',
    '',
    '',
    'def consumer():',
    '    got = []',
    '    while True:',
    '        item = q.get()',
    '        if item is None:',
    '            ev.set()',
    '            return got',
    '        with sem:',
    '            got.append(item)',
    '',
    '',
    'def watcher():',
    '    ev.wait()',
    "    return 'seen'",
    '',
    '',
    `gs = [gevent.spawn(producer, ${items}), gevent.spawn(watcher)] + [gevent.spawn(consumer) for _ in range(${workers})]`,
    ...(join === 'joinall' ? ['gevent.joinall(gs)'] : ['for g in gs:', '    g.join()']),
    'print([g.value for g in gs])',
    '',
  ].join('\n');
}

function threadsProgram(R: Rand): string {
  const workers = R.int(1, 3);
  const items = R.int(1, 5);
  return [
    '"""generated: threads with a queue, a lock, an event and joins."""',
    'import queue',
    'import threading',
    '',
    'lock = threading.Lock()',
    'ready = threading.Event()',
    `q = queue.Queue(maxsize=${R.int(0, 2)})`,
    'results = queue.Queue()',
    '',
    '',
    'def worker(name):',
    '    ready.wait()',
    '    while True:',
    '        item = q.get()',
    '        if item is None:',
    '            return',
    '        with lock:',
    '            results.put((name, item * 2))',
    '',
    '',
    `ts = [threading.Thread(target=worker, args=('w%d' % i,), name='worker-%d' % i) for i in range(${workers})]`,
    'for t in ts:',
    '    t.start()',
    'ready.set()',
    `for i in range(${items}):`,
    '    q.put(i)',
    'for _ in ts:',
    '    q.put(None)',
    'for t in ts:',
    '    t.join()',
    'while not results.empty():',
    '    print(results.get())',
    '',
  ].join('\n');
}

function processesProgram(R: Rand): string {
  const items = R.int(1, 4);
  const pool = R.int(1, 2);
  return [
    '"""generated: a Process feeding a Queue, a Pool map and apply_async."""',
    'import multiprocessing',
    '',
    '',
    'def child(q, n):',
    '    for i in range(n):',
    '        q.put(i * i)',
    '    q.put(None)',
    '',
    '',
    'def square(x):',
    '    return x * x',
    '',
    '',
    "if __name__ == '__main__':",
    '    q = multiprocessing.Queue()',
    `    p = multiprocessing.Process(target=child, args=(q, ${items}))`,
    '    p.start()',
    '    while True:',
    '        v = q.get()',
    '        if v is None:',
    '            break',
    '        print(v)',
    '    p.join()',
    `    with multiprocessing.Pool(${pool}) as pool:`,
    `        print(pool.map(square, range(${R.int(1, 4)})))`,
    `        r = pool.apply_async(square, (${R.int(2, 9)},))`,
    '        print(r.get())',
    '',
  ].join('\n');
}

function futuresProgram(R: Rand): string {
  const n = R.int(1, 4);
  const processes = R.coin();
  return [
    `"""generated: concurrent.futures submit and map (thread pool${processes ? ' and process pool' : ''})."""`,
    'import concurrent.futures',
    '',
    '',
    'def cube(x):',
    '    return x ** 3',
    '',
    '',
    'def half(x):',
    '    return x / 2',
    '',
    '',
    "if __name__ == '__main__':",
    `    with concurrent.futures.ThreadPoolExecutor(max_workers=${R.int(1, 3)}) as ex:`,
    `        fs = [ex.submit(cube, i) for i in range(${n})]`,
    '        print([f.result() for f in fs])',
    `        print(list(ex.map(half, range(${R.int(1, 4)}))))`,
    ...(processes
      ? [
          '    with concurrent.futures.ProcessPoolExecutor(max_workers=2) as ex:',
          `        print(list(ex.map(cube, range(${R.int(1, 4)}), chunksize=${R.int(1, 2)})))`,
        ]
      : []),
    '',
  ].join('\n');
}

function asyncioProgram(R: Rand): string {
  const n = R.int(1, 3);
  const items = R.int(1, 4);
  const nested = R.coin();
  return [
    '"""generated: asyncio gather, TaskGroup, wait_for, a queue, a lock, an event."""',
    'import asyncio',
    '',
    '',
    'async def fetch(n):',
    '    await asyncio.sleep(0.001 * n)',
    '    return n + 1',
    '',
    '',
    'async def work(n, lock):',
    '    async with lock:',
    `        ${nested ? 'v = await fetch(n)' : 'await asyncio.sleep(0.001 * n)'}`,
    '    return n * 2',
    '',
    '',
    'async def slow():',
    '    await asyncio.sleep(5)',
    '',
    '',
    'async def producer(q):',
    `    for i in range(${items}):`,
    '        await q.put(i)',
    '    await q.put(None)',
    '',
    '',
    'async def consumer(q, done):',
    '    while True:',
    '        item = await q.get()',
    '        if item is None:',
    '            done.set()',
    '            return',
    '',
    '',
    'async def main():',
    '    lock = asyncio.Lock()',
    `    print(await asyncio.gather(*[work(i, lock) for i in range(${n})]))`,
    '    async with asyncio.TaskGroup() as tg:',
    `        t1 = tg.create_task(work(${R.int(1, 3)}, lock))`,
    '        t2 = tg.create_task(fetch(1))',
    '    print(t1.result(), t2.result())',
    '    try:',
    '        await asyncio.wait_for(slow(), 0.01)',
    '    except asyncio.TimeoutError:',
    "        print('timed out')",
    `    q = asyncio.Queue(maxsize=${R.int(0, 2)})`,
    '    done = asyncio.Event()',
    '    asyncio.create_task(producer(q))',
    '    asyncio.create_task(consumer(q, done))',
    '    await done.wait()',
    '    print(await fetch(3))',
    '',
    '',
    'asyncio.run(main())',
    '',
  ].join('\n');
}

const MAKERS: Record<Family, (R: Rand) => string> = {
  generators,
  greenlet: greenletProgram,
  gevent: geventProgram,
  threads: threadsProgram,
  processes: processesProgram,
  futures: futuresProgram,
  asyncio: asyncioProgram,
};

/** `count` programs from `seed`: every family in turn, each with its own drawn shape. */
export function generatePrograms(seed: number, count: number): Program[] {
  const out: Program[] = [];
  for (let k = 0; k < count; k++) {
    const family = FAMILIES[k % FAMILIES.length];
    const s = seed * 1000 + k;
    out.push({ name: `gen_${family}_${s}`, family, text: MAKERS[family](rand(s)) });
  }
  return out;
}
