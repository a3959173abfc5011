/**
 * iconv-lite, for the few charsets Node's TextDecoder does not know or
 * decodes differently (charsets.ts says which). It is the one module of the
 * decoding code that loads anything at run time: its tables cost ~10 ms to
 * load and tens of milliseconds per double-byte table, so it is required on
 * the first message that needs it, never at start-up, and a missing
 * package only means those charsets are read as UTF-8.
 */
interface Iconv {
  decode(bytes: Buffer, charset: string): string;
  encodingExists(charset: string): boolean;
}

let iconv: Iconv | null | undefined;

function load(): Iconv | null {
  if (iconv === undefined) {
    try {
      iconv = require('iconv-lite') as Iconv;
    } catch {
      iconv = null;
    }
  }
  return iconv;
}

/** `bytes` decoded by iconv-lite as `charset`, or null when iconv-lite is absent or does not know the charset. */
export function iconvDecode(bytes: Buffer, charset: string): string | null {
  const lib = load();
  if (lib === null) return null;
  try {
    return lib.encodingExists(charset) ? lib.decode(bytes, charset) : null;
  } catch {
    return null;
  }
}
