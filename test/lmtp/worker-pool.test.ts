import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { UserEntry } from '../../src/deliver/userdb.js';
import type { DeliveryResult } from '../../src/lmtp/delivery-result.js';
import { SpoolDirectory, type SpooledMessage } from '../../src/lmtp/spool.js';
import { WorkerPool, type PoolOptions, type PoolTimers, type WorkerChild } from '../../src/lmtp/worker-pool.js';
import type { FromWorker, ToWorker } from '../../src/lmtp/worker-protocol.js';
import { tempDir } from '../deliver/helpers.js';

/** A worker process played in memory: it records what it is sent, and the test says when it is ready, done or dead. */
class FakeChild extends EventEmitter implements WorkerChild {
  static next = 1000;
  readonly pid = FakeChild.next++;
  readonly got: ToWorker[] = [];
  killed: string | null = null;
  constructor(readonly user: UserEntry) {
    super();
  }
  send(m: ToWorker, cb: (e: Error | null) => void): boolean {
    if (this.killed !== null) {
      queueMicrotask(() => cb(new Error('channel closed')));
      return false;
    }
    this.got.push(m);
    queueMicrotask(() => cb(null));
    if (m.t === 'stop') queueMicrotask(() => this.die(0, null));
    return true;
  }
  kill(signal: NodeJS.Signals): boolean {
    if (this.killed !== null) return false;
    this.killed = signal;
    queueMicrotask(() => this.die(null, signal));
    return true;
  }
  ready(): void {
    this.emit('message', { t: 'ready', uid: this.user.uid, gid: this.user.gid } satisfies FromWorker);
  }
  /** Message bytes received for the delivery running now. */
  bytes(): number {
    return this.got.filter((m) => m.t === 'deliver' || m.t === 'more').reduce((n, m) => n + (m as { data: Uint8Array }).data.length, 0);
  }
  lastJob(): number {
    const d = this.got.filter((m) => m.t === 'deliver');
    return (d.at(-1) as { id: number }).id;
  }
  done(code = 0): void {
    this.emit('message', {
      t: 'done',
      id: this.lastJob(),
      result: { kind: 'finished', code, disposition: 'delivered', rejectText: null, recipe: 'rc:1', folder: 'x', fsyncMs: 0, log: [] },
    } satisfies FromWorker);
  }
  private die(code: number | null, signal: NodeJS.Signals | null): void {
    this.emit('exit', code, signal);
  }
}

/** Timers the test fires by hand. */
class ManualTimers implements PoolTimers {
  private n = 0;
  readonly pending = new Map<number, { fn: () => void; ms: number }>();
  set(fn: () => void, ms: number): unknown {
    const id = ++this.n;
    this.pending.set(id, { fn, ms });
    return id;
  }
  clear(h: unknown): void {
    this.pending.delete(h as number);
  }
  /** Fires every pending timer set for `ms`. */
  fire(ms: number): void {
    for (const [id, t] of [...this.pending]) {
      // One cleared by an earlier timer of this round does not fire.
      if (t.ms !== ms || !this.pending.has(id)) continue;
      this.pending.delete(id);
      t.fn();
    }
  }
}

const user = (name: string, uid: number): UserEntry => ({ name, uid, gid: uid, dir: '/nonexistent', shell: '/bin/sh' });
const ALICE = user('alice', 5001);
const BOB = user('bob', 5002);
const tick = () => new Promise((r) => setImmediate(r));

function setup(over: Partial<PoolOptions> = {}) {
  const children: FakeChild[] = [];
  const timers = new ManualTimers();
  const logs: string[] = [];
  const pool = new WorkerPool({
    fork: (u) => {
      const c = new FakeChild(u);
      children.push(c);
      return c;
    },
    maxWorkers: 8,
    perUser: 2,
    workerIdleMs: 111,
    extraWorkerIdleMs: 55,
    deliveryTimeoutMs: 222,
    startTimeoutMs: 333,
    exitGraceMs: 444,
    maxBytesInDelivery: 1_000_000,
    chunkBytes: 100,
    log: (t) => logs.push(t),
    timers,
    ...over,
  });
  const spool = new SpoolDirectory(tempDir(), fs, process.pid, over.maxBytesInDelivery === 300 ? 0 : 1000);
  const message = (text: string): SpooledMessage => {
    const s = spool.open();
    s.write(Buffer.from(text));
    return s.finish();
  };
  const deliver = (u: UserEntry, m: SpooledMessage): Promise<DeliveryResult> => pool.deliver({ user: u, groups: () => [u.gid], argv: ['-d', u.name], message: m });
  return { pool, children, timers, logs, message, deliver };
}

