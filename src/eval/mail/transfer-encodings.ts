/**
 * The content transfer encodings of RFC 2045 §6 (quoted-printable, base64)
 * and the B and Q encodings of RFC 2047 §4, decoded leniently as mail
 * readers do: what is not valid is kept or skipped, never an error. Input
 * is a latin1 string (one character per byte), output bytes.
 */

const HEX = /^[0-9A-Fa-f]{2}$/;

/**
 * Base64 (RFC 2045 §6.8, RFC 2047 §4.1). Characters outside the alphabet
 * are skipped; text made of several padded pieces (each line padded on its
 * own, or adjacent encoded words joined) is decoded piece by piece, where a
 * plain decoder would stop at the first `=`.
 */
export function decodeBase64(text: string): Buffer {
  const pad = text.indexOf('=');
  if (pad < 0 || !/[A-Za-z0-9+/_-]/.test(text.slice(pad))) return Buffer.from(text, 'base64');
  const pieces: Buffer[] = [];
  for (const piece of text.split(/=+/)) if (piece !== '') pieces.push(Buffer.from(piece, 'base64'));
  return Buffer.concat(pieces);
}

/** `=XX` escapes to bytes; a `=` not followed by two hex digits stays as it is. */
function unescapeHex(text: string): Buffer {
  const out = Buffer.allocUnsafe(text.length);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x3d && i + 2 < text.length && HEX.test(text.slice(i + 1, i + 3))) {
      out[n++] = Number.parseInt(text.slice(i + 1, i + 3), 16);
      i += 2;
    } else out[n++] = c & 0xff;
  }
  return out.subarray(0, n);
}

/**
 * The Q encoding of an encoded word (RFC 2047 §4.2): `_` is a space, `=XX`
 * a byte. Blanks inside the word (a word broken by folding) are spaces, and
 * `= 3D`-style breaks after the `=` are joined, as libmime does.
 */
export function decodeQWord(text: string): Buffer {
  return unescapeHex(text.replace(/=[ \t\r\n]+([0-9A-Fa-f])/g, '=$1').replace(/[_ \t\r\n]/g, ' '));
}

/**
 * Quoted-printable (RFC 2045 §6.7): blanks at the end of a line are
 * transport padding (rule 3) and dropped, a `=` at the end of a line is a
 * soft line break and removed with it, `=XX` is a byte. One pass over the
 * lines: no regex that could rescan a long run of blanks.
 */
export function decodeQuotedPrintable(text: string): Buffer {
  const lines = text.split('\n');
  let out = '';
  for (let k = 0; k < lines.length; k++) {
    let line = lines[k]!;
    const cr = line.endsWith('\r');
    let end = cr ? line.length - 1 : line.length;
    while (end > 0 && (line[end - 1] === ' ' || line[end - 1] === '\t')) end--;
    const soft = end > 0 && line[end - 1] === '=';
    line = line.slice(0, soft ? end - 1 : end);
    out += line;
    if (!soft && k < lines.length - 1) out += cr ? '\r\n' : '\n';
  }
  return unescapeHex(out);
}
