import type { UserEntry } from '../deliver/userdb.js';
import type { DeliveryResult, FailedDelivery } from './delivery-result.js';
import type { SpooledMessage } from './spool.js';
import type { FromWorker, ToWorker } from './worker-protocol.js';

/**
 * The service's side of the user workers: per user, up to `perUser`
 * long-lived processes (forked as root, each becomes its user), each
 * running one delivery at a time; more recipients of that user queue for
 * them. A worker that dies, is killed or overruns the delivery timeout
 * fails only the delivery it was running (451 4.3.0 for that recipient)
 * and is replaced by a fresh one when the user next has mail. An idle
 * worker exits after `workerIdleMs`; at `maxWorkers` the longest-idle
 * worker of another user makes room.
 *
 * Messages reach workers in chunks read from the spool, a chunk at a time
 * per delivery (the next is read once the channel took the last), and at
 * most `maxBytesInDelivery` message bytes are being handed over or held by
 * workers at once (one delivery always may), so a big message to many
 * users costs the service one chunk per delivery, not the message.
 */
export interface WorkerChild {
  readonly pid?: number | undefined;
  send(message: ToWorker, callback: (error: Error | null) => void): boolean;
  kill(signal: NodeJS.Signals): boolean;
  on(event: 'message', listener: (message: FromWorker) => void): this;
  on(event: 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
}

export type ForkWorker = (user: UserEntry) => WorkerChild;

export interface PoolTimers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export const realTimers: PoolTimers = {
  set: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clear: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface PoolOptions {
  readonly fork: ForkWorker;
  readonly maxWorkers: number;
  readonly perUser: number;
  readonly workerIdleMs: number;
  /** The same for a user's workers beyond the first (they exist for bursts). */
  readonly extraWorkerIdleMs: number;
  readonly deliveryTimeoutMs: number;
  readonly startTimeoutMs: number;
  readonly exitGraceMs: number;
  readonly maxBytesInDelivery: number;
  readonly chunkBytes: number;
  /** Worker events worth a log line (started, exited, killed). */
  log(text: string): void;
  readonly timers?: PoolTimers;
}

export interface DeliveryJob {
  readonly user: UserEntry;
  /** The user's supplementary groups (read only when a worker is started). */
  readonly groups: () => readonly number[];
  /** The delivery agent's command line (`-t -f … -a … -d user`). */
  readonly argv: readonly string[];
  readonly message: SpooledMessage;
}

interface Queued {
  readonly job: DeliveryJob;
  readonly resolve: (r: DeliveryResult) => void;
}

type WorkerState = 'starting' | 'idle' | 'busy' | 'stopping' | 'dead';

class Worker {
  state: WorkerState = 'starting';
  current: (Queued & { id: number }) | null = null;
  /** Its delivery overran the timeout and it was asked to stop. */
  overran = false;
  timer: unknown = null;
  lastUsed = 0;
  constructor(
    readonly user: UserEntry,
    readonly child: WorkerChild,
  ) {}
}

export class WorkerPool {
  private readonly workers = new Set<Worker>();
  private readonly queues = new Map<string, Queued[]>();
  private readonly timers: PoolTimers;
  private bytesInDelivery = 0;
  private nextId = 1;
  private clock = 0;
  private closing = false;

  constructor(private readonly o: PoolOptions) {
    this.timers = o.timers ?? realTimers;
  }

  /** Live worker processes (starting, idle or busy). */
  get size(): number {
    let n = 0;
    for (const w of this.workers) if (w.state !== 'dead' && w.state !== 'stopping') n++;
    return n;
  }

  /** Process ids of the live workers, by user name. */
  pids(): Map<string, number[]> {
    const out = new Map<string, number[]>();
    for (const w of this.workers) {
      if (w.state === 'dead' || w.child.pid === undefined) continue;
      out.set(w.user.name, [...(out.get(w.user.name) ?? []), w.child.pid]);
    }
    return out;
  }

