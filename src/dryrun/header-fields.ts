/**
 * The raw Subject, From and To of a message, for display: the report's
 * `subject` (every mode) and `from`/`to` (--trace, --json), and the fields
 * decode.ts hands to libmime. Raw means latin1, one char per byte,
 * unfolded and trimmed — what the rc's regexes match (docs/procmail-semantics.md §3.1).
 */

/** The raw values of the first Subject:, From: and To: fields. */
export interface HeaderFields {
  readonly subject: string | null;
  readonly from: string | null;
  readonly to: string | null;
}

const LF_LF = Buffer.from('\n\n', 'latin1');
const LF_CRLF = Buffer.from('\n\r\n', 'latin1');

/**
 * Where the header ends: the first blank line, LF or CRLF (a message
 * without one is all header). It runs for every message of a replay, so
 * the common case is one search.
 */
function headerEnd(message: Buffer): number {
  const a = message.indexOf(LF_LF);
  const limit = a < 0 ? message.length : a;
  // Most headers have no CR at all: one byte search settles it.
  const cr = message.indexOf(13);
  if (cr < 0 || cr >= limit) return limit;
  // A CRLF message's blank line can come first; only one wholly inside the LF header counts.
  const b = message.indexOf(LF_CRLF);
  return b >= 0 && b + LF_CRLF.length <= limit ? b : limit;
}

/** The header as latin1 text, without its blank line. */
export function headerText(message: Buffer): string {
  return message.toString('latin1', 0, headerEnd(message));
}

/** The first `name:` field of a latin1 header text, unfolded (display only). */
export function fieldOf(head: string, name: string): string | null {
  const m = fieldRegex(name).exec(head);
  if (!m) return null;
  return m[1]!.replace(/\r?\n[ \t]+/g, ' ').replace(/\r$/, '').trim();
}

const FIELD_RES = new Map<string, RegExp>();
function fieldRegex(name: string): RegExp {
  let re = FIELD_RES.get(name);
  if (re === undefined) {
    re = new RegExp(`(?:^|\\n)${name}:[ \\t]*((?:[^\\n]*)(?:\\n[ \\t][^\\n]*)*)`, 'i');
    FIELD_RES.set(name, re);
  }
  return re;
}

/** The first Subject: field of the header, unfolded (display only). */
export function subjectOf(message: Buffer): string | null {
  return fieldOf(headerText(message), 'subject');
}

/** The raw From/To of a message (its header only is searched); `subject` is the report's own. */
export function rawHeaderFields(message: Buffer, subject: string | null): HeaderFields {
  const head = headerText(message);
  return { subject, from: fieldOf(head, 'from'), to: fieldOf(head, 'to') };
}
