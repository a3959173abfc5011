/**
 * Rc files and messages are read as latin1 so one byte is one character
 * (src/source/span.ts). Text that goes into a composed notice must be real
 * Unicode: bytes that form valid UTF-8 (what editors write today) are decoded
 * as UTF-8, anything else is taken as latin1 — never mojibake either way.
 */
export function decodeBytes(bytes: Buffer): string {
  const utf8 = bytes.toString('utf8');
  return Buffer.from(utf8, 'utf8').equals(bytes) ? utf8 : bytes.toString('latin1');
}

/** decodeBytes for a latin1-decoded string. */
export function decodeLatin1Text(text: string): string {
  // Already Unicode (not a byte string): nothing to decode.
  if (/[^\x00-\xff]/.test(text)) return text;
  return decodeBytes(Buffer.from(text, 'latin1'));
}

/** Line breaks as CRLF (MIME canonical form, RFC 2045 §2.10), whatever the input used. */
export function crlf(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}
