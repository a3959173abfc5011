/**
 * The leading `From ` line (docs/procmail-semantics.md §7.1; from.c). Without -d or -f the
 * message is taken as-is. With either, leading newlines are dropped, an
 * existing From_ line is kept (or, with -f, replaced; `-f -` only renews its
 * date), and a missing one is generated as `From <sender>  <ctime>`.
 * procmail's untrusted-invoker `>From <invoker>` line, and -o replacing the
 * From_ line instead, only happen when uid≠euid (a setuid procmail run by an
 * untrusted user; from.c). Node is never setuid: run by root (sendmail) the
 * invoker is trusted, run as the recipient (Postfix) uid==euid, so neither
 * applies and -o is accepted without effect (verified: procmail as root
 * behaves the same with and without -o).
 */
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** ctime(3) without the newline, in local time: `Sat Nov 21 07:35:16 2026`. */
export function ctime(d: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${d.getFullYear()}`;
}

export interface EnvelopeOptions {
  /** -d or -f given. */
  readonly generate: boolean;
  /** -f value; '-' renews only the date. */
  readonly from: string | null;
  /** Login of the invoking user, the sender when there is no -f. */
  readonly invoker: string;
  readonly now: Date;
}

export function applyFromLine(message: Buffer, o: EnvelopeOptions): Buffer {
  if (!o.generate) return message;
  let start = 0;
  while (start < message.length && message[start] === 0x0a) start++;
  const body = message.subarray(start);
  const date = ctime(o.now);
  if (body.subarray(0, 5).toString('latin1') === 'From ') {
    const nl = body.indexOf(0x0a);
    const lineEnd = nl < 0 ? body.length : nl;
    const rest = body.subarray(nl < 0 ? body.length : nl);
    if (o.from === null) return body;
    const sender = o.from === '-' ? existingSender(body.toString('latin1', 5, lineEnd)) : o.from;
    return Buffer.concat([Buffer.from(`From ${sender}  ${date}`, 'latin1'), rest]);
  }
  const sender = o.from === null || o.from === '-' ? o.invoker : o.from;
  return Buffer.concat([Buffer.from(`From ${sender}  ${date}\n`, 'latin1'), body]);
}

function existingSender(afterFrom: string): string {
  const m = /^\s*(\S*)/.exec(afterFrom);
  return m?.[1] ?? '';
}
