/**
 * The log abstract procmail writes per delivery (docs/procmail-semantics.md §8.1;
 * procmail mailfold.c:logabstract):
 *
 *     From orig@site.com  Mon Jan  1 00:00:00 2001     (the From_ line, if any)
 *      Subject: Hello there                            (first Subject: line, ≤ 78 chars)
 *       Folder: inbox<TABs to column 72>    241        (folder ≤ 60 chars, size %7lu)
 *
 * Byte-for-byte compatibility matters: log parsers (Log::Procmail, mailstat)
 * read these lines.
 */
import { ABSTRACT_FOLDER_MAX, ABSTRACT_SUBJECT_MAX } from '../limits.js';

export interface AbstractInput {
  /** The current message's header as latin1 text (From_ line and blank separator included). */
  readonly header: string;
  /** LASTFOLDER, or `**Bounced**` / `**Requeued**`, or '' after a HOST mismatch. */
  readonly folder: string;
  /** Bytes written by the last delivery. */
  readonly size: number;
}

const FOLDER_PREFIX = '  Folder: ';
/** The tab stop the size column starts after (mailfold.c: `while((i+=8)<LENtSTOP)`). */
const TAB_STOP = 72;

export function formatAbstract(a: AbstractInput): string {
  let out = '';
  let rest = a.header;
  if (rest.startsWith('From ')) {
    const nl = rest.indexOf('\n');
    out += (nl < 0 ? rest : rest.slice(0, nl)) + '\n';
    rest = nl < 0 ? '' : rest.slice(nl + 1);
  }
  const subject = findSubjectLine(rest);
  if (subject !== null) {
    // procmail finds the line by the newline before it and copies from one byte
    // off when that newline would lie before the message: a Subject on the very
    // first line logs an empty subject (or, with lower-case `subject:`, bytes
    // from before its buffer). We log the empty line, never memory garbage.
    const firstLine = rest === a.header && a.header.slice(0, subject.length) === subject;
    out += ' ' + (firstLine ? '' : detab(subject.slice(0, ABSTRACT_SUBJECT_MAX))) + '\n';
  }
  out += folderLine(a.folder, a.size);
  return out;
}

/** `  Folder: name<TABs>   size\n` exactly as logabstract lays it out. */
export function folderLine(folder: string, size: number): string {
  const name = detab(folder.slice(0, ABSTRACT_FOLDER_MAX));
  let line = FOLDER_PREFIX + name;
  let i = line.length - (line.length % 8);
  line += '\t';
  while ((i += 8) < TAB_STOP) line += '\t';
  return line + String(Math.max(0, Math.trunc(size))).padStart(7, ' ') + '\n';
}

/**
 * The first physical line that starts with `Subject:` (case-insensitive, as
 * procmail's egrep of `^Subject:.*$` with folding undone), without its newline.
 */
function findSubjectLine(header: string): string | null {
  let start = 0;
  while (start < header.length) {
    const nl = header.indexOf('\n', start);
    const line = nl < 0 ? header.slice(start) : header.slice(start, nl);
    if (/^subject:/i.test(line)) return line;
    if (nl < 0) break;
    start = nl + 1;
  }
  return null;
}

/** procmail's detab(): tabs, CR and LF become spaces so the abstract stays one line each. */
function detab(s: string): string {
  return s.replace(/[\t\r\n]/g, ' ');
}
