/**
 * What a `@decoded` condition searches: the message's text decoded to
 * UTF-8, held as the engine holds all text, one character per byte (a
 * latin1 string), so an rc written in UTF-8 matches it byte for byte.
 */
export interface DecodedText {
  /** The decoded text: UTF-8 bytes as a latin1 string. */
  readonly text: string;
  /** Where decoding changed the text, for the trace (only when asked for): raw and decoded, both as people read them. */
  readonly changes: readonly DecodedChange[];
}

export interface DecodedChange {
  /** The field name, or the part (`part 2 text/html; charset=koi8-r, base64`). */
  readonly what: string;
  /** The raw text (a latin1 string of the bytes). */
  readonly raw: string;
  /** The decoded text (Unicode). */
  readonly decoded: string;
}

/** Unicode text as the engine holds UTF-8: one character per byte. */
export function utf8Bytes(text: string): string {
  // Plain ASCII is already its own UTF-8.
  return /[^\x00-\x7f]/.test(text) ? Buffer.from(text, 'utf8').toString('latin1') : text;
}

/** The engine's UTF-8 byte string back to Unicode, for people (the trace, MATCH shown decoded). */
export function fromUtf8Bytes(bytes: string): string {
  return /[\x80-\xff]/.test(bytes) ? Buffer.from(bytes, 'latin1').toString('utf8') : bytes;
}
