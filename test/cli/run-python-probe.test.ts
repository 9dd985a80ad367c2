// Python discovery's probe against real interpreters (a process each; the discovery order is unit-tested apart).
import * as assert from 'node:assert/strict';
import { probePython } from '../../session/python';

describe('run: probing a Python', () => {
  it('probes a real interpreter and a missing one', async () => {
    const real = await probePython('python3');
    assert.ok(real.ok, JSON.stringify(real));
    assert.ok(real.ok && real.version[0] === 3 && real.version[1] >= 8);
    const missing = await probePython('/definitely/not/python3');
    assert.deepEqual(missing, { ok: false, error: 'not found' });
  });
});