describe('worker pool', () => {
  it('starts a worker for the user, hands it the message in chunks, and keeps it warm for the next', async () => {
    const { children, message, deliver } = setup();
    const text = 'x'.repeat(250);
    const r1 = deliver(ALICE, message(text));
    await tick();
    expect(children).toHaveLength(1);
    expect(children[0]!.got[0]).toMatchObject({ t: 'init', user: ALICE, groups: [5001] });
    children[0]!.ready();
    await tick();
    expect(children[0]!.got.map((m) => m.t)).toEqual(['init', 'deliver', 'more', 'more']);
    expect(children[0]!.bytes()).toBe(250);
    children[0]!.done();
    expect(await r1).toMatchObject({ kind: 'finished', code: 0 });
    const r2 = deliver(ALICE, message('again'));
    await tick();
    expect(children).toHaveLength(1);
    children[0]!.done();
    expect(await r2).toMatchObject({ kind: 'finished' });
  });

  it('a worker killed during a delivery fails that delivery only, and is replaced', async () => {
    const { children, message, deliver } = setup({ perUser: 1 });
    const a1 = deliver(ALICE, message('one'));
    const a2 = deliver(ALICE, message('two'));
    const b1 = deliver(BOB, message('three'));
    await tick();
    for (const c of children) c.ready();
    await tick();
    const alice = children.find((c) => c.user === ALICE)!;
    alice.kill('SIGKILL');
    const bob = children.find((c) => c.user === BOB)!;
    bob.done();
    expect(await a1).toEqual({ kind: 'failed', why: 'crashed', detail: 'delivery interrupted (worker signal SIGKILL)' });
    expect(await b1).toMatchObject({ kind: 'finished', code: 0 });
    await tick();
    // Alice's second delivery goes to a fresh worker.
    const fresh = children.filter((c) => c.user === ALICE);
    expect(fresh).toHaveLength(2);
    fresh[1]!.ready();
    await tick();
    fresh[1]!.done();
    expect(await a2).toMatchObject({ kind: 'finished', code: 0 });
  });

  it('stops a worker whose delivery overruns the timeout (SIGTERM), killing it when it does not answer', async () => {
    const { children, timers, message, deliver } = setup();
    const r = deliver(ALICE, message('slow'));
    await tick();
    children[0]!.ready();
    await tick();
    // A worker that ignores SIGTERM (hung): killed after the grace.
    children[0]!.kill = function (signal) {
      if (signal === 'SIGTERM') return true;
      return FakeChild.prototype.kill.call(this, signal);
    };
    timers.fire(222);
    timers.fire(444);
    expect(await r).toEqual({ kind: 'failed', why: 'timeout', detail: 'delivery took longer than 222 ms' });
    expect(children[0]!.killed).toBe('SIGKILL');
  });

  it('a delivery stopped after the timeout counts as stored only when its worker says so', async () => {
    const { children, timers, message, deliver } = setup();
    const stored = deliver(ALICE, message('stored before the stop'));
    await tick();
    children[0]!.ready();
    await tick();
    children[0]!.kill = () => true;
    timers.fire(222);
    children[0]!.done(0);
    expect(await stored).toMatchObject({ kind: 'finished', code: 0 });
    const other = deliver(ALICE, message('next'));
    await tick();
    // The stopped worker gets no more work: a new one starts.
    expect(children).toHaveLength(2);
    children[1]!.ready();
    await tick();
    children[1]!.kill = () => true;
    timers.fire(222);
    children[1]!.done(75);
    expect(await other).toEqual({ kind: 'failed', why: 'timeout', detail: 'delivery took longer than 222 ms' });
  });

  it('fails the queued deliveries of a user whose worker cannot start, without retrying forever', async () => {
    const { children, logs, message, deliver, pool } = setup();
    const r1 = deliver(ALICE, message('a'));
    const r2 = deliver(ALICE, message('b'));
    await tick();
    children[0]!.emit('message', { t: 'init-failed', error: 'EPERM setuid' });
    expect(await r1).toMatchObject({ kind: 'failed', why: 'start' });
    expect(await r2).toMatchObject({ kind: 'failed', why: 'start' });
    expect(children).toHaveLength(1);
    expect(pool.size).toBe(0);
    expect(logs.join('\n')).toContain('could not become the user: EPERM setuid');
  });

  it('a worker that never says ready is killed after the start timeout', async () => {
    const { children, timers, message, deliver } = setup();
    const r = deliver(ALICE, message('a'));
    await tick();
    timers.fire(333);
    expect(children[0]!.killed).toBe('SIGKILL');
    expect(await r).toMatchObject({ kind: 'failed', why: 'start' });
  });

  it('stops idle workers after --worker-idle, and evicts the longest idle at --max-workers', async () => {
    const { children, timers, message, deliver, pool } = setup({ maxWorkers: 2 });
    for (const u of [ALICE, BOB]) {
      const r = deliver(u, message('m'));
      await tick();
      children.at(-1)!.ready();
      await tick();
      children.at(-1)!.done();
      await r;
    }
    expect(pool.size).toBe(2);
    const carol = user('carol', 5003);
    const r = deliver(carol, message('m'));
    await tick();
    // Alice's worker, idle longest, was asked to stop to make room.
    expect(children[0]!.got.at(-1)).toEqual({ t: 'stop' });
    expect(children).toHaveLength(3);
    children[2]!.ready();
    await tick();
    children[2]!.done();
    await r;
    timers.fire(111);
    await tick();
    expect(pool.size).toBe(0);
  });

  it('runs at most perUser workers for one user; more deliveries queue for them', async () => {
    const { children, message, deliver } = setup({ perUser: 2 });
    const rs = [1, 2, 3, 4].map((i) => deliver(ALICE, message(`m${i}`)));
    await tick();
    expect(children).toHaveLength(1);
    children[0]!.ready();
    await tick();
    // The first is busy with more waiting: a second starts.
    expect(children).toHaveLength(2);
    children[1]!.ready();
    await tick();
    expect(children).toHaveLength(2);
    children[0]!.done();
    children[1]!.done();
    await tick();
    children[0]!.done();
    children[1]!.done();
    expect((await Promise.all(rs)).map((r) => r.kind)).toEqual(['finished', 'finished', 'finished', 'finished']);
  });

  it("a user's extra workers leave after a short idle time; the last one waits --worker-idle", async () => {
    const { children, timers, message, deliver, pool } = setup({ perUser: 2 });
    const rs = [deliver(ALICE, message('a')), deliver(ALICE, message('b'))];
    await tick();
    children[0]!.ready();
    await tick();
    children[1]!.ready();
    await tick();
    children[0]!.done();
    children[1]!.done();
    await Promise.all(rs);
    expect(pool.size).toBe(2);
    timers.fire(55);
    await tick();
    expect(pool.size).toBe(1);
    timers.fire(55);
    await tick();
    expect(pool.size).toBe(1);
    timers.fire(111);
    await tick();
    expect(pool.size).toBe(0);
  });

  it('holds message bytes in delivery under the limit: a big message waits for the one before it', async () => {
    const { children, message, deliver } = setup({ maxBytesInDelivery: 300 });
    const big = 'b'.repeat(200);
    const r1 = deliver(ALICE, message(big));
    const r2 = deliver(BOB, message(big));
    await tick();
    for (const c of children) c.ready();
    await tick();
    const [a, b] = [children.find((c) => c.user === ALICE)!, children.find((c) => c.user === BOB)!];
    expect(a.bytes()).toBe(200);
    expect(b.bytes()).toBe(0);
    a.done();
    await r1;
    await tick();
    expect(b.bytes()).toBe(200);
    b.done();
    await r2;
  });

  it('shutdown fails what is queued, lets running deliveries finish, and stops every worker', async () => {
    const { children, message, deliver, pool } = setup({ perUser: 1 });
    const r1 = deliver(ALICE, message('a'));
    const r2 = deliver(ALICE, message('b'));
    await tick();
    children[0]!.ready();
    await tick();
    const stopped = pool.shutdown();
    expect(await r2).toMatchObject({ kind: 'failed', why: 'shutdown' });
    children[0]!.done();
    expect(await r1).toMatchObject({ kind: 'finished' });
    await stopped;
    expect(children[0]!.got.at(-1)).toEqual({ t: 'stop' });
    expect(await deliver(BOB, message('late'))).toMatchObject({ kind: 'failed', why: 'shutdown' });
  });
});
