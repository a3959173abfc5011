/**
 * The command every message we hand to the MTA goes through: `$SENDMAIL
 * $SENDMAILFLAGS`, SENDMAILFLAGS split on blanks (procmailrc(5): forwarding
 * with `!`). Forwards and the extensions' notices (@bounce, @reply) share it,
 * so an administrator who points sendmail at another configuration
 * (`SENDMAILFLAGS=-C/etc/mail/other.cf`) reaches every one of them.
 */
import { splitBlanks } from './expand.js';
import type { InternalStrings } from './defaults.js';

export function sendmailCommand(strings: Readonly<InternalStrings>): string[] {
  return [strings.SENDMAIL, ...splitBlanks(strings.SENDMAILFLAGS)];
}
