import * as net from 'node:net';
import type { Readable, Writable } from 'node:stream';
import type { TextSink } from '../deliver/seams.js';
import type { UserDb, UserEntry } from '../deliver/userdb.js';
import {
  LMTP_EXTRA_WORKER_IDLE_MS,
  LMTP_MAX_BYTES_IN_DELIVERY,
  LMTP_SPOOL_CHUNK_BYTES,
  LMTP_SPOOL_MEMORY_BYTES,
  LMTP_WORKER_EXIT_GRACE_MS,
  LMTP_WORKER_START_TIMEOUT_MS,
  LMTP_WORKERS_PER_USER,
} from '../limits.js';
import { connect, type Connection } from './connection.js';
import { DeliveryHost } from './delivery-host.js';
import { describeListen, listenOn, listenSpecs, type ListenSpec } from './listeners.js';
import { RecipientDirectory, type LocalRecipient } from './recipients.js';
import { closingBusy, closingShutdown } from './replies.js';
import { formatReply } from './reply.js';
import { serviceLog, type ServiceLog } from './service-log.js';
import { Session } from './session.js';
import { SpoolDirectory, type SpooledMessage, type SpoolFs } from './spool.js';
import { WorkerPool, type ForkWorker } from './worker-pool.js';

/**
 * `mailrules lmtp`: listeners, sessions, the spool and the user workers,
 * put together. It starts as root, listens where it is told (or on
 * systemd's sockets, or on stdin/stdout with --stdio), and runs until
 * SIGTERM or SIGINT, which drains it: transactions in progress finish,
 * idle and new connections are answered 421, workers finish their
 * delivery and exit, then the service exits.
 */
/** The system mail spool, where ORGMAIL lives (the delivery agent's default). */
const MAIL_SPOOL = '/var/mail';

export interface ServiceOptions {
  readonly listen: readonly string[];
  readonly stdio: boolean;
  readonly maxConnections: number;
  readonly userConcurrency: number;
  readonly maxRecipients: number;
  readonly maxSize: number;
  readonly idleTimeoutMs: number;
  readonly workerIdleMs: number;
  readonly deliveryTimeoutMs: number;
  readonly maxWorkers: number;
  /** --user: deliver every recipient as this user. */
  readonly user: string | null;
  readonly socketGroup: string | null;
  readonly socketMode: number;
  /** Where DATA is spooled; a private directory under tmpdir when null. */
  readonly spoolDir: string | null;
  readonly recipientDelimiter: string;
  readonly verbose: boolean;
  readonly hostname: string;
}

export type ServiceFs = SpoolFs &
  Pick<typeof import('node:fs'), 'mkdtempSync' | 'mkdirSync' | 'rmdirSync' | 'lstatSync' | 'chmodSync' | 'chownSync' | 'readFileSync' | 'statSync'>;

export interface ServiceDeps {
  readonly fs: ServiceFs;
  readonly userdb: UserDb;
  readonly fork: ForkWorker;
  readonly uid: number;
  readonly pid: number;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stderr: TextSink;
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly tmpdir: string;
  now(): number;
}

export class LmtpService {
  /** Where it listens, as logged (`127.0.0.1:2424`, `unix:/run/…`). */
  readonly addresses: string[] = [];
  readonly finished: Promise<void>;
  readonly pool: WorkerPool;
  private readonly log: ServiceLog;
  private readonly servers: { spec: ListenSpec; server: net.Server }[] = [];
  private readonly connections = new Set<Connection<LocalRecipient, SpooledMessage>>();
  private readonly spool: SpoolDirectory;
  private readonly ownSpool: string | null;
  private readonly directory: RecipientDirectory;
  private draining = false;
  private finishing = false;
  private started = false;
  private serial = 0;
  private resolveFinished: () => void = () => undefined;

  private constructor(
    private readonly o: ServiceOptions,
    private readonly deps: ServiceDeps,
  ) {
    this.finished = new Promise((r) => (this.resolveFinished = r));
    this.log = serviceLog(deps.stderr, o.verbose);
    let fixedUser: UserEntry | null = null;
    if (o.user !== null) {
      fixedUser = deps.userdb.byName(o.user);
      if (fixedUser === null) throw new Error(`--user ${o.user}: no such user`);
    }
    this.directory = new RecipientDirectory({
      userdb: deps.userdb,
      delimiter: o.recipientDelimiter,
      fixedUser,
      userConcurrency: o.userConcurrency,
      uid: deps.uid,
    });
    let dir: string;
    if (o.spoolDir !== null) {
      try {
        deps.fs.mkdirSync(o.spoolDir, { mode: 0o700 });
      } catch (e) {
        if ((e as { code?: string }).code !== 'EEXIST') throw e;
      }
      dir = o.spoolDir;
      this.ownSpool = null;
    } else {
      dir = deps.fs.mkdtempSync(`${deps.tmpdir.replace(/\/$/, '')}/mailrules-lmtp-`);
      this.ownSpool = dir;
    }
    this.spool = new SpoolDirectory(dir, deps.fs, deps.pid, LMTP_SPOOL_MEMORY_BYTES);
    this.pool = new WorkerPool({
      fork: deps.fork,
      maxWorkers: o.maxWorkers,
      perUser: Math.min(LMTP_WORKERS_PER_USER, o.userConcurrency),
      workerIdleMs: o.workerIdleMs,
      extraWorkerIdleMs: LMTP_EXTRA_WORKER_IDLE_MS,
      deliveryTimeoutMs: o.deliveryTimeoutMs,
      startTimeoutMs: LMTP_WORKER_START_TIMEOUT_MS,
      exitGraceMs: LMTP_WORKER_EXIT_GRACE_MS,
      maxBytesInDelivery: LMTP_MAX_BYTES_IN_DELIVERY,
      chunkBytes: LMTP_SPOOL_CHUNK_BYTES,
      log: (text) => this.log.info('worker', { note: text }),
    });
  }

