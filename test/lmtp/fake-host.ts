import type { MessageSpool, Recipient, RecipientVerdict, SessionHost, SessionOutput, Transaction } from '../../src/lmtp/session.js';
import { Session } from '../../src/lmtp/session.js';
import { reply, type Reply } from '../../src/lmtp/reply.js';

/** A recipient of the fake host: its slot is counted, so tests see every release. */
export interface FakeRecipient extends Recipient {
  readonly user: string;
}

export interface Delivered {
  readonly sender: string;
  readonly recipients: readonly string[];
  readonly message: Buffer;
}

/**
 * A SessionHost without sockets, files or workers: known users, an
 * in-memory spool, deliveries recorded and answered by `answer` (at once or
 * when the test resolves them).
 */
export class FakeHost implements SessionHost<FakeRecipient, Buffer> {
  readonly hostname = 'lmtp.test';
  maxSize = 1_000_000;
  maxRecipients = 100;
  held = 0;
  spools = 0;
  discarded = 0;
  readonly delivered: Delivered[] = [];
  /** Recipients the session itself refused at RCPT, as the host was told of them. */
  readonly refusedRecipients: { address: string; sender: string; reply: string }[] = [];
  /** Messages refused after DATA, as the host was told of them. */
  readonly refusals: { recipients: string[]; size: number; reply: string }[] = [];
  /** How each recipient's delivery ends; default 250. */
  answer: (rcpt: FakeRecipient, message: Buffer) => Reply | Promise<Reply> = (r) => reply(250, '2.0.0', `<${r.address}> Delivered`);
  failSpoolWrites = false;

  constructor(readonly users: ReadonlySet<string> = new Set(['alice', 'bob', 'carol'])) {}

  recipient(address: string): RecipientVerdict<FakeRecipient> {
    const user = address.split('@')[0]!.split('+')[0]!;
    if (!this.users.has(user)) return { ok: false, reply: reply(550, '5.1.1', `<${address}> User unknown`) };
    this.held++;
    let released = false;
    return {
      ok: true,
      recipient: {
        address,
        user,
        release: () => {
          if (released) throw new Error(`released twice: ${address}`);
          released = true;
          this.held--;
        },
      },
    };
  }

  openSpool(): MessageSpool<Buffer> {
    this.spools++;
    const chunks: Buffer[] = [];
    return {
      write: (c) => {
        if (this.failSpoolWrites) throw Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' });
        chunks.push(Buffer.from(c));
      },
      finish: () => Buffer.concat(chunks),
      discard: () => {
        this.discarded++;
      },
    };
  }

  refusedRecipient(address: string, sender: string, r: Reply): void {
    this.refusedRecipients.push({ address, sender, reply: `${r.code} ${r.status}` });
  }

  refused(tx: Transaction<FakeRecipient>, size: number, r: Reply): void {
    this.refusals.push({ recipients: tx.recipients.map((x) => x.address), size, reply: `${r.code} ${r.status}` });
  }

  deliver(tx: Transaction<FakeRecipient>, message: Buffer): Promise<Reply>[] {
    this.delivered.push({ sender: tx.sender, recipients: tx.recipients.map((r) => r.address), message });
    return tx.recipients.map((r) => Promise.resolve(this.answer(r, message)));
  }
}

/** Captures what the session writes. */
export class Wire implements SessionOutput {
  text = '';
  closed = false;
  paused = false;
  write(t: string): void {
    if (this.closed) throw new Error('write after close');
    this.text += t;
  }
  close(): void {
    this.closed = true;
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
  /** Reply lines written so far (`250-…` continuation lines folded into their reply). */
  get replies(): string[] {
    return this.text.split('\r\n').filter((l) => l !== '' && !/^\d{3}-/.test(l));
  }
}

export function newSession(host = new FakeHost()): { host: FakeHost; wire: Wire; session: Session<FakeRecipient, Buffer> } {
  const wire = new Wire();
  const session = new Session(host, wire);
  session.start();
  return { host, wire, session };
}

/** Lets queued promise callbacks (delivery replies) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
  await new Promise((r) => setImmediate(r));
}
