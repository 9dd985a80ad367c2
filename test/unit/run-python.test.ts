import * as assert from 'node:assert/strict';
import { discoverPython, versionOk, type ProbeResult } from '../../session/python';

/** A fake set of interpreters: command → version (or missing). */
function probes(table: Record<string, [number, number, number] | 'broken'>) {
  const asked: string[] = [];
  const probe = async (c: string): Promise<ProbeResult> => {
    asked.push(c);
    const v = table[c];
    if (v === undefined) return { ok: false, error: 'not found' };
    if (v === 'broken') return { ok: false, error: 'Segmentation fault' };
    return { ok: true, version: v };
  };
  return { probe, asked };
}

describe('run: python discovery', () => {
  it('uses coroscope.pythonPath first, without asking the Python extension', async () => {
    const p = probes({ '/opt/py/bin/python3': [3, 12, 1], python3: [3, 11, 0] });
    let askedExtension = false;
    const r = await discoverPython({
      setting: '/opt/py/bin/python3',
      selected: async () => {
        askedExtension = true;
        return '/venv/bin/python';
      },
      probe: p.probe,
    });
    assert.deepEqual(r, { ok: true, command: '/opt/py/bin/python3', version: [3, 12, 1], source: 'setting' });
    assert.equal(askedExtension, false);
  });

  it('reports a broken setting instead of silently using another Python', async () => {
    const p = probes({ python3: [3, 11, 0] });
    const r = await discoverPython({ setting: '/nope/python', selected: async () => undefined, probe: p.probe });
    assert.equal(r.ok, false);
    assert.ok(!r.ok && r.fix === 'setting' && r.message.includes('/nope/python') && r.message.includes('coroscope.pythonPath'));
    assert.deepEqual(p.asked, ['/nope/python']);
  });

  it('says which version is too old and what is needed', async () => {
    const p = probes({ '/usr/bin/python2': [2, 7, 18] });
    const r = await discoverPython({ setting: '/usr/bin/python2', selected: async () => undefined, probe: p.probe });
    assert.ok(!r.ok && r.message.includes('2.7.18') && r.message.includes('3.9'));
  });

  it('then the interpreter selected in the Python extension', async () => {
    const p = probes({ '/venv/bin/python': [3, 9, 2], python3: [3, 11, 0] });
    const r = await discoverPython({ setting: '', selected: async () => '/venv/bin/python', probe: p.probe });
    assert.deepEqual(r, { ok: true, command: '/venv/bin/python', version: [3, 9, 2], source: 'python-extension' });
  });

  it('falls back to PATH when the selected interpreter is gone or the extension throws', async () => {
    const p = probes({ python3: [3, 11, 7] });
    const gone = await discoverPython({ setting: '', selected: async () => '/deleted/venv/bin/python', probe: p.probe });
    assert.ok(gone.ok && gone.command === 'python3' && gone.source === 'path');
    const threw = await discoverPython({
      setting: '',
      selected: async () => {
        throw new Error('not installed');
      },
      probe: p.probe,
    });
    assert.ok(threw.ok && threw.command === 'python3');
  });

  it('tries python3 before python on PATH and skips a too-old python3', async () => {
    const both = probes({ python3: [3, 10, 0], python: [3, 12, 0] });
    const r1 = await discoverPython({ setting: '', selected: async () => undefined, probe: both.probe });
    assert.ok(r1.ok && r1.command === 'python3');
    const old3 = probes({ python3: [3, 6, 9], python: [3, 12, 0] });
    const r2 = await discoverPython({ setting: '', selected: async () => undefined, probe: old3.probe });
    assert.ok(r2.ok && r2.command === 'python');
    assert.deepEqual(old3.asked, ['python3', 'python']);
  });

  it('explains when nothing usable is found', async () => {
    const none = await discoverPython({ setting: '', selected: async () => undefined, probe: probes({}).probe });
    assert.ok(!none.ok && none.fix === 'install' && /python3 nor python/.test(none.message));
    const old = await discoverPython({ setting: '', selected: async () => undefined, probe: probes({ python3: [3, 7, 1], python: 'broken' }).probe });
    assert.ok(!old.ok && old.message.includes('python3 is 3.7.1'));
  });

  it('compares versions against 3.9', () => {
    assert.equal(versionOk([3, 9, 0]), true);
    assert.equal(versionOk([3, 8, 20]), false);
    assert.equal(versionOk([3, 15, 0]), true);
    assert.equal(versionOk([4, 0, 0]), true);
    assert.equal(versionOk([2, 7, 18]), false);
  });
});