  static async start(o: ServiceOptions, deps: ServiceDeps): Promise<LmtpService> {
    const s = new LmtpService(o, deps);
    try {
      await s.open();
    } catch (e) {
      await s.stop();
      throw e;
    }
    return s;
  }

  private async open(): Promise<void> {
    const o = this.o;
    if (o.stdio) {
      this.serve(this.deps.stdin, this.deps.stdout, () => undefined);
      this.log.info('started', { pid: this.deps.pid, uid: this.deps.uid, listen: 'stdio' });
      this.started = true;
      return;
    }
    const specs = listenSpecs(o.listen, false, this.deps.env, this.deps.pid);
    const gid = o.socketGroup === null ? null : this.groupId(o.socketGroup);
    for (const spec of specs) {
      const server = net.createServer((socket) => this.accept(socket));
      await listenOn(spec, server, { mode: o.socketMode, gid, fs: this.deps.fs });
      this.servers.push({ spec, server });
      this.addresses.push(describeListen(spec, server));
    }
    this.log.info('started', { pid: this.deps.pid, uid: this.deps.uid, listen: this.addresses.join(',') });
    this.started = true;
    this.checkMailSpool();
  }

  /**
   * Workers never hold the spool's group (an rc's programs would hold it
   * too, and could read every mailbox there), so in a spool only that group
   * may write (Debian's /var/mail, root:mail 2775) a user's DEFAULT must be
   * in their home: said once at start, and each deferral says it again.
   */
  private checkMailSpool(): void {
    try {
      const st = this.deps.fs.statSync(MAIL_SPOOL);
      if ((st.mode & 0o002) === 0 && this.deps.uid === 0) {
        this.log.info('warning', {
          note: `${MAIL_SPOOL} is not writable by users: deliveries whose DEFAULT is there are deferred; set DEFAULT in $HOME (e.g. DEFAULT=$HOME/Maildir/ in /etc/mailrulesrc)`,
        });
      }
    } catch {
      // no spool: nothing to say
    }
  }

  /** SIGTERM/SIGINT: finish what is in progress, refuse the rest, then stop. */
  drain(): void {
    if (this.draining) return;
    this.draining = true;
    this.log.info('draining', { connections: this.connections.size });
    for (const c of this.connections) c.session.drain();
    void this.maybeStop();
  }

  private accept(socket: net.Socket): void {
    socket.setNoDelay(true);
    const refuse = this.draining ? closingShutdown(this.o.hostname) : this.connections.size >= this.o.maxConnections ? closingBusy(this.o.hostname) : null;
    if (refuse !== null) {
      socket.on('error', () => undefined);
      socket.end(formatReply(refuse));
      return;
    }
    this.serve(socket, socket, () => socket.destroy());
  }

  private serve(input: Readable, output: Writable, destroy: () => void): void {
    const id = String(++this.serial);
    const host = new DeliveryHost(
      {
        hostname: this.o.hostname,
        maxSize: this.o.maxSize,
        maxRecipients: this.o.maxRecipients,
        directory: this.directory,
        userdb: this.deps.userdb,
        spool: this.spool,
        pool: this.pool,
        log: this.log,
        fixedUser: this.o.user !== null,
        now: () => this.deps.now(),
      },
      id,
    );
    this.log.debug('connect', { conn: id });
    const c = connect(input, output, (out) => new Session(host, out), this.o.idleTimeoutMs, destroy);
    this.connections.add(c);
    void c.done.then(() => {
      this.connections.delete(c);
      this.log.debug('disconnect', { conn: id });
      // --stdio serves one session: its end is the service's end.
      if (this.o.stdio) this.draining = true;
      void this.maybeStop();
    });
  }

  private async maybeStop(): Promise<void> {
    if (!this.draining || this.connections.size > 0 || this.finishing) return;
    await this.stop();
  }

  private async stop(): Promise<void> {
    this.finishing = true;
    await Promise.all(this.servers.map(({ server }) => new Promise<void>((r) => server.close(() => r()))));
    await this.pool.shutdown();
    if (this.ownSpool !== null) {
      try {
        this.deps.fs.rmdirSync(this.ownSpool);
      } catch {
        // a spool file still open elsewhere; the directory is empty once it closes
      }
    }
    if (this.started) this.log.info('stopped', { pid: this.deps.pid });
    this.resolveFinished();
  }

  private groupId(name: string): number {
    if (/^\d+$/.test(name)) return Number(name);
    const line = this.deps.fs
      .readFileSync('/etc/group', 'latin1')
      .split('\n')
      .find((l) => l.split(':')[0] === name);
    const gid = line === undefined ? NaN : Number(line.split(':')[2]);
    if (!Number.isInteger(gid)) throw new Error(`--socket-group ${name}: no such group`);
    return gid;
  }
}
