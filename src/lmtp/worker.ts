import type { TextSink } from '../deliver/seams.js';
import type { UserEntry } from '../deliver/userdb.js';
import type { DeliveryWatch } from '../deliver/watch.js';
import { LMTP_DELIVERY_ID_BASE, LMTP_DELIVERY_IDS_PER_WORKER } from '../limits.js';
import { EX_TEMPFAIL } from '../sysexits.js';
import { DeliveryRecord } from './delivery-record.js';
import type { FinishedDelivery } from './delivery-result.js';
import type { DeliverMessage, FromWorker, ToWorker } from './worker-protocol.js';

/**
 * A user's worker process (the service forks it as root, one or a few per
 * user): it loads everything it will need, becomes the user (groups, gid,
 * uid, in the main thread, before any of the user's files is read), and
 * then runs one delivery at a time, each exactly `mailrules -t -d USER`
 * through the delivery agent's own code, with the message it is sent in
 * place of stdin. Between deliveries it stays warm: compiled rc files,
 * list indexes and V8's compiled code are kept.
 *
 * Everything process-specific comes in through WorkerDeps, so the loop is
 * tested without forking.
 */
export interface WorkerDeps {
  send(message: FromWorker): void;
  /** Loads, as root, what the deliveries will need once we are the user (the fcntl addon). */
  preload(): void;
  /** setgroups, setgid, setuid, in that order; throws when any fails. */
  becomeUser(user: UserEntry, groups: readonly number[]): void;
  /** Our ids now, to check that the switch took. */
  ids(): { uid: number; gid: number };
  /**
   * Runs the delivery agent (src/deliver/command-line.ts `deliverFromCommandLine(argv, io)`) with `message` as
   * its stdin, `log` as its stderr, `watch` looking on, and `pid` standing
   * in for the process id; resolves to its exit status.
   */
  deliver(argv: readonly string[], message: Buffer, run: { log: TextSink; watch: DeliveryWatch; pid: number }): Promise<number>;
  /** Milliseconds the last delivery spent in fsync(2) (fsync-timer.ts), for the log line. */
  fsyncMs(): number;
  readonly pid: number;
  exit(code: number): void;
}

export class WorkerLoop {
  private user: UserEntry | null = null;
  private current: { job: DeliverMessage; chunks: Buffer[]; received: number } | null = null;
  private running = false;
  private stopping = false;
  private serial = 0;

  constructor(private readonly deps: WorkerDeps) {}

  handle(message: ToWorker): void {
    switch (message.t) {
      case 'init':
        return this.init(message.user, message.groups);
      case 'deliver':
        if (this.user === null || this.current !== null || this.running) throw new Error('delivery out of turn');
        this.current = { job: message, chunks: [], received: 0 };
        return this.more(message.data, message.last);
      case 'more':
        if (this.current === null || this.current.job.id !== message.id) throw new Error('message data out of turn');
        return this.more(message.data, message.last);
      case 'stop':
        this.stopping = true;
        if (!this.running && this.current === null) this.deps.exit(0);
        return;
    }
  }

  private init(user: UserEntry, groups: readonly number[]): void {
    try {
      this.deps.preload();
      this.deps.becomeUser(user, groups);
      const ids = this.deps.ids();
      if (ids.uid !== user.uid || ids.gid !== user.gid) throw new Error(`still uid ${ids.uid} gid ${ids.gid}`);
    } catch (e) {
      this.deps.send({ t: 'init-failed', error: e instanceof Error ? e.message : String(e) });
      this.deps.exit(EX_TEMPFAIL);
      return;
    }
    this.user = user;
    this.deps.send({ t: 'ready', uid: user.uid, gid: user.gid });
  }

  private more(data: Uint8Array, last: boolean): void {
    const cur = this.current!;
    const chunk = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    cur.chunks.push(chunk);
    cur.received += chunk.length;
    if (!last) return;
    this.current = null;
    const message = cur.chunks.length === 1 ? cur.chunks[0]! : Buffer.concat(cur.chunks, cur.received);
    void this.run(cur.job, message);
  }

  private async run(job: DeliverMessage, message: Buffer): Promise<void> {
    this.running = true;
    const record = new DeliveryRecord();
    const log: string[] = [];
    let pending = '';
    const sink: TextSink = {
      write: (chunk) => {
        pending += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('latin1');
        const lines = pending.split('\n');
        pending = lines.pop()!;
        log.push(...lines);
      },
    };
    let code: number;
    try {
      if (message.length !== job.size) throw new Error(`message arrived with ${message.length} of ${job.size} bytes`);
      code = await this.deps.deliver(job.argv, message, { log: sink, watch: record, pid: this.deliveryId() });
    } catch (e) {
      log.push(`worker: ${e instanceof Error ? e.message : String(e)}`);
      code = EX_TEMPFAIL;
    }
    if (pending !== '') log.push(pending);
    const outcome = record.outcome;
    const result: FinishedDelivery = {
      kind: 'finished',
      code,
      disposition: outcome?.disposition ?? null,
      rejectText: outcome?.disposition === 'rejected' ? outcome.stderr : null,
      recipe: record.recipe,
      folder: record.folder,
      fsyncMs: this.deps.fsyncMs(),
      log,
    };
    this.running = false;
    this.deps.send({ t: 'done', id: job.id, result });
    if (this.stopping) this.deps.exit(0);
  }

  /** A number above any pid, different for each delivery of each worker (LMTP_DELIVERY_ID_BASE). */
  private deliveryId(): number {
    const n = this.serial++ % LMTP_DELIVERY_IDS_PER_WORKER;
    return LMTP_DELIVERY_ID_BASE + this.deps.pid * LMTP_DELIVERY_IDS_PER_WORKER + n;
  }
}
