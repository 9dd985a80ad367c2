import * as assert from 'node:assert/strict';
import { constants } from 'node:os';
import { maskSignals, SIGIGN_ENV, takeShellIgnored } from '../../cli/shell-signals';

describe('signals the shell ignored (cli/shell-signals.ts)', () => {
  it('reads a /proc SigIgn mask: bit n-1 is signal n; SIGKILL and SIGSTOP never; a bad mask is none', () => {
    assert.deepEqual(maskSignals('0000000000000001'), [constants.signals.SIGHUP]);
    assert.deepEqual(maskSignals('0000000000000003\n'), [constants.signals.SIGHUP, constants.signals.SIGINT]);
    const kill = 1n << BigInt(constants.signals.SIGKILL - 1);
    assert.deepEqual(maskSignals(kill.toString(16)), []);
    assert.deepEqual(maskSignals('8000000000000000'), [64]);
    assert.deepEqual(maskSignals(''), []);
    assert.deepEqual(maskSignals('zz; rm -rf /'), []);
  });

  it('takes the variable out of the environment the script will get', () => {
    const env: NodeJS.ProcessEnv = { [SIGIGN_ENV]: '0000000000000001', HOME: '/root' };
    assert.deepEqual(takeShellIgnored(env), [constants.signals.SIGHUP]);
    assert.deepEqual(env, { HOME: '/root' });
    assert.deepEqual(takeShellIgnored({}), []);
  });
});
