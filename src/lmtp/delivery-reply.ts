import { LMTP_REPLY_DETAIL_BYTES } from '../limits.js';
import { EX_CANTCREAT, EX_NOUSER, EX_OK, EX_SOFTWARE, EX_TEMPFAIL, EX_UNAVAILABLE, EX_USAGE } from '../sysexits.js';
import type { DeliveryResult } from './delivery-result.js';
import { reply, type Reply } from './reply.js';

/**
 * A recipient's reply after DATA from its delivery's exit status: procmail's
 * own table for its LMTP mode (ret2LMTP[] in procmail's src/lmtp.c, taken
 * from sendmail's sysexits.c), indexed from EX_USAGE. Two entries differ, so
 * that mail is never bounced for what is only a passing failure:
 * EX_TEMPFAIL is 451 (procmail: 450) and EX_CANTCREAT, which `-t` turns
 * into EX_TEMPFAIL anyway, is 451 rather than 550.
 */
const BY_STATUS: readonly (readonly [number, string, string])[] = [
  [500, '5.0.0', 'usage error'], // EX_USAGE 64
  [501, '5.6.0', 'data error'], // EX_DATAERR
  [550, '5.3.0', 'input missing'], // EX_NOINPUT
  [550, '5.1.1', 'no such user'], // EX_NOUSER
  [550, '5.1.2', 'no such host'], // EX_NOHOST
  [554, '5.0.0', "something didn't work"], // EX_UNAVAILABLE
  [554, '5.3.0', 'internal software error'], // EX_SOFTWARE
  [451, '4.0.0', 'OS error'], // EX_OSERR
  [554, '5.3.5', 'system file error'], // EX_OSFILE
  [451, '4.0.0', 'output error'], // EX_CANTCREAT
  [451, '4.0.0', 'I/O error'], // EX_IOERR
  [451, '4.0.0', 'deferred'], // EX_TEMPFAIL
  [554, '5.5.0', 'protocol error'], // EX_PROTOCOL
  [550, '5.0.0', 'insufficient permission'], // EX_NOPERM
  [554, '5.3.5', 'configuration error'], // EX_CONFIG 78
];

/** `rcpt` is the address as the client gave it, quoted back in the reply. */
export function deliveryReply(rcpt: string, r: DeliveryResult): Reply {
  const who = `<${rcpt}>`;
  if (r.kind === 'failed') {
    // Dovecot's wording for the same case (lmtp-local.c: "451 4.3.0 <%s> Temporary internal error").
    return reply(451, '4.3.0', `${who} Temporary internal error: ${r.detail}`);
  }
  if (r.code === EX_OK) return reply(250, '2.0.0', `${who} Delivered`);
  if (r.disposition === 'rejected') {
    // @reject: its own text, as a policy refusal (RFC 3463 X.7.1).
    const text = r.rejectText !== null && r.rejectText.trim() !== '' ? clip(r.rejectText) : 'Delivery not authorized, message refused';
    return reply(550, '5.7.1', `${who} ${text}`);
  }
  // procmail's lmtpresponse(): a status outside the table is EX_UNAVAILABLE.
  const code = r.code < 0 ? EX_SOFTWARE : r.code;
  const row = BY_STATUS[code - EX_USAGE] ?? BY_STATUS[EX_UNAVAILABLE - EX_USAGE]!;
  const [n, status, text] = row;
  const temporary = n < 500 || code === EX_TEMPFAIL || code === EX_CANTCREAT;
  // An rc that set EXITCODE chose the status itself: whatever was logged last (procmail's start-up
  // complaint about the system mailbox, say) is not the reason, so none is quoted.
  const detail = (temporary || code === EX_NOUSER) && r.disposition !== 'exitcode' ? lastComplaint(r.log) : null;
  return reply(n, status, `${who} ${text}${detail === null ? '' : `: ${detail}`}`);
}

/** The last line the delivery agent complained with (`Lock failure on "…"`), without procmail's prefix. */
function lastComplaint(log: readonly string[]): string | null {
  for (let i = log.length - 1; i >= 0; i--) {
    const line = log[i]!.replace(/^(procmail|mailrules): /, '').trim();
    if (line !== '' && !line.startsWith('[')) return clip(line);
  }
  return null;
}

function clip(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return Buffer.byteLength(one, 'latin1') <= LMTP_REPLY_DETAIL_BYTES ? one : `${one.slice(0, LMTP_REPLY_DETAIL_BYTES - 3)}...`;
}
