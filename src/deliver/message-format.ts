import { MAX_CONTENT_LENGTH_PLACES } from '../limits.js';

/**
 * Byte-level transformations procmail applies when it writes the message
 * out (mailfold.c:dump and readmail). They depend on the kind of folder,
 * which only the file system decides; the rules every target shares (the
 * trailing newline, dropping the From_ line) are src/eval/program-input.ts.
 */

const NL = 0x0a;

/** Position just past the blank line ending the header (the header includes it), or the length when there is none. */
export function headerEnd(data: Buffer): number {
  let start = 0;
  // procmail skips leading newlines before looking for the header's end (readmail).
  while (start < data.length && data[start] === NL) start++;
  const i = data.indexOf('\n\n', start, 'latin1');
  return i < 0 ? data.length : i + 2;
}

export interface ContentLengthResult {
  /** The data with the field rewritten (a copy when changed). */
  readonly data: Buffer;
  /** Offset where From_ escaping may start: the end of the body bytes the field covers. */
  readonly escapeFrom: number;
}

/**
 * Content-Length handling (docs/procmail-semantics.md §7.2; mailfold.c:readmail): when the
 * header has a `Content-Length:` field (first one, any case), its value is
 * overwritten in place, right-aligned in the field's existing width; when the
 * number does not fit, the field becomes all 9s and covers that many bytes.
 * The covered body bytes are then exempt from From_ escaping. `data` must
 * start with the header. Without the field, escaping may start right at the
 * blank line ending the header, so a body starting `From ` is escaped.
 */
export function rewriteContentLength(data: Buffer): ContentLengthResult {
  const bodyStart = headerEnd(data);
  const noField = { data, escapeFrom: Math.max(0, bodyStart - 1) };
  const header = data.toString('latin1', 0, bodyStart);
  // After a '\n' only: `^` with the m flag would also match after a lone '\r' (see src/eval/message.ts).
  const m = /(?:^|\n)content-length:/i.exec(header);
  if (m === null) return noField;
  const valueStart = m.index + m[0].length;
  let valueEnd = header.indexOf('\n', valueStart);
  if (valueEnd < 0) valueEnd = bodyStart;
  const places = Math.min(valueEnd - valueStart, MAX_CONTENT_LENGTH_PLACES);
  let cntlen = data.length - bodyStart;
  // procmail: "no phantom '\n'?" — don't count the separator newline of an mbox-style ending.
  if (data.length > 1 && data[data.length - 2] === NL) cntlen--;
  if (cntlen < 0) cntlen = 0;
  const digits = String(cntlen);
  const fits = digits.length <= places;
  const actual = fits ? cntlen : places === 0 ? 0 : Number('9'.repeat(places));
  // An over-long field keeps blanks beyond the places procmail could fill.
  const value = (fits ? digits.padStart(places, ' ') : '9'.repeat(places)).padEnd(valueEnd - valueStart, ' ');
  const escapeFrom = Math.min(data.length, bodyStart + actual);
  // Already right (the engine's readmail() rewrote it): no copy.
  if (header.slice(valueStart, valueEnd) === value) return { data, escapeFrom };
  const out = Buffer.from(data);
  out.write(value, valueStart, 'latin1');
  return { data: out, escapeFrom };
}

/**
 * mboxo From_ escaping (docs/procmail-semantics.md §7.2): a `>` before every line that
 * starts `From `, found as `\nFrom `, so the first line (the From_ line
 * itself) never is. `>From` is not quoted again. Lines whose `\n` lies in
 * [headerEndAt, escapeFrom) — the body bytes a Content-Length covers — are
 * left alone; `headerEndAt` is where the header region ends.
 */
export function escapeFromLines(data: Buffer, headerEndAt: number, escapeFrom: number): Buffer {
  const parts: Buffer[] = [];
  let last = 0;
  let pos = 0;
  for (;;) {
    const i = data.indexOf('\nFrom ', pos, 'latin1');
    if (i < 0) break;
    pos = i + 1;
    // procmail scans the header block up to (excluding) its end, then the body from `escapeFrom`.
    const inHeader = i + 6 <= headerEndAt;
    if (!inHeader && i < escapeFrom) continue;
    parts.push(data.subarray(last, i + 1), Buffer.from('>'));
    last = i + 1;
  }
  if (parts.length === 0) return data;
  parts.push(data.subarray(last));
  return Buffer.concat(parts);
}
