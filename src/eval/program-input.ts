/**
 * The bytes procmail writes to a program (mailfold.c dump, pipes.c): the part
 * of the message the recipe feeds, one newline added unless it already ends
 * in an empty line (the trailing-newline rule, off with `r`), and for a
 * forward the leading From_ line dropped (sendmail makes its own). Folders
 * follow the same newline rule (src/deliver/folders.ts).
 */
import type { Feed } from './requests.js';

const NL = 0x0a;
const FROM_ = Buffer.from('From ', 'latin1');
const GT_FROM_ = Buffer.from('>From ', 'latin1');

/**
 * The trailing-newline rule (mailfold.c:dump): one `\n` is added unless the
 * data already ends in `\n\n`. Data shorter than two bytes always gets one.
 */
export function needsTrailingNewline(data: Buffer): boolean {
  const n = data.length;
  return n < 2 || !(data[n - 1] === NL && data[n - 2] === NL);
}

export function withTrailingNewline(data: Buffer): Buffer {
  return needsTrailingNewline(data) ? Buffer.concat([data, Buffer.from('\n')]) : data;
}

/**
 * Drops a leading `From ` line and any `>From ` lines right after it, as
 * procmail does for forwards and maildir (from.c, mailfold.c).
 */
export function stripFromLine(data: Buffer): Buffer {
  if (!startsWithAt(data, 0, FROM_)) return data;
  let pos = lineEnd(data, 0);
  while (startsWithAt(data, pos, GT_FROM_)) pos = lineEnd(data, pos);
  return data.subarray(pos);
}

function lineEnd(data: Buffer, from: number): number {
  const nl = data.indexOf(NL, from);
  return nl < 0 ? data.length : nl + 1;
}

function startsWithAt(data: Buffer, pos: number, prefix: Buffer): boolean {
  return pos + prefix.length <= data.length && data.compare(prefix, 0, prefix.length, pos, pos + prefix.length) === 0;
}

/** What a recipe's program is fed: the part, plus the trailing newline unless `r`; `forward` also drops the From_ line. */
export function programInput(data: Buffer, feed: Feed, forward = false): { input: Buffer; unterminated: number } {
  const bytes = forward && feed.header ? stripFromLine(data) : data;
  return { input: feed.raw ? bytes : withTrailingNewline(bytes), unterminated: bytes.length };
}
