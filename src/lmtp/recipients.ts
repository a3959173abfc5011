import type { UserDb, UserEntry } from '../deliver/userdb.js';
import { splitAddress } from './envelope-address.js';
import { reply } from './reply.js';
import type { Recipient, RecipientVerdict } from './session.js';

/**
 * RCPT TO, resolved at once (RFC 2033 §4.2 wants unknown users refused
 * there, not after DATA): the local part names a passwd user; with a
 * recipient delimiter, `user+ext` is user `user` and the extension becomes
 * `-a ext` ($1), as Postfix's `mailbox_command = procmail -a "$EXTENSION"`
 * gives it. The domain is not looked at: the MTA already decided the
 * address is local. With --user every recipient is that one user.
 *
 * Each accepted recipient takes one of its user's delivery slots until its
 * reply is out; a user with --user-concurrency deliveries already running
 * is asked to come back later at RCPT, before the client sends the body
 * (Dovecot's lmtp_user_concurrency_limit answers the same way).
 */
export interface LocalRecipient extends Recipient {
  readonly user: UserEntry;
  /** The part after the recipient delimiter; '' when none. */
  readonly extension: string;
}

export interface RecipientOptions {
  readonly userdb: UserDb;
  /** Characters that separate user and extension (Postfix's recipient_delimiter); '' for none. */
  readonly delimiter: string;
  /** --user: every recipient is delivered as this user. */
  readonly fixedUser: UserEntry | null;
  readonly userConcurrency: number;
  /** Our uid: only root can deliver as other users. */
  readonly uid: number;
}

export class RecipientDirectory {
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly o: RecipientOptions) {}

  /** Deliveries of `user` holding a slot now. */
  busy(user: string): number {
    return this.inFlight.get(user) ?? 0;
  }

  resolve(address: string): RecipientVerdict<LocalRecipient> {
    const found = this.o.fixedUser !== null ? { user: this.o.fixedUser, extension: this.extensionOf(splitAddress(address).local) } : this.lookup(address);
    if (found === null) return { ok: false, reply: reply(550, '5.1.1', `<${address}> User unknown in local recipient table`) };
    const { user, extension } = found;
    if (this.o.uid !== 0 && user.uid !== this.o.uid) {
      return { ok: false, reply: reply(451, '4.3.5', `<${address}> Cannot deliver as ${user.name}: the service does not run as root`) };
    }
    const n = this.busy(user.name);
    if (n >= this.o.userConcurrency) {
      return { ok: false, reply: reply(451, '4.7.1', `<${address}> Too many concurrent deliveries for this user, try again later`) };
    }
    this.inFlight.set(user.name, n + 1);
    let held = true;
    return {
      ok: true,
      recipient: {
        address,
        user,
        extension,
        release: () => {
          if (!held) return;
          held = false;
          const left = this.busy(user.name) - 1;
          if (left > 0) this.inFlight.set(user.name, left);
          else this.inFlight.delete(user.name);
        },
      },
    };
  }

  private lookup(address: string): { user: UserEntry; extension: string } | null {
    const { local } = splitAddress(address);
    for (const name of new Set([local, local.toLowerCase()])) {
      const whole = this.o.userdb.byName(name);
      if (whole !== null) return { user: whole, extension: '' };
      const cut = this.delimiterAt(name);
      if (cut < 0) continue;
      const user = this.o.userdb.byName(name.slice(0, cut));
      if (user !== null) return { user, extension: local.slice(cut + 1) };
    }
    return null;
  }

  private extensionOf(local: string): string {
    const cut = this.delimiterAt(local);
    return cut < 0 ? '' : local.slice(cut + 1);
  }

  /** Where the first delimiter character is (Postfix splits at the first one), or -1. */
  private delimiterAt(local: string): number {
    let at = -1;
    for (const d of this.o.delimiter) {
      const i = local.indexOf(d);
      if (i > 0 && (at < 0 || i < at)) at = i;
    }
    return at;
  }
}
