import { describe, expect, it } from 'vitest';
import type { UserEntry } from '../../src/deliver/userdb.js';
import { LMTP_DELIVERY_ID_BASE } from '../../src/limits.js';
import { WorkerLoop, type WorkerDeps } from '../../src/lmtp/worker.js';
import type { FromWorker } from '../../src/lmtp/worker-protocol.js';

const USER: UserEntry = { name: 'alice', uid: 5001, gid: 5001, dir: '/home/alice', shell: '/bin/sh' };

function loop(over: Partial<WorkerDeps> = {}) {
  const sent: FromWorker[] = [];
  const calls: string[] = [];
  const runs: { argv: readonly string[]; message: string; pid: number }[] = [];
  let ids = { uid: 0, gid: 0 };
  let exited: number | null = null;
  const deps: WorkerDeps = {
    send: (m) => sent.push(m),
    preload: () => calls.push('preload'),
    becomeUser: (u, groups) => {
      calls.push(`become ${u.name} ${groups.join(',')}`);
      ids = { uid: u.uid, gid: u.gid };
    },
    ids: () => ids,
    deliver: async (argv, message, run) => {
      runs.push({ argv, message: message.toString('latin1'), pid: run.pid });
      run.log.write('procmail: first\nprocmail: sec');
      run.log.write('ond\n');
      return 0;
    },
    fsyncMs: () => 0.25,
    pid: 77,
    exit: (code) => (exited = code),
    ...over,
  };
  return { w: new WorkerLoop(deps), sent, calls, runs, exited: () => exited };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('worker loop', () => {
  it('loads, then becomes the user, then says ready; assembles chunks and reports the delivery', async () => {
    const t = loop();
    t.w.handle({ t: 'init', user: USER, groups: [5001, 100] });
    expect(t.calls).toEqual(['preload', 'become alice 5001,100']);
    expect(t.sent).toEqual([{ t: 'ready', uid: 5001, gid: 5001 }]);
    t.w.handle({ t: 'deliver', id: 1, argv: ['-d', 'alice'], size: 6, data: Buffer.from('abc'), last: false });
    t.w.handle({ t: 'more', id: 1, data: Buffer.from('def'), last: true });
    await tick();
    expect(t.runs).toEqual([{ argv: ['-d', 'alice'], message: 'abcdef', pid: LMTP_DELIVERY_ID_BASE + 77 * 1000 }]);
    expect(t.sent[1]).toEqual({
      t: 'done',
      id: 1,
      result: { kind: 'finished', code: 0, disposition: null, rejectText: null, recipe: null, folder: null, fsyncMs: 0.25, log: ['procmail: first', 'procmail: second'] },
    });
    t.w.handle({ t: 'deliver', id: 2, argv: [], size: 1, data: Buffer.from('x'), last: true });
    await tick();
    expect(t.runs[1]!.pid).toBe(LMTP_DELIVERY_ID_BASE + 77 * 1000 + 1);
  });

  it('reports an init failure and exits, never delivering', () => {
    const t = loop({
      becomeUser: () => {
        throw new Error('EPERM');
      },
    });
    t.w.handle({ t: 'init', user: USER, groups: [] });
    expect(t.sent).toEqual([{ t: 'init-failed', error: 'EPERM' }]);
    expect(t.exited()).toBe(75);
  });

  it('refuses to report ready when the switch did not take', () => {
    const t = loop({ becomeUser: () => undefined });
    t.w.handle({ t: 'init', user: USER, groups: [] });
    expect(t.sent[0]).toMatchObject({ t: 'init-failed', error: 'still uid 0 gid 0' });
  });

  it('a message that arrives short is a tempfail, not a delivery', async () => {
    const t = loop();
    t.w.handle({ t: 'init', user: USER, groups: [] });
    t.w.handle({ t: 'deliver', id: 1, argv: [], size: 10, data: Buffer.from('abc'), last: true });
    await tick();
    expect(t.runs).toEqual([]);
    expect(t.sent[1]).toMatchObject({ t: 'done', result: { code: 75, log: ['worker: message arrived with 3 of 10 bytes'] } });
  });

  it('stop: exits at once when idle, after the delivery in hand otherwise', async () => {
    const idle = loop();
    idle.w.handle({ t: 'init', user: USER, groups: [] });
    idle.w.handle({ t: 'stop' });
    expect(idle.exited()).toBe(0);
    let finish: (n: number) => void = () => undefined;
    const busy = loop({ deliver: () => new Promise((r) => (finish = r)) });
    busy.w.handle({ t: 'init', user: USER, groups: [] });
    busy.w.handle({ t: 'deliver', id: 1, argv: [], size: 1, data: Buffer.from('x'), last: true });
    busy.w.handle({ t: 'stop' });
    expect(busy.exited()).toBe(null);
    finish(0);
    await tick();
    expect(busy.sent.at(-1)).toMatchObject({ t: 'done', id: 1 });
    expect(busy.exited()).toBe(0);
  });
});
