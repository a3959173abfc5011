import { isAscii, isUtf8 } from 'node:buffer';
import { BoundedMap } from '../../bounded-map.js';
import { CHARSET_DECODER_CACHE_SIZE } from '../../limits.js';

/**
 * Bytes in a MIME charset (RFC 2046 §4.1.2, RFC 2047 §2, RFC 2231 §4) to
 * text. Charset names are read as the WHATWG Encoding Standard reads labels
 * (`iso-8859-1` and `us-ascii` are windows-1252, `gb2312` is GBK,
 * `ks_c_5601-1987` is EUC-KR, `utf-16` is UTF-16LE), as mail readers and
 * mailparser's libmime do, and decoded by Node's TextDecoder, whose tables
 * are built into the node binary: nothing is loaded for them.
 *
 * Where Node's decoder is not the standard's, the result is mended so it is
 * the same as libmime's (iconv-lite's tables):
 * - windows-1252, the commonest legacy charset in mail, is decoded here:
 *   Node 20's TextDecoder reads it as ISO-8859-1 (0x80 gives U+0080, not €);
 * - text whose decoding shows a replacement character, a C1 control or a
 *   private-use character (an undefined windows-125x byte, Korean UHC,
 *   Big5-HKSCS and GBK extensions ICU lacks) is decoded again by iconv-lite;
 * - charsets TextDecoder does not know (UTF-7, ISO-8859-16, IBM code pages)
 *   and the few whose tables differ (ibm866, macintosh, gb18030) go to
 *   iconv-lite; what neither knows is read as UTF-8, as libmime does.
 * iconv-lite comes in as a parameter (CharsetFallback), loaded by the
 * caller (src/deliver/iconv-fallback.ts): this module loads nothing.
 * test/eval/mail/charsets.test.ts compares every byte of each table with iconv-lite.
 */

/**
 * Decodes bytes in a charset Node's TextDecoder lacks or decodes
 * differently: iconv-lite's decoder (src/deliver/iconv-fallback.ts); null
 * when it cannot.
 */
export type CharsetFallback = (bytes: Buffer, charset: string) => string | null;

/** No fallback: such charsets are read as UTF-8 or as TextDecoder reads them. */
export const NO_CHARSET_FALLBACK: CharsetFallback = () => null;

/** TextDecoder encodings whose valid characters differ from iconv-lite's: decoded by iconv-lite when it is there. */
const ICONV_FIRST = new Set(['ibm866', 'macintosh', 'gb18030']);
/**
 * Characters that mean "look again": U+FFFD, C1 controls, the private-use
 * area; after a multi-byte charset also the controls ICU swaps (SUB, FS,
 * DEL), Latin-1 letters and ▓, which its EUC-JP and Big5 tables give for
 * sequences iconv-lite reads otherwise. Text in those charsets hardly ever
 * holds them, and a false alarm only costs iconv-lite's time.
 */
const SUSPECT = /[\u0080-\u009f\ufffd\ue000-\uf8ff]/;
const SUSPECT_MULTIBYTE = /[\x1a\x1c\x7f-\xff\u2593\ue000-\uf8ff\ufffd]/;
/** ICU gives ª for windows-1253's undefined 0xAA. */
const SUSPECT_1253 = /[\u0080-\u009f\u00aa\ufffd\ue000-\uf8ff]/;
/** The multi-byte charsets TextDecoder knows (ISO-2022-JP is 7-bit: its own check is U+FFFD alone). */
const MULTIBYTE = new Set(['gbk', 'gb18030', 'big5', 'euc-jp', 'shift_jis', 'euc-kr']);
/** windows-1252 0x80–0x9F (WHATWG index-windows-1252; U+FFFD where the code page has no character, as iconv-lite). */
const CP1252_C1 = '€\ufffd‚ƒ„…†‡ˆ‰Š‹Œ\ufffdŽ\ufffd\ufffd‘’“”•–—˜™š›œ\ufffdžŸ';

/**
 * The WHATWG labels of UTF-8 and windows-1252, most mail's charsets: known
 * without a TextDecoder, whose first construction costs a delivery ~10 ms
 * (Node loads its ICU converters then).
 */
const COMMON = new Map<string, string>([
  ...['unicode-1-1-utf-8', 'unicode11utf8', 'unicode20utf8', 'utf-8', 'utf8', 'x-unicode20utf8'].map((l) => [l, 'utf-8'] as const),
  ...['ansi_x3.4-1968', 'ascii', 'cp1252', 'cp819', 'csisolatin1', 'ibm819', 'iso-8859-1', 'iso-ir-100', 'iso8859-1', 'iso88591', 'iso_8859-1', 'iso_8859-1:1987', 'l1', 'latin1', 'us-ascii', 'windows-1252', 'x-cp1252'].map(
    (l) => [l, 'windows-1252'] as const,
  ),
]);

