import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { iconvDecode } from '../../../src/deliver/iconv-fallback.js';
import { charsetEncoding, decodeCharset as decodeWith, decodeUndeclared, sameCharset } from '../../../src/eval/mail/charsets.js';

/** As delivery and the dry run decode: iconv-lite for what Node's TextDecoder lacks. */
const decodeCharset = (bytes: Buffer, charset: string): string => decodeWith(bytes, charset, iconvDecode);

/**
 * src/eval/mail/charsets.ts decodes with Node's TextDecoder and mends it where it
 * is not what mailparser gets: these compare it, byte by byte, with
 * libmime's own charset decoder (its label table, then iconv-lite's tables).
 */
const req = createRequire(__filename);
const libmimeCharset = req('libmime/lib/charset.js') as { decode(buf: Buffer, charset: string): string };

const SINGLE_BYTE = [
  'iso-8859-1', 'us-ascii', 'latin1', 'iso-8859-2', 'iso-8859-3', 'iso-8859-4', 'iso-8859-5', 'iso-8859-6', 'iso-8859-7',
  'iso-8859-8', 'iso-8859-9', 'iso-8859-10', 'iso-8859-11', 'iso-8859-13', 'iso-8859-14', 'iso-8859-15', 'iso-8859-16',
  'windows-1250', 'windows-1251', 'windows-1252', 'windows-1253', 'windows-1254', 'windows-1255', 'windows-1256',
  'windows-1257', 'windows-1258', 'windows-874', 'koi8-r', 'koi8-u', 'ibm866', 'macintosh', 'cp850', 'cp437',
];
const DOUBLE_BYTE = ['gb2312', 'gbk', 'gb18030', 'shift_jis', 'euc-jp', 'big5', 'euc-kr', 'ks_c_5601-1987'];

describe('decodeCharset agrees with libmime (iconv-lite) on every table', () => {
  it.each(SINGLE_BYTE)('every byte of %s', (cs) => {
    for (let b = 0; b < 256; b++) {
      const bytes = Buffer.from([b]);
      expect(decodeCharset(bytes, cs), `${cs} byte 0x${b.toString(16)}`).toBe(libmimeCharset.decode(bytes, cs));
    }
    // And a whole run, as text arrives.
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    expect(decodeCharset(all, cs)).toBe(libmimeCharset.decode(all, cs));
  });

  it.each(DOUBLE_BYTE)('every two-byte sequence of %s', (cs) => {
    let differ = 0;
    const examples: string[] = [];
    for (let a = 0x81; a <= 0xfe; a++) {
      for (let b = 0x40; b <= 0xfe; b++) {
        const bytes = Buffer.from([a, b]);
        if (decodeCharset(bytes, cs) !== libmimeCharset.decode(bytes, cs)) {
          differ++;
          if (examples.length < 5) examples.push(bytes.toString('hex'));
        }
      }
    }
    expect({ differ, examples }).toEqual({ differ: 0, examples: [] });
  });

  it('ISO-2022-JP and UTF-16 as libmime decodes them (its encoding-japanese, iconv-lite)', () => {
    const jis = Buffer.from('\x1b$B$3$s$K$A$O\x1b(B world', 'latin1');
    expect(decodeCharset(jis, 'iso-2022-jp')).toBe('こんにちは world');
    expect(decodeCharset(jis, 'ISO-2022-JP')).toBe(libmimeCharset.decode(jis, 'ISO-2022-JP'));
    const le = Buffer.from('\xff\xfeH\x00i\x00', 'latin1');
    expect(decodeCharset(le, 'utf-16')).toBe(libmimeCharset.decode(le, 'utf-16'));
    expect(decodeCharset(Buffer.from('\x00H\x00i', 'latin1'), 'utf-16be')).toBe('Hi');
  });

  it('UTF-7 and charsets TextDecoder lacks go through iconv-lite; unknown ones read as UTF-8', () => {
    const u7 = Buffer.from('Hi Mom -+Jjo--!');
    expect(decodeCharset(u7, 'utf-7')).toBe('Hi Mom -☺-!');
    expect(decodeCharset(u7, 'utf-7')).toBe(libmimeCharset.decode(u7, 'utf-7'));
    const utf8 = Buffer.from('Grüße', 'utf8');
    expect(decodeCharset(utf8, 'x-unknown')).toBe('Grüße');
    expect(decodeCharset(utf8, 'x-unknown')).toBe(libmimeCharset.decode(utf8, 'x-unknown'));
  });
});

describe('charset names', () => {
  it('reads labels as the WHATWG Encoding Standard does, with the misspellings mail has', () => {
    expect(charsetEncoding('ISO-8859-1')).toBe('windows-1252');
    expect(charsetEncoding('us-ascii')).toBe('windows-1252');
    expect(charsetEncoding('GB2312')).toBe('gbk');
    expect(charsetEncoding('utf-8*de')).toBe('utf-8');
    expect(charsetEncoding('win-1251')).toBe('windows-1251');
    expect(charsetEncoding('iso8859_2')).toBe('iso-8859-2');
    expect(charsetEncoding('latin-2')).toBe('iso-8859-2');
    expect(charsetEncoding('no-such-charset')).toBeNull();
  });

  it('sameCharset: aliases match, a different language does not (as libmime joins words)', () => {
    expect(sameCharset('latin1', 'ISO-8859-1')).toBe(true);
    expect(sameCharset('utf-8*sl', 'UTF-8*SL')).toBe(true);
    expect(sameCharset('utf-8*sl', 'utf-8')).toBe(false);
    expect(sameCharset('utf-8', 'iso-8859-1')).toBe(false);
    expect(sameCharset('x-a', 'X-A')).toBe(true);
  });
});

describe('without the iconv-lite fallback', () => {
  it('reads a charset TextDecoder lacks as UTF-8, and asks the fallback only for such charsets', () => {
    const asked: string[] = [];
    const spy = (b: Buffer, cs: string): string | null => (asked.push(cs), iconvDecode(b, cs));
    expect(decodeWith(Buffer.from('Hi', 'latin1'), 'utf-7')).toBe('Hi');
    expect(decodeWith(Buffer.from('+AGEAYgBj-', 'latin1'), 'utf-7')).toBe('+AGEAYgBj-');
    expect(decodeWith(Buffer.from('+AGEAYgBj-', 'latin1'), 'utf-7', spy)).toBe('abc');
    expect(decodeWith(Buffer.from('caf\xe9', 'latin1'), 'iso-8859-1', spy)).toBe('café');
    expect(asked).toEqual(['utf-7']);
  });
});

describe('decodeUndeclared', () => {
  it('is UTF-8 when the bytes are, else the fallback charset', () => {
    expect(decodeUndeclared(Buffer.from('für', 'utf8'))).toBe('für');
    expect(decodeUndeclared(Buffer.from('f\xfcr \x80', 'latin1'))).toBe('für €');
    expect(decodeUndeclared(Buffer.from('\xc1\xc2', 'latin1'), 'koi8-r')).toBe('аб');
  });
});
