import { MAX_MIME_DEPTH, MAX_MIME_PARTS, TRACE_EXCERPT_CHARS } from '../../limits.js';
import { decodeCharset, decodeUndeclared, NO_CHARSET_FALLBACK, type CharsetFallback } from './charsets.js';
import { utf8Bytes, type DecodedChange, type DecodedText } from './decoded-text.js';
import { headerFields } from './header.js';
import { mimeParam, parseMimeParams, type MimeParams } from './mime-params.js';
import { decodeBase64, decodeQuotedPrintable } from './transfer-encodings.js';

/**
 * The body as `* @decoded` under the B flag sees it: the message's text
 * parts, each with its transfer encoding (RFC 2045 §6) and charset undone,
 * in order, one after the other. A text part is a `text/*` leaf of the MIME
 * tree (RFC 2046; a message without Content-Type is one text/plain part)
 * that is not an attachment (RFC 2183), also inside attached messages
 * (message/rfc822); HTML is searched as its source. Line ends become LF.
 * At most MAX_MIME_PARTS parts, MAX_MIME_DEPTH deep: beyond that a
 * stranger's message gets no more of our time.
 *
 * `message` is the whole message as a latin1 string, `bodyStart` where its
 * body starts (mimeBodyStart()); `iconv` decodes the charsets Node does not
 * (charsets.ts).
 */

interface Part {
  readonly fields: Map<string, string>;
  readonly body: string;
}

interface Walk {
  readonly out: string[];
  readonly changes: DecodedChange[];
  readonly explain: boolean;
  readonly iconv: CharsetFallback;
  parts: number;
}

export function decodedBody(message: string, bodyStart: number, explain: boolean, iconv: CharsetFallback = NO_CHARSET_FALLBACK): DecodedText {
  const walk: Walk = { out: [], changes: [], explain, iconv, parts: 0 };
  const top: Part = { fields: fieldsOf(message.slice(0, bodyStart)), body: message.slice(bodyStart) };
  visit(top, walk, 0, '1');
  return { text: utf8Bytes(walk.out.join('\n')), changes: walk.changes };
}

/** The fields of a header (unfolded; the first of each name), by lower-case name. */
function fieldsOf(header: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const f of headerFields(header)) {
    const name = f.name.toLowerCase();
    if (!fields.has(name)) fields.set(name, f.value);
  }
  return fields;
}

/**
 * Where the body of a message or part starts: after the first empty line,
 * LF or CRLF (RFC 5322 §2.1; a part may start with it, RFC 2046 §5.1.1, its
 * header being empty); without one it is all header. This is MIME's view,
 * not procmail's (which needs two LFs: a CRLF message is all header to it).
 */
export function mimeBodyStart(text: string): number {
  const m = /(^|\n)\r?\n/.exec(text);
  return m === null ? text.length : m.index + m[0].length;
}

function splitPart(text: string): Part {
  const at = mimeBodyStart(text);
  return { fields: fieldsOf(text.slice(0, at)), body: text.slice(at) };
}

function visit(part: Part, walk: Walk, depth: number, id: string): void {
  if (++walk.parts > MAX_MIME_PARTS || depth > MAX_MIME_DEPTH) return;
  const ct = parseMimeParams(part.fields.get('content-type') ?? '', walk.iconv);
  const type = ct.value === '' ? 'text/plain' : ct.value;
  const cte = (part.fields.get('content-transfer-encoding') ?? '').trim().toLowerCase();
  if (type.startsWith('multipart/')) {
    const boundary = mimeParam(ct, 'boundary');
    // A multipart without a boundary cannot be split: its body is read as text.
    if (boundary !== undefined && boundary !== '') {
      splitMultipart(part.body, boundary).forEach((p, k) => visit(splitPart(p), walk, depth + 1, `${id}.${k + 1}`));
      return;
    }
  } else if (type === 'message/rfc822' || type === 'message/global') {
    visit(splitPart(part.body), walk, depth + 1, `${id}.1`);
    return;
  } else if (!type.startsWith('text/')) return;
  const disposition = parseMimeParams(part.fields.get('content-disposition') ?? '', walk.iconv).value;
  if (disposition === 'attachment') return;
  text(part, ct, type, cte, walk, id);
}

function text(part: Part, ct: MimeParams, type: string, cte: string, walk: Walk, id: string): void {
  const bytes = cte === 'base64' ? decodeBase64(part.body) : cte === 'quoted-printable' ? decodeQuotedPrintable(part.body) : Buffer.from(part.body, 'latin1');
  const charset = mimeParam(ct, 'charset');
  // No charset, or us-ascii (RFC 2046 §4.1.2's default) with 8-bit bytes in it anyway: UTF-8 if they are, else windows-1252.
  const undeclared = charset === undefined || /^\s*(us-)?ascii\s*$/i.test(charset);
  const decoded = (undeclared ? decodeUndeclared(bytes, undefined, walk.iconv) : decodeCharset(bytes, charset, walk.iconv)).replace(/\r\n/g, '\n');
  walk.out.push(decoded);
  if (walk.explain) {
    const what = `part ${id} ${type}${charset === undefined ? '' : `; charset=${charset}`}${cte === '' ? '' : `, ${cte}`}`;
    walk.changes.push({ what, raw: part.body.slice(0, TRACE_EXCERPT_CHARS), decoded: decoded.slice(0, TRACE_EXCERPT_CHARS) });
  }
}

/**
 * The parts of a multipart body (RFC 2046 §5.1.1): what lies between
 * delimiter lines `--boundary` (blanks may follow), up to `--boundary--`;
 * the line break before a delimiter belongs to it. Preamble and epilogue
 * are not parts. One pass over the lines.
 */
function splitMultipart(body: string, boundary: string): string[] {
  const open = `--${boundary}`;
  const parts: string[] = [];
  let current: string[] | null = null;
  for (const raw of body.split('\n')) {
    if (raw.startsWith(open)) {
      const rest = trimBlanks(raw.slice(open.length));
      if (rest === '' || rest === '--') {
        if (current !== null) parts.push(joinPart(current));
        current = rest === '' ? [] : null;
        if (rest === '--') break;
        continue;
      }
    }
    current?.push(raw);
  }
  // A last part without its closing delimiter still counts (truncated mail).
  if (current !== null && current.length > 0) parts.push(joinPart(current));
  return parts;
}

/** A part's lines; the CR of the CRLF before the delimiter goes with the delimiter too. */
function joinPart(lines: readonly string[]): string {
  const text = lines.join('\n');
  return text.endsWith('\r') ? text.slice(0, -1) : text;
}

/** Without blanks (transport padding) at the end: a loop, since a regex would rescan a long run of blanks at every start. */
function trimBlanks(s: string): string {
  let end = s.length;
  while (end > 0 && (s[end - 1] === ' ' || s[end - 1] === '\t' || s[end - 1] === '\r')) end--;
  return s.slice(0, end);
}
