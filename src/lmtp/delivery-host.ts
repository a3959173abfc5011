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

  recipient(address: string): RecipientVerdict<LocalRecipient> {
    return this.o.directory.resolve(address);
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

  private answer(tx: Transaction<LocalRecipient>, r: LocalRecipient, size: number, result: DeliveryResult, started: number): Reply {
    const reply = deliveryReply(r.address, result);
    const fields = {
      conn: this.connection,
      user: r.user.name,
      rcpt: `<${r.address}>`,
      from: `<${tx.sender}>`,
      size,
      status: `${reply.code} ${reply.status}`,
      recipe: result.kind === 'finished' ? result.recipe : null,
      folder: result.kind === 'finished' ? result.folder : null,
      why: result.kind === 'failed' ? result.detail : null,
      ms: (this.o.now() - started).toFixed(2),
      fsync_ms: result.kind === 'finished' ? result.fsyncMs.toFixed(2) : null,
    };
    this.o.log.info('delivery', fields);
    if (result.kind === 'finished') for (const line of result.log) this.o.log.info('agent', { user: r.user.name, said: line });
    return reply;
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
