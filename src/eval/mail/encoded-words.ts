import { decodeCharset, decodeUndeclared, NO_CHARSET_FALLBACK, sameCharset, type CharsetFallback } from './charsets.js';
import { decodeBase64, decodeQWord } from './transfer-encodings.js';

/**
 * RFC 2047 encoded words (`=?charset?Q?text?=`, `=?charset?B?text?=`) in
 * an unfolded header value, decoded to text. Decoding follows what mail
 * readers and mailparser's libmime accept, which is laxer than the RFC:
 *
 * - words are found anywhere, also inside quoted strings and next to other
 *   text (`"=?utf-8?Q?J=C3=B6rg?=" <j@x>`, `Re:=?utf-8?B?…?=`);
 * - blanks between two encoded words are dropped (RFC 2047 §6.2), so a
 *   text folded over several words reads as one;
 * - adjacent words of the same charset and encoding are joined before they
 *   are decoded, so a character split between two words (against §5, but
 *   common) comes out whole;
 * - the charset may carry an RFC 2231 §5 language (`utf-8*de`);
 * - a word that is not well formed, or text that only looks like one, is
 *   left as it is; a charset nobody knows is read as UTF-8.
 *
 * Text outside the words is raw bytes (the value is a latin1 string, one
 * character per byte): UTF-8 when it is valid UTF-8, else `eightBit`.
 * test/eval/mail/encoded-words.test.ts compares this with libmime's decodeWords
 * and with Python's email.header.
 */

/** An encoded word: charset (word characters, `-`, `*` for a language), encoding, text without `?`. */
const WORD = /=\?([\w*-]+)\?([QqBb])\?([^?]*)\?=/g;
/** What may stand between two encoded words for them to be one run. */
const BLANKS = /^[ \t\r\n\v\f]*$/;

interface Word {
  charset: string;
  encoding: 'B' | 'Q';
  text: string;
}

function decodeWord(w: Word, iconv: CharsetFallback): string {
  const bytes = w.encoding === 'B' ? decodeBase64(w.text) : decodeQWord(w.text);
  return decodeCharset(bytes, w.charset, iconv);
}

/** Raw text between words: as is when ASCII, else read as UTF-8 or the fallback charset. */
function plain(text: string, eightBit: string | undefined, iconv: CharsetFallback): string {
  return /[\x80-\xff]/.test(text) ? decodeUndeclared(Buffer.from(text, 'latin1'), eightBit, iconv) : text;
}

/** Does `value` contain anything that decodes (an encoded word) or needs reading (8-bit bytes)? */
export function needsDecoding(value: string): boolean {
  return value.includes('=?') || /[\x80-\xff]/.test(value);
}

/**
 * The text of an unfolded header value (a latin1 string of its bytes) with
 * its encoded words decoded. `eightBit` is the charset for raw 8-bit text
 * that is not UTF-8 (default windows-1252); `iconv` decodes the charsets
 * Node does not (charsets.ts).
 */
export function decodeEncodedWords(value: string, eightBit?: string, iconv: CharsetFallback = NO_CHARSET_FALLBACK): string {
  if (!value.includes('=?')) return plain(value, eightBit, iconv);
  let out = '';
  let at = 0;
  let pending: Word | null = null;
  const flush = (): void => {
    if (pending !== null) out += decodeWord(pending, iconv);
    pending = null;
  };
  WORD.lastIndex = 0;
  for (let m = WORD.exec(value); m !== null; m = WORD.exec(value)) {
    const between = value.slice(at, m.index);
    const word: Word = { charset: m[1]!, encoding: m[2]!.toUpperCase() as 'B' | 'Q', text: m[3]! };
    at = m.index + m[0].length;
    if (pending !== null && BLANKS.test(between)) {
      // Two words in a row: the blanks go; the same charset and encoding make one word.
      if (pending.encoding === word.encoding && sameCharset(pending.charset, word.charset)) {
        pending.text += word.text;
        continue;
      }
      flush();
      pending = word;
      continue;
    }
    flush();
    out += plain(between, eightBit, iconv);
    pending = word;
  }
  flush();
  return out + plain(value.slice(at), eightBit, iconv);
}
