import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { Duplex, PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { UserEntry } from '../../src/deliver/userdb.js';
import { frameOf } from '../../src/lmtp/frames.js';
import { SocketWorker } from '../../src/lmtp/socket-worker.js';
import type { WorkerChild } from '../../src/lmtp/worker-pool.js';
import type { FromZygote, ToZygote } from '../../src/lmtp/zygote-protocol.js';
import { zygoteStarter } from '../../src/lmtp/zygote-start.js';

const USER: UserEntry = { name: 'bob', uid: 1000, gid: 1000, dir: '/home/bob', shell: '/bin/sh' };

/** A zygote process as the starter sees it: what it was sent, and a way to answer. */
class FakeZygote extends EventEmitter {
  readonly sent: ToZygote[] = [];
  connected = true;
  constructor(readonly pid: number) {
    super();
  }
  send(m: ToZygote): boolean {
    this.sent.push(m);
    return true;
  }
  disconnect(): void {
    this.connected = false;
  }
  say(m: FromZygote, handle?: unknown): void {
    this.emit('message', m, handle);
  }
  die(signal: NodeJS.Signals): void {
    this.connected = false;
    this.emit('exit', null, signal);
  }
}

function setup() {
  const zygotes: FakeZygote[] = [];
  const fallbacks: string[] = [];
  const log: string[] = [];
  const killed: Array<[number, string]> = [];
  let now = 0;
  const starter = zygoteStarter({
    spawn: () => {
      const z = new FakeZygote(100 + zygotes.length);
      zygotes.push(z);
      return z as unknown as ChildProcess;
    },
    fallback: (u) => {
      fallbacks.push(u.name);
      return new EventEmitter() as unknown as WorkerChild;
    },
    worker: { maxFrameBytes: 1024, exitStatusMs: 60_000, kill: (pid, s) => (killed.push([pid, s]), true) },
    restartMs: 1000,
    now: () => now,
    log: (l) => log.push(l),
  });
  return { starter, zygotes, fallbacks, log, killed, tick: (ms: number) => (now += ms) };
}

function events(w: WorkerChild): string[] {
  const out: string[] = [];
  w.on('message', (m) => out.push(`message ${JSON.stringify(m)}`));
  w.on('exit', (code, signal) => out.push(`exit ${code} ${signal}`));
  w.on('error', (e) => out.push(`error ${e.message}`));
  return out;
}

describe('the zygote starter', () => {
  it('starts workers by plain fork until the zygote is ready, then asks the zygote and hands the pool its socket', async () => {
    const s = setup();
    expect(s.zygotes).toHaveLength(1);
    s.starter.fork(USER);
    expect(s.fallbacks).toEqual(['bob']);
    s.zygotes[0]!.say({ t: 'zygote-ready' });
    const w = s.starter.fork(USER);
    expect(w).toBeInstanceOf(SocketWorker);
    const seen = events(w);
    // Sent before the fork is answered: held, then written.
    const sent: Array<Error | null> = [];
    w.send({ t: 'stop' }, (e) => sent.push(e));
    expect(s.zygotes[0]!.sent).toEqual([{ t: 'fork', id: 1 }]);
    // The service's end of the socketpair: what the worker says comes in, what the service sends goes out.
    const [fromWorker, toWorker] = [new PassThrough(), new PassThrough()];
    const service = Duplex.from({ readable: fromWorker, writable: toWorker });
    const got: Buffer[] = [];
    toWorker.on('data', (d: Buffer) => got.push(d));
    s.zygotes[0]!.say({ t: 'forked', id: 1, pid: 555 }, service);
    expect(s.zygotes[0]!.sent).toEqual([{ t: 'fork', id: 1 }, { t: 'took', id: 1 }]);
    expect(w.pid).toBe(555);
    await new Promise((r) => setImmediate(r));
    expect(Buffer.concat(got).equals(frameOf({ t: 'stop' }))).toBe(true);
    expect(sent).toEqual([null]);
    // The worker's frames come out as messages.
    fromWorker.write(frameOf({ t: 'ready', uid: 1000, gid: 1000 }));
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual(['message {"t":"ready","uid":1000,"gid":1000}']);
    // Gone: its socket closed and its status reaped, in either order.
    service.destroy();
    await new Promise((r) => setImmediate(r));
    expect(seen).toHaveLength(1);
    s.zygotes[0]!.say({ t: 'exited', pid: 555, code: null, signal: 'SIGKILL' });
    expect(seen.at(-1)).toBe('exit null SIGKILL');
  });

  it('a kill asked for before the fork is answered reaches the worker once its pid is known; SIGKILL ends it for the pool at once', () => {
    const s = setup();
    s.zygotes[0]!.say({ t: 'zygote-ready' });
    const w = s.starter.fork(USER);
    const seen = events(w);
    w.kill('SIGTERM');
    expect(seen).toEqual([]);
    // The pool's start timeout: the zygote has not answered.
    w.kill('SIGKILL');
    expect(seen).toEqual(['error killed before the zygote started it', 'exit null null']);
    expect(s.killed).toEqual([]);
    s.zygotes[0]!.say({ t: 'forked', id: 1, pid: 556 }, new PassThrough());
    expect(s.killed).toEqual([[556, 'SIGKILL']]);
    expect(seen).toHaveLength(2);
  });

  it('without the addon, says so once and starts every worker by fork', () => {
    const s = setup();
    s.zygotes[0]!.say({ t: 'zygote-unavailable', error: 'dist/fcntl-lock.node: ENOENT' });
    s.zygotes[0]!.die('SIGTERM');
    s.tick(10_000);
    s.starter.fork(USER);
    s.starter.fork(USER);
    expect(s.fallbacks).toEqual(['bob', 'bob']);
    expect(s.zygotes).toHaveLength(1);
    expect(s.log).toEqual(['no zygote (dist/fcntl-lock.node: ENOENT): workers are started by fork']);
  });

  it('the zygote dying: a fork it had not answered fails, its workers live on without a status, and another is started no sooner than restartMs', async () => {
    const s = setup();
    const z = s.zygotes[0]!;
    z.say({ t: 'zygote-ready' });
    const live = s.starter.fork(USER);
    const liveEvents = events(live);
    const socket = new PassThrough();
    z.say({ t: 'forked', id: 1, pid: 600 }, socket);
    const waiting = s.starter.fork(USER);
    const waitingEvents = events(waiting);
    z.die('SIGKILL');
    expect(waitingEvents).toEqual(['error the zygote exited before it started the worker', 'exit null null']);
    expect(liveEvents).toEqual([]);
    socket.destroy();
    await new Promise((r) => setImmediate(r));
    expect(liveEvents).toEqual(['exit null null']);
    s.starter.fork(USER);
    expect(s.fallbacks).toEqual(['bob']);
    expect(s.zygotes).toHaveLength(1);
    s.tick(1000);
    s.starter.fork(USER);
    expect(s.zygotes).toHaveLength(2);
    expect(s.fallbacks).toEqual(['bob', 'bob']);
  });
});
