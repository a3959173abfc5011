import { describe, expect, it } from 'vitest';
import { ZygoteLoop, type ZygoteDeps } from '../../src/lmtp/zygote.js';
import type { FromZygote } from '../../src/lmtp/zygote-protocol.js';

/** The zygote's loop with a scripted fork: `results` answers successive forks (a number is a pid, 'child' is this copy in the child, an Error is thrown). */
function zygote(results: Array<number | 'child' | Error>, reaped: Array<[number, number, number]> = []) {
  const sent: Array<{ m: FromZygote; fd?: number }> = [];
  const became: Array<[number, number]> = [];
  let forks = 0;
  const deps: ZygoteDeps = {
    fork: () => {
      const r = results[forks++];
      if (r === undefined) throw new Error('unexpected fork');
      if (r instanceof Error) throw r;
      return r === 'child' ? { pid: 0, self: 777, fd: 9 } : { pid: r, fd: 100 + r };
    },
    reap: () => reaped.splice(0),
    send: (m, fd) => sent.push(fd === undefined ? { m } : { m, fd }),
    becomeWorker: (pid, fd) => became.push([pid, fd]),
    signalName: (n) => (n === 9 ? 'SIGKILL' : null),
  };
  return { loop: new ZygoteLoop(deps), sent, became, forks: () => forks };
}

describe('the zygote loop', () => {
  it('forks one child at a time: the next only once the service holds the last one\'s socket', () => {
    const z = zygote([11, 12]);
    z.loop.handle({ t: 'fork', id: 1 });
    z.loop.handle({ t: 'fork', id: 2 });
    expect(z.sent).toEqual([{ m: { t: 'forked', id: 1, pid: 11 }, fd: 111 }]);
    // A stale or foreign acknowledgement does not release the queue.
    z.loop.handle({ t: 'took', id: 2 });
    expect(z.forks()).toBe(1);
    z.loop.handle({ t: 'took', id: 1 });
    expect(z.sent.map((s) => s.m)).toEqual([
      { t: 'forked', id: 1, pid: 11 },
      { t: 'forked', id: 2, pid: 12 },
    ]);
  });

  it('in the child, becomes the worker and answers nothing it had queued or is sent later', () => {
    const z = zygote(['child']);
    z.loop.handle({ t: 'fork', id: 1 });
    z.loop.handle({ t: 'fork', id: 2 });
    z.loop.handle({ t: 'took', id: 1 });
    z.loop.handle({ t: 'fork', id: 3 });
    z.loop.reaped();
    expect(z.became).toEqual([[777, 9]]);
    expect(z.forks()).toBe(1);
    expect(z.sent).toEqual([]);
  });

  it('reports a fork that failed and goes on with the next', () => {
    const z = zygote([new Error('fork: Resource temporarily unavailable'), 21]);
    z.loop.handle({ t: 'fork', id: 1 });
    z.loop.handle({ t: 'fork', id: 2 });
    expect(z.sent.map((s) => s.m)).toEqual([
      { t: 'fork-failed', id: 1, error: 'fork: Resource temporarily unavailable' },
      { t: 'forked', id: 2, pid: 21 },
    ]);
  });

  it('reports every reaped child with its exit code or signal', () => {
    const z = zygote([], [
      [31, 0, 0],
      [32, -1, 9],
    ]);
    z.loop.reaped();
    expect(z.sent.map((s) => s.m)).toEqual([
      { t: 'exited', pid: 31, code: 0, signal: null },
      { t: 'exited', pid: 32, code: null, signal: 'SIGKILL' },
    ]);
  });
});
