// Which source files a report embeds and a panel is sent: the program's own, never a library's, within the cap.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isProgramFile, pickSources, programFiles } from '../../trace/sources';
import { ROOT, fixtureStore } from './helpers';
import { sourcesElement } from '../../webview/page';

describe('replay sources', () => {
  it('keeps the program files and leaves out the standard library, site-packages and pseudo-files', () => {
    for (const f of ['/home/me/app/main.py', 'C:\\Users\\me\\app\\worker.py', '/srv/lib/pythonic/x.py']) assert.ok(isProgramFile(f), f);
    for (const f of [
      '/usr/lib/python3.11/asyncio/tasks.py',
      '/usr/lib/python3/dist-packages/gevent/hub.py',
      '/home/me/.venv/lib/python3.12/site-packages/greenlet/__init__.py',
      'C:\\Python311\\Lib\\threading.py',
      '<string>',
      '<frozen runpy>',
      '/home/me/app/data.txt',
      '/opt/coroscope/runtime/coroscope/core.py',
      'greenlet.py',
    ])
      assert.ok(!isProgramFile(f), f);
  });

  it('finds the files a real trace names', () => {
    const s = fixtureStore('lens-runtime-asyncio.jsonl');
    const files = programFiles(s);
    assert.ok(files.length >= 1, JSON.stringify(files));
    assert.ok(files.every(isProgramFile));
    assert.ok(!files.some((f) => f.includes('python3.')), 'no standard library file');
  });

  it('stops at the cap and says so', () => {
    const text = readFileSync(join(ROOT, 'examples/producer_consumer.py'), 'utf8');
    const read = (f: string) => (f === 'missing.py' ? undefined : text);
    const all = pickSources(['a.py', 'missing.py', 'b.py'], read);
    assert.deepEqual(
      all.files.map((f) => f.file),
      ['a.py', 'b.py'],
    );
    assert.equal(all.capped, false);
    const capped = pickSources(['a.py', 'b.py', 'c.py'], read, text.length * 2 + 1);
    assert.deepEqual(
      capped.files.map((f) => f.file),
      ['a.py', 'b.py'],
    );
    assert.equal(capped.capped, true);
  });
});

describe('report sources element', () => {
  it('embeds source text that cannot end the element, and reads back the same', () => {
    const text = "s = '</script><script>alert(1)</script>'\u2028\n";
    const el = sourcesElement([{ file: '/p/a.py', text }], true, 'n0nce');
    assert.match(el, /^<script type="application\/json" nonce="n0nce" id="coroscope-sources">/);
    const inner = el.slice(el.indexOf('>') + 1, el.lastIndexOf('</script>'));
    assert.ok(!inner.includes('<'), 'no < inside the element');
    assert.deepEqual(JSON.parse(inner), { files: [{ file: '/p/a.py', text }], capped: true });
  });
});