  deliver(job: DeliveryJob): Promise<DeliveryResult> {
    if (this.closing) return Promise.resolve(failed('shutdown', 'the service is shutting down'));
    job.message.hold();
    return new Promise((resolve) => {
      const q = this.queues.get(job.user.name) ?? [];
      q.push({
        job,
        resolve: (r) => {
          resolve(r);
        },
      });
      this.queues.set(job.user.name, q);
      this.pump(job.user.name);
    });
  }

  /** Finishes running deliveries, fails queued ones, and stops every worker; resolves when all have exited. */
  async shutdown(): Promise<void> {
    this.closing = true;
    for (const [, q] of this.queues) for (const item of q.splice(0)) this.fail(item, failed('shutdown', 'the service is shutting down'));
    const exits: Promise<void>[] = [];
    for (const w of this.workers) {
      if (w.state === 'dead') continue;
      exits.push(new Promise((r) => w.child.on('exit', () => r())));
      if (w.state !== 'busy') this.stop(w);
    }
    await Promise.all(exits);
  }

  private pump(userName: string): void {
    const q = this.queues.get(userName);
    if (q === undefined) return;
    while (q.length > 0) {
      const next = q[0]!;
      if (this.bytesInDelivery > 0 && this.bytesInDelivery + next.job.message.size > this.o.maxBytesInDelivery) break;
      const idle = this.find(userName, 'idle');
      if (idle === null) {
        this.maybeStart(next.job, q.length);
        break;
      }
      q.shift();
      this.start(idle, next);
    }
    if (q.length === 0) this.queues.delete(userName);
  }

  /** Every user's queue: after message bytes were freed, a waiting big message may go. */
  private pumpAll(): void {
    for (const name of [...this.queues.keys()]) this.pump(name);
  }

  private find(userName: string, state: WorkerState): Worker | null {
    let best: Worker | null = null;
    for (const w of this.workers) if (w.user.name === userName && w.state === state && (best === null || w.lastUsed > best.lastUsed)) best = w;
    return best;
  }

  private maybeStart(job: DeliveryJob, waiting: number): void {
    if (this.closing) return;
    let mine = 0;
    let starting = 0;
    for (const w of this.workers) {
      if (w.user.name !== job.user.name || w.state === 'dead' || w.state === 'stopping') continue;
      mine++;
      if (w.state === 'starting') starting++;
    }
    // One start at a time per user: a second worker is only worth its start-up once the first is busy.
    if (mine >= this.o.perUser || starting > 0 || waiting === 0) return;
    if (this.size >= this.o.maxWorkers && !this.evictIdle()) return;
    this.spawn(job.user, job.groups);
  }

  /** Stops the longest-idle worker to make room; false when every worker is busy. */
  private evictIdle(): boolean {
    let oldest: Worker | null = null;
    for (const w of this.workers) if (w.state === 'idle' && (oldest === null || w.lastUsed < oldest.lastUsed)) oldest = w;
    if (oldest === null) return false;
    this.stop(oldest);
    return true;
  }

  private spawn(user: UserEntry, groupsOf: () => readonly number[]): void {
    let child: WorkerChild;
    let groups: readonly number[];
    try {
      groups = groupsOf();
      child = this.o.fork(user);
    } catch (e) {
      this.o.log(`worker for ${user.name} could not be started: ${errorText(e)}`);
      this.failQueued(user.name, failed('start', `no worker: ${errorText(e)}`));
      return;
    }
    const w = new Worker(user, child);
    this.workers.add(w);
    child.on('message', (m) => this.onMessage(w, m));
    child.on('exit', (code, signal) => this.onExit(w, code, signal));
    child.on('error', (e) => {
      this.o.log(`worker ${child.pid ?? '?'} for ${user.name}: ${e.message}`);
      this.kill(w);
    });
    w.timer = this.timers.set(() => {
      this.o.log(`worker ${child.pid ?? '?'} for ${user.name} did not become ready in ${this.o.startTimeoutMs} ms`);
      this.kill(w);
    }, this.o.startTimeoutMs);
    this.send(w, { t: 'init', user, groups });
  }

