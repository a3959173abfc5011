import { MAX_BOUNCE_HEADER_BYTES } from '../limits.js';
import { crlf, decodeLatin1Text } from '../eval/mail/text.js';

/**
 * The `@bounce` notice: an RFC 3464 delivery status notification.
 *
 *     multipart/report; report-type=delivery-status   (RFC 6522)
 *       text/plain                 the human explanation, carrying the rc's text
 *       message/delivery-status    Reporting-MTA, Arrival-Date / Final-Recipient,
 *                                  Action: failed, Status: 5.7.1, Diagnostic-Code
 *       text/rfc822-headers        the original header, verbatim
 *
 * nodemailer has no DSN builder, so the tree is made with MimeNode
 * (docs/node-runtime.md §7.1). The two machine-readable parts are set with setRaw:
 * MimeNode would otherwise quoted-printable-encode long header lines of the
 * original, which RFC 3464 readers do not expect. nodemailer is imported
 * only here and only when a bounce is actually composed (it costs ~15–20 ms
 * to load, docs/node-runtime.md §2.4).
 */
export interface DsnInput {
  /** Who the DSN goes to: the original envelope sender. */
  readonly to: string;
  /** The reason given in the rc (`@bounce "text"`), latin1-decoded as read. */
  readonly text: string;
  /** The original message (a leading From_ line is not quoted). */
  readonly originalHeader: string;
  /** Our host name: Reporting-MTA, and the MAILER-DAEMON address. */
  readonly host: string;
  /** The recipient whose delivery failed (`$LOGNAME@$HOST`). */
  readonly finalRecipient: string;
  readonly date: Date;
  readonly messageId: string;
  readonly loopId: string;
}

/** RFC 3463 5.7.1: "Delivery not authorized, message refused" — a filter's deliberate refusal. */
export const BOUNCE_STATUS = '5.7.1';

/** One line of printable ASCII, as RFC 3464 §2.1.1 fields must be (non-ASCII → `?`). */
function fieldText(s: string): string {
  return s.replace(/\s+/g, ' ').replace(/[^\x20-\x7e]/g, '?').trim();
}

/** The original header, cut at a line end after MAX_BOUNCE_HEADER_BYTES (quoting a 10 MB header helps nobody). */
function quotedHeader(header: string): string {
  let h = header.replace(/\r?\n$/, '');
  if (h.length > MAX_BOUNCE_HEADER_BYTES) {
    const cut = h.lastIndexOf('\n', MAX_BOUNCE_HEADER_BYTES);
    h = h.slice(0, cut > 0 ? cut : MAX_BOUNCE_HEADER_BYTES);
  }
  return crlf(h) + '\r\n';
}

/** RFC 5322 date-time in UTC. */
export function rfc5322Date(d: Date): string {
  return d.toUTCString().replace(/GMT$/, '+0000');
}

/** Compose the DSN. Returns the bytes with LF line ends (sendmail's local input convention). */
export async function composeDsn(input: DsnInput): Promise<Buffer> {
  // require, not import(): see composeReply in reply.ts.
  const MimeNode = (require('nodemailer/lib/mime-node') as typeof import('nodemailer/lib/mime-node')).default;
  const root = new MimeNode('multipart/report; report-type=delivery-status', { hostname: input.host });
  root.setHeader({
    From: `Mail Delivery System <MAILER-DAEMON@${input.host}>`,
    To: input.to,
    Subject: 'Undelivered Mail Returned to Sender',
    Date: input.date,
    'Message-ID': input.messageId,
    // RFC 3834 §5: a DSN is an automatic response; together with X-Loop this stops loops.
    'Auto-Submitted': 'auto-replied',
    'X-Loop': input.loopId,
  });
  const reason = decodeLatin1Text(input.text);
  const human =
    `This is the mail system at host ${input.host}.\n\n` +
    `Your message to <${input.finalRecipient}> could not be delivered.\n` +
    `It was refused by the recipient's mail filter:\n\n` +
    `    ${reason.replace(/\n/g, '\n    ')}\n\n` +
    `The header of your message is attached.\n`;
  root.createChild('text/plain; charset=utf-8').setContent(crlf(human));
  const status =
    `Reporting-MTA: dns; ${fieldText(input.host)}\r\n` +
    `Arrival-Date: ${rfc5322Date(input.date)}\r\n` +
    `\r\n` +
    `Final-Recipient: rfc822; ${fieldText(input.finalRecipient)}\r\n` +
    `Action: failed\r\n` +
    `Status: ${BOUNCE_STATUS}\r\n` +
    `Diagnostic-Code: X-mailrules; ${fieldText(reason)}\r\n`;
  root.createChild('message/delivery-status').setRaw(`Content-Type: message/delivery-status\r\n\r\n${status}`);
  root
    .createChild('text/rfc822-headers')
    .setRaw(Buffer.concat([Buffer.from('Content-Type: text/rfc822-headers\r\n\r\n'), Buffer.from(quotedHeader(input.originalHeader), 'latin1')]));
  const built = await root.build();
  return Buffer.from(built.toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
}
