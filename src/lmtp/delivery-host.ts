import type { UserDb } from '../deliver/userdb.js';
import { deliveryReply } from './delivery-reply.js';
import type { DeliveryResult } from './delivery-result.js';
import type { LocalRecipient, RecipientDirectory } from './recipients.js';
import type { Reply } from './reply.js';
import type { ServiceLog } from './service-log.js';
import type { MessageSpool, RecipientVerdict, SessionHost, Transaction } from './session.js';
import type { SpoolDirectory, SpooledMessage } from './spool.js';
import type { WorkerPool } from './worker-pool.js';

/**
 * What a session needs from the service: recipients looked up in the
 * passwd file, DATA spooled to a file, and each recipient's delivery run
 * by its user's worker as `mailrules -t -d USER` would run it, answered
 * with procmail's reply for its exit status, and logged in one line.
 */
export interface DeliveryHostOptions {
  readonly hostname: string;
  readonly maxSize: number;
  readonly maxRecipients: number;
  readonly directory: RecipientDirectory;
  readonly userdb: UserDb;
  readonly spool: SpoolDirectory;
  readonly pool: WorkerPool;
  readonly log: ServiceLog;
  /** --user: the recipient's address goes to the rc as $2, since the user no longer tells who it was for. */
  readonly fixedUser: boolean;
  /** Milliseconds, for the log line's timing. */
  now(): number;
}

export class DeliveryHost implements SessionHost<LocalRecipient, SpooledMessage> {
  readonly hostname: string;
  readonly maxSize: number;
  readonly maxRecipients: number;
  /**
   * --verbose only: without it there is no trace at all, so the session
   * (which calls it as `trace?.(…)`) does not even build the text of each
   * command and reply for a line that would not be written.
   */
  readonly trace: ((direction: 'C' | 'S', text: string) => void) | undefined;

  constructor(
    private readonly o: DeliveryHostOptions,
    private readonly connection: string,
  ) {
    this.hostname = o.hostname;
    this.maxSize = o.maxSize;
    this.maxRecipients = o.maxRecipients;
    this.trace = o.log.verbose ? (direction, text) => this.o.log.debug('lmtp', { conn: this.connection, [direction]: text }) : undefined;
  }

  recipient(address: string, sender: string): RecipientVerdict<LocalRecipient> {
    const verdict = this.o.directory.resolve(address);
    if (!verdict.ok) this.refusedRecipient(address, sender, verdict.reply);
    return verdict;
  }

  /** A recipient refused at RCPT (unknown, over --user-concurrency, refused by the session) never reaches a delivery line: it gets this one. */
  refusedRecipient(address: string, sender: string, r: Reply): void {
    this.o.log.info('rcpt', { conn: this.connection, rcpt: `<${address}>`, from: `<${sender}>`, status: `${r.code} ${r.status}`, why: r.text });
  }

  openSpool(): MessageSpool<SpooledMessage> {
    return this.o.spool.open();
  }

  deliver(tx: Transaction<LocalRecipient>, message: SpooledMessage): Promise<Reply>[] {
    const started = this.o.now();
    try {
      return tx.recipients.map((r) => {
        const job = { user: r.user, groups: () => this.o.userdb.groupsOf(r.user.name, r.user.gid), argv: deliveryArgv(tx.sender, r, this.o.fixedUser), message };
        return this.o.pool.deliver(job).then((result) => this.answer(tx, r, message.size, result, started));
      });
    } finally {
      message.release();
    }
  }

  /** Recipients whose message was refused after DATA get their log line too: the MTA's queue has it, ours says why. */
  refused(tx: Transaction<LocalRecipient>, size: number, r: Reply): void {
    for (const rcpt of tx.recipients) this.logLine(tx, rcpt, size, r, { why: r.text, ms: '0.00' });
  }

  private answer(tx: Transaction<LocalRecipient>, r: LocalRecipient, size: number, result: DeliveryResult, started: number): Reply {
    const reply = deliveryReply(r.address, result);
    const finished = result.kind === 'finished' ? result : null;
    this.logLine(tx, r, size, reply, {
      recipe: finished?.recipe ?? null,
      folder: finished?.folder ?? null,
      why: result.kind === 'failed' ? result.detail : null,
      ms: (this.o.now() - started).toFixed(2),
      fsync_ms: finished?.fsyncMs.toFixed(2) ?? null,
    });
    if (finished !== null) for (const line of finished.log) this.o.log.info('agent', { user: r.user.name, said: line });
    return reply;
  }

  /** The one `delivery` line a recipient gets: who, from whom, how big, the reply, then what `more` says. */
  private logLine(tx: Transaction<LocalRecipient>, r: LocalRecipient, size: number, reply: Reply, more: Record<string, string | null>): void {
    this.o.log.info('delivery', {
      conn: this.connection,
      user: r.user.name,
      rcpt: `<${r.address}>`,
      from: `<${tx.sender}>`,
      size,
      status: `${reply.code} ${reply.status}`,
      ...more,
    });
  }
}

/**
 * The delivery agent's command line for one recipient: exactly
 * `mailrules -t -f SENDER -a EXTENSION -d USER`. The null sender is
 * MAILER-DAEMON in the From_ line, as sendmail and Postfix write it.
 */
export function deliveryArgv(sender: string, r: LocalRecipient, fixedUser: boolean): string[] {
  return ['-t', '-f', sender === '' ? 'MAILER-DAEMON' : sender, '-a', r.extension, ...(fixedUser ? ['-a', r.address] : []), '-d', r.user.name];
}