  private onMessage(w: Worker, m: FromWorker): void {
    switch (m.t) {
      case 'ready':
        if (w.state !== 'starting') return;
        this.timers.clear(w.timer);
        // Logged now, not at the start: a worker forked by the zygote learns its pid on the way (zygote-start.ts).
        this.o.log(`worker ${w.child.pid ?? '?'} for ${w.user.name} ready (${this.size} running)`);
        this.becomeIdle(w);
        this.pump(w.user.name);
        return;
      case 'init-failed':
        this.o.log(`worker ${w.child.pid ?? '?'} for ${w.user.name} could not become the user: ${m.error}`);
        this.kill(w);
        return;
      case 'done': {
        const cur = w.current;
        if (cur === null || cur.id !== m.id) return;
        // Stopped after the timeout: stored before it stopped is stored; anything else is the timeout's failure.
        this.finish(w, w.overran && m.result.code !== 0 ? this.timedOut() : m.result);
        return;
      }
    }
  }

  private start(w: Worker, item: Queued): void {
    this.timers.clear(w.timer);
    const id = this.nextId++;
    w.state = 'busy';
    w.current = { ...item, id };
    const size = item.job.message.size;
    this.bytesInDelivery += size;
    w.timer = this.timers.set(() => this.overrun(w), this.o.deliveryTimeoutMs);
    void this.transfer(w, id, item.job);
  }

  /** Sends the message: first chunk with the job, the rest as the channel takes them. */
  private async transfer(w: Worker, id: number, job: DeliveryJob): Promise<void> {
    const { message } = job;
    // From a file, one buffer per transfer: the channel copies each chunk as it is sent (serialization: 'advanced').
    const buffer = message.inMemory ? undefined : Buffer.allocUnsafe(Math.min(this.o.chunkBytes, message.size));
    try {
      let offset = 0;
      do {
        const data = message.read(offset, this.o.chunkBytes, buffer);
        const last = offset + data.length >= message.size;
        const m: ToWorker = offset === 0 ? { t: 'deliver', id, argv: job.argv, size: message.size, data, last } : { t: 'more', id, data, last };
        offset += data.length;
        await new Promise<void>((resolve, reject) => {
          if (w.state !== 'busy' || w.current?.id !== id) return reject(new Error('worker gone'));
          this.send(w, m, (e) => (e === null ? resolve() : reject(e)));
        });
      } while (offset < message.size);
    } catch (e) {
      if (w.state === 'busy' && w.current?.id === id) this.abort(w, failed('spool', `message not handed over: ${errorText(e)}`));
    } finally {
      message.release();
    }
  }

  private finish(w: Worker, result: DeliveryResult): void {
    const cur = w.current;
    if (cur === null) return;
    w.current = null;
    this.timers.clear(w.timer);
    this.bytesInDelivery -= cur.job.message.size;
    cur.resolve(result);
    if (w.state === 'busy') {
      this.becomeIdle(w);
      if (this.closing) this.stop(w);
    } else if (w.overran) {
      // It was told to stop after this delivery: killed if it lingers.
      w.timer = this.timers.set(() => this.kill(w), this.o.exitGraceMs);
    }
    this.pump(w.user.name);
    this.pumpAll();
  }

  /**
   * A delivery ran past the timeout: SIGTERM asks the worker to stop it the
   * way the delivery agent stops on an MTA's SIGTERM (the write in progress
   * taken back, its programs ended) and report; a worker that does not
   * answer within the grace is killed. Either way it gets no more work.
   */
  private overrun(w: Worker): void {
    this.o.log(`worker ${w.child.pid ?? '?'} for ${w.user.name}: delivery ran over ${duration(this.o.deliveryTimeoutMs)}, stopping it`);
    w.overran = true;
    w.state = 'stopping';
    try {
      w.child.kill('SIGTERM');
    } catch {
      // gone already: its exit fails the delivery
    }
    w.timer = this.timers.set(() => this.abort(w, this.timedOut()), this.o.exitGraceMs);
  }

