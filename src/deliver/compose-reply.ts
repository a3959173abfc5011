import { fieldValues, type ParsedHeader } from '../eval/mail/header.js';
import { crlf, decodeLatin1Text } from '../eval/mail/text.js';

/**
 * The `@reply` notice: an RFC 3834 automatic response, composed with
 * nodemailer's MailComposer (docs/node-runtime.md §7.1), loaded only when a reply
 * is actually composed.
 *
 * - To: the envelope sender (Return-Path). RFC 3834 §4: automatic responses
 *   SHOULD go to the Return-Path of the subject message; Reply-To and From
 *   may name a list or a third party (a forged From would make us spam an
 *   innocent bystander), and that is also what `formail -r` picks for
 *   vacation notices (its From_ line wins, docs/procmail-semantics.md §10).
 * - Subject: `Re: ` + the original subject, not doubled when it already
 *   starts with `Re:` (formail's 64-bit bug always doubles it, §10; we don't
 *   copy the bug). Encoded words are kept as they are, which stays valid.
 * - In-Reply-To: the original Message-ID; References: the original
 *   References (or a lone In-Reply-To id) plus that Message-ID (RFC 5322
 *   §3.6.4); both omitted when there is nothing to refer to, as formail does.
 * - Auto-Submitted: auto-replied (RFC 3834 §5), X-Loop: $LOOPID, and
 *   `Precedence: junk` as in the canonical procmail auto-reply
 *   (docs/procmail-semantics.md §10), which
 *   old vacation programs still honour.
 * - From: $REPLYFROM, else `$LOGNAME@$HOST`.
 */
export interface ReplyInput {
  readonly from: string;
  readonly to: string;
  readonly original: ParsedHeader;
  /** The body: already-decoded Unicode text. */
  readonly body: string;
  readonly date: Date;
  readonly messageId: string;
  readonly loopId: string;
}

/** `<id@host>` tokens in a field value. */
function msgIds(value: string): string[] {
  return value.match(/<[^<>\s]+>/g) ?? [];
}

export function replySubject(original: ParsedHeader): string {
  const raw = fieldValues(original, 'Subject')[0];
  const subject = raw === undefined ? '' : decodeLatin1Text(raw).trim();
  if (subject === '') return 'Re: your message';
  return /^re\s*(\[\d+\])?\s*:/i.test(subject) ? subject : `Re: ${subject}`;
}

export function replyThreading(original: ParsedHeader): { inReplyTo: string | null; references: string[] } {
  const id = msgIds(fieldValues(original, 'Message-ID').join(' '))[0] ?? null;
  let refs = msgIds(fieldValues(original, 'References').join(' '));
  if (refs.length === 0) {
    const irt = msgIds(fieldValues(original, 'In-Reply-To').join(' '));
    if (irt.length === 1) refs = irt;
  }
  if (id !== null) refs = [...refs.filter((r) => r !== id), id];
  return { inReplyTo: id, references: refs };
}

/** Compose the reply. Returns the bytes with LF line ends (sendmail's local input convention). */
export async function composeReply(input: ReplyInput): Promise<Buffer> {
  // require, not import(): nodemailer is CommonJS, and import() would start Node's ESM
  // loader (~10 ms), which the delivery agent's code-cache loader does not provide.
  const MailComposer = (require('nodemailer/lib/mail-composer') as typeof import('nodemailer/lib/mail-composer')).default;
  const threading = replyThreading(input.original);
  const mail = new MailComposer({
    from: input.from,
    to: input.to,
    subject: replySubject(input.original),
    date: input.date,
    messageId: input.messageId,
    ...(threading.inReplyTo !== null ? { inReplyTo: threading.inReplyTo } : {}),
    ...(threading.references.length > 0 ? { references: threading.references } : {}),
    headers: {
      'Auto-Submitted': 'auto-replied',
      'X-Loop': input.loopId,
      Precedence: 'junk',
    },
    text: crlf(input.body.endsWith('\n') ? input.body : `${input.body}\n`),
  });
  const built = await mail.compile().build();
  return Buffer.from(built.toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
}