type Decoder = InstanceType<typeof TextDecoder>;

const decoders = new BoundedMap<string, Decoder | null>(CHARSET_DECODER_CACHE_SIZE);

function textDecoder(label: string): Decoder | null {
  let d = decoders.get(label);
  if (d === undefined) {
    try {
      d = new TextDecoder(label);
    } catch {
      d = null;
    }
    decoders.set(label, d);
  }
  return d;
}

/**
 * The charset's name: lower case, without an RFC 2231 §5 language suffix
 * (`utf-8*sl`), and with the common misspellings libmime also accepts
 * (`win-1251`, `iso8859_2`, `latin-2`, `8859-1`) read as what they mean.
 */
export function charsetLabel(charset: string): string {
  const star = charset.indexOf('*');
  return (star < 0 ? charset : charset.slice(0, star)).trim().toLowerCase();
}

function resolve(label: string): Decoder | null {
  const d = textDecoder(label);
  if (d !== null || label === '') return d;
  const fixed = label
    .replace(/^utf[-_]?(\d+)$/, 'utf-$1')
    .replace(/^win(?:dows)?[-_]?(\d+)$/, 'windows-$1')
    .replace(/^(?:latin|iso[-_]?8859)?[-_]?(\d+)$/, 'iso-8859-$1')
    .replace(/^l[-_]?(\d+)$/, 'iso-8859-$1');
  return fixed === label ? null : textDecoder(fixed);
}

/** The WHATWG name of a charset label (`latin1` → `windows-1252`), or null when Node does not know it. */
export function charsetEncoding(charset: string): string | null {
  const label = charsetLabel(charset);
  return COMMON.get(label) ?? resolve(label)?.encoding ?? null;
}

/** Whether two charset names mean the same thing (`latin1`, `ISO-8859-1`); the language suffix counts, as in libmime. */
export function sameCharset(a: string, b: string): boolean {
  const la = a.toLowerCase();
  const lb = b.toLowerCase();
  if (la === lb) return true;
  const suffix = (s: string): string => (s.includes('*') ? s.slice(s.indexOf('*')) : '');
  if (suffix(la) !== suffix(lb)) return false;
  const ea = charsetEncoding(la);
  return ea !== null && ea === charsetEncoding(lb);
}

function suspect(enc: string): RegExp {
  if (MULTIBYTE.has(enc)) return SUSPECT_MULTIBYTE;
  if (enc === 'iso-2022-jp') return /\ufffd/;
  return enc === 'windows-1253' ? SUSPECT_1253 : SUSPECT;
}

function windows1252(bytes: Buffer): string {
  const text = bytes.toString('latin1');
  return /[\x80-\x9f]/.test(text) ? text.replace(/[\x80-\x9f]/g, (c) => CP1252_C1[c.charCodeAt(0) - 0x80]!) : text;
}

/** `bytes` in `charset` as text. Never throws; an unknown charset is read as UTF-8. */
export function decodeCharset(bytes: Buffer, charset: string, iconvDecode: CharsetFallback = NO_CHARSET_FALLBACK): string {
  const label = charsetLabel(charset);
  const common = COMMON.get(label);
  if (common !== undefined) return common === 'utf-8' ? bytes.toString('utf8') : windows1252(bytes);
  const d = resolve(label);
  if (d === null) return iconvDecode(bytes, label) ?? bytes.toString('utf8');
  const enc = d.encoding;
  if (enc === 'utf-8') return bytes.toString('utf8');
  if (enc === 'windows-1252') return windows1252(bytes);
  const wide = enc === 'utf-16le' || enc === 'utf-16be';
  // Plain ASCII is itself in every charset here but UTF-16 (and ISO-2022-JP once it has an escape).
  if (!wide && isAscii(bytes) && !bytes.includes(0x1b)) return bytes.toString('latin1');
  if (ICONV_FIRST.has(enc)) return iconvDecode(bytes, enc) ?? d.decode(bytes);
  const text = d.decode(bytes);
  if (wide || !suspect(enc).test(text)) return text;
  return iconvDecode(bytes, enc) ?? text;
}

/**
 * Bytes outside any declared charset (raw 8-bit header text, a text part
 * without a charset): UTF-8 when they are valid UTF-8, else `fallback`
 * (windows-1252 unless the message says otherwise), as mail readers do.
 */
export function decodeUndeclared(bytes: Buffer, fallback = 'windows-1252', iconvDecode: CharsetFallback = NO_CHARSET_FALLBACK): string {
  if (isAscii(bytes) || isUtf8(bytes)) return bytes.toString('utf8');
  return decodeCharset(bytes, fallback, iconvDecode);
}
