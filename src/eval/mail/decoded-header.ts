import { NO_CHARSET_FALLBACK, type CharsetFallback } from './charsets.js';
import { decodeEncodedWords, needsDecoding } from './encoded-words.js';
import { utf8Bytes, type DecodedChange, type DecodedText } from './decoded-text.js';
import { formatMimeParams, mimeParam, parseMimeParams } from './mime-params.js';

/**
 * The header as `* @decoded` sees it: every field unfolded (RFC 5322
 * §2.2.3: the line breaks before continuation lines removed, the blanks
 * kept) and written on one line, its encoded words decoded (RFC 2047),
 * Content-Type and Content-Disposition parameters in RFC 2231 form written
 * out plainly (`filename="Rechnung für März.pdf"`), raw 8-bit text read as
 * UTF-8 or, when it is not, in the message's charset (windows-1252 when
 * it names none). The From_ line and anything that is not a field stay as
 * they are; line ends become LF.
 *
 * `header` is the header area as the engine holds it (a latin1 string, the
 * From_ line and the blank line after the fields included); `iconv` decodes
 * the charsets Node does not (charsets.ts).
 */
const FIELD = /^([\x21-\x39\x3b-\x7e]+)[ \t]*:/;
/** Fields whose parameters may use RFC 2231. */
const PARAM_FIELDS = new Set(['content-type', 'content-disposition']);

export function decodedHeader(header: string, explain: boolean, iconv: CharsetFallback = NO_CHARSET_FALLBACK): DecodedText {
  const lines = header.split('\n');
  // A final newline leaves an empty last piece: not a line of its own.
  if (lines[lines.length - 1] === '') lines.pop();
  const logical: string[] = [];
  for (const raw of lines) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const last = logical.length - 1;
    if ((line[0] === ' ' || line[0] === '\t') && last >= 0 && FIELD.test(logical[last]!)) logical[last] += line;
    else logical.push(line);
  }
  const charset = eightBitCharset(logical, iconv);
  const changes: DecodedChange[] = [];
  let out = '';
  for (const line of logical) {
    const m = FIELD.exec(line);
    const extended = m !== null && line.includes('*') && PARAM_FIELDS.has(m[1]!.toLowerCase());
    if (m === null || !(extended || needsDecoding(line))) {
      out += `${line}\n`;
      continue;
    }
    const name = m[1]!;
    const colon = line.indexOf(':') + 1;
    const value = line.slice(colon);
    let decoded: string;
    const params = extended ? parseMimeParams(value, iconv) : null;
    if (params !== null && params.extended) decoded = `${/^[ \t]*/.exec(value)![0]}${formatMimeParams(params)}`;
    else decoded = decodeEncodedWords(value, charset, iconv);
    const text = `${line.slice(0, colon)}${decoded}`;
    out += `${utf8Bytes(text)}\n`;
    if (explain && text !== line) changes.push({ what: name, raw: line, decoded: text });
  }
  return { text: out, changes };
}

/** The charset raw 8-bit header text is read in when it is not UTF-8: the message's own, if it names one. */
function eightBitCharset(fields: readonly string[], iconv: CharsetFallback): string | undefined {
  const ct = fields.find((l) => /^content-type[ \t]*:/i.test(l));
  if (ct === undefined) return undefined;
  const cs = mimeParam(parseMimeParams(ct.slice(ct.indexOf(':') + 1), iconv), 'charset');
  return cs === undefined || /^(us-ascii|ascii|utf-8|utf8)$/i.test(cs.trim()) ? undefined : cs;
}
