import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { groupAlive, processAlive, stopGroup } from '../../session/kill';

/**
 * A process group like a script that started children: a Node leader with two
 * sleeping Node children (not shell `&` jobs, which ignore SIGINT by POSIX rule).
 * With `ignorePolite`, every process ignores SIGINT and SIGTERM.
 */
function spawnGroup(ignorePolite: boolean): Promise<{ leader: number; children: number[] }> {
  const ignore = ignorePolite ? "process.on('SIGINT',()=>{});process.on('SIGTERM',()=>{});" : '';
  // Each child says `r` once its handlers are installed; the leader prints the pids once both have.
  const sleeper = `${ignore}setInterval(()=>{},1000);process.stdout.write('r')`;
  const leader =
    `${ignore}const {spawn}=require('child_process');` +
    `const k=[0,1].map(()=>spawn(process.execPath,['-e',${JSON.stringify(sleeper)}],{stdio:['ignore','pipe','ignore']}));` +
    `let n=0;for(const c of k)c.stdout.once('data',()=>{if(++n===2)console.log(k.map(c=>c.pid).join(' '))});setInterval(()=>{},1000)`;
  const child = spawn(process.execPath, ['-e', leader], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /^(\d+) (\d+)\n/.exec(out);
      if (m) resolve({ leader: child.pid!, children: [Number(m[1]), Number(m[2])] });
    });
    child.on('error', reject);
  });
}

describe('run: stopping the whole process group', () => {
  before(function () {
    if (process.platform === 'win32') this.skip();
  });

  it('SIGINT ends a group that does not resist, children included', async () => {
    const g = await spawnGroup(false);
    for (const p of [g.leader, ...g.children]) assert.ok(processAlive(p), `${p} runs before Stop`);
    const steps: string[] = [];
    const last = await stopGroup(g.leader, { graceMs: 2000, onSignal: (s) => steps.push(s) });
    assert.equal(last, 'SIGINT');
    assert.deepEqual(steps, ['SIGINT']);
    assert.equal(groupAlive(g.leader), false);
    for (const p of g.children) assert.throws(() => process.kill(p, 0), `child ${p} is gone`);
  });

  it('escalates SIGINT → SIGTERM → SIGKILL when the program ignores the polite signals', async () => {
    const g = await spawnGroup(true);
    const steps: string[] = [];
    const last = await stopGroup(g.leader, { graceMs: 300, onSignal: (s) => steps.push(s) });
    assert.deepEqual(steps, ['SIGINT', 'SIGTERM', 'SIGKILL']);
    assert.equal(last, 'SIGKILL');
    for (const p of [g.leader, ...g.children]) assert.throws(() => process.kill(p, 0), `${p} is gone`);
  });

  it('does nothing for a group that has already gone', async () => {
    const g = await spawnGroup(false);
    await stopGroup(g.leader, { graceMs: 2000 });
    assert.equal(await stopGroup(g.leader), undefined);
  });
});