  private timedOut(): FailedDelivery {
    return failed('timeout', `delivery took longer than ${duration(this.o.deliveryTimeoutMs)}`);
  }

  /** Fails the running delivery and kills its worker, which is never given another. */
  private abort(w: Worker, result: DeliveryResult): void {
    w.state = 'stopping';
    this.finish(w, result);
    this.kill(w);
  }

  private becomeIdle(w: Worker): void {
    w.state = 'idle';
    w.lastUsed = ++this.clock;
    // The user's other idle workers that have waited longer go first; the last one keeps the long wait.
    let others = 0;
    for (const o of this.workers) if (o !== w && o.user.name === w.user.name && o.state !== 'dead' && o.state !== 'stopping') others++;
    w.timer = this.timers.set(() => this.stop(w), others > 0 ? Math.min(this.o.extraWorkerIdleMs, this.o.workerIdleMs) : this.o.workerIdleMs);
  }

  /** Asks a worker to exit (after its current delivery), killing it if it takes too long. */
  private stop(w: Worker): void {
    if (w.state === 'dead' || w.state === 'stopping') return;
    this.timers.clear(w.timer);
    w.state = 'stopping';
    // A user's last worker left idle waits the full --worker-idle.
    const last = [...this.workers].filter((o) => o.user.name === w.user.name && o.state === 'idle');
    if (last.length === 1) {
      const keep = last[0]!;
      this.timers.clear(keep.timer);
      keep.timer = this.timers.set(() => this.stop(keep), this.o.workerIdleMs);
    }
    this.send(w, { t: 'stop' });
    w.timer = this.timers.set(() => this.kill(w), this.o.exitGraceMs);
  }

  private kill(w: Worker): void {
    if (w.state === 'dead') return;
    try {
      w.child.kill('SIGKILL');
    } catch {
      // already gone
    }
    if (w.state === 'starting') w.state = 'stopping';
  }

  private onExit(w: Worker, code: number | null, signal: NodeJS.Signals | null): void {
    const wasStarting = w.state === 'starting' || (w.state === 'stopping' && w.lastUsed === 0);
    w.state = 'dead';
    this.timers.clear(w.timer);
    this.workers.delete(w);
    const how = signal !== null ? `signal ${signal}` : `exit code ${code}`;
    if (w.current !== null) {
      this.o.log(`worker ${w.child.pid ?? '?'} for ${w.user.name} died during a delivery (${how})`);
      const cur = w.current;
      w.current = null;
      this.bytesInDelivery -= cur.job.message.size;
      cur.resolve(w.overran ? this.timedOut() : failed('crashed', `delivery interrupted (worker ${how})`));
    }
    if (wasStarting && !this.closing) {
      // It never got ready: a user it cannot become would fail every retry the same way.
      const others = [...this.workers].some((o) => o.user.name === w.user.name && o.state !== 'dead');
      if (!others) this.failQueued(w.user.name, failed('start', `no worker for ${w.user.name} (${how})`));
    }
    this.pump(w.user.name);
    this.pumpAll();
  }

  private failQueued(userName: string, r: FailedDelivery): void {
    const q = this.queues.get(userName);
    if (q === undefined) return;
    this.queues.delete(userName);
    for (const item of q) this.fail(item, r);
  }

  private fail(item: Queued, r: FailedDelivery): void {
    item.job.message.release();
    item.resolve(r);
  }

  private send(w: Worker, m: ToWorker, done: (e: Error | null) => void = () => undefined): void {
    try {
      w.child.send(m, (e) => done(e ?? null));
    } catch (e) {
      done(e instanceof Error ? e : new Error(String(e)));
    }
  }
}

function failed(why: FailedDelivery['why'], detail: string): FailedDelivery {
  return { kind: 'failed', why, detail };
}

const duration = (ms: number): string => (ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`);

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));
