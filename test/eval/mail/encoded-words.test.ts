import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { decodeEncodedWords } from '../../../src/eval/mail/encoded-words.js';
import { IN_CI } from '../../e2e/lda.js';
import { forAll, type Rng } from '../../fuzz/prng.js';
import { corpusFiles, headerFields, SHARED_CORPUS } from '../../helpers/corpus.js';

/**
 * RFC 2047 decoding (src/eval/mail/encoded-words.ts) against the two decoders
 * people compare with: mailparser's (libmime's decodeWords) on every encoded
 * header of the corpus and on generated ones, and Python's email.header.
 */
const req = createRequire(__filename);
const libmime = req('libmime') as { decodeWords(s: string): string };

describe('every encoded header in ../shared/corpus decodes as mailparser decodes it', () => {
  const files = corpusFiles();
  it.skipIf(files.length === 0)('libmime.decodeWords and mailparser agree with decodeEncodedWords', async () => {
    const { simpleParser } = req('mailparser') as { simpleParser(b: Buffer): Promise<{ subject?: string }> };
    let encoded = 0;
    for (const file of files) {
      const bytes = fs.readFileSync(file);
      for (const f of headerFields(bytes)) {
        if (!f.value.includes('=?')) continue;
        encoded++;
        // mailparser reads header bytes as UTF-8 before it decodes words; the engine holds them as bytes.
        const asMailparser = Buffer.from(f.value, 'latin1').toString('utf8');
        expect(decodeEncodedWords(f.value), `${file}: ${f.name}`).toBe(libmime.decodeWords(asMailparser));
        if (f.name.toLowerCase() === 'subject') {
          // mailparser's own subject (it unfolds to one blank and trims).
          const parsed = await simpleParser(Buffer.from(`Subject:${f.value}\n\n`, 'latin1'));
          void asMailparser;
          expect(decodeEncodedWords(f.value).replace(/\s+/g, ' ').trim(), file).toBe((parsed.subject ?? '').replace(/\s+/g, ' ').trim());
        }
      }
    }
    // The corpus has encoded words in UTF-8, UTF-16, GB2312, ISO-8859-1/2/4, with RFC 2231 languages: all of them were compared.
    expect(encoded).toBeGreaterThanOrEqual(12);
  });
  if (files.length === 0) console.warn(`skipping the corpus comparison: no corpus at ${SHARED_CORPUS}`);
});

/** Text in each charset, and its bytes there (the encodings Python's codecs share with libmime's). */
const SAMPLES: [string, string][] = [
  ['UTF-8', 'Rechnung für März – 50 € 👉'],
  ['ISO-8859-1', 'Grüße aus Köln'],
  ['ISO-8859-15', 'Preis: 50 € œuvre'],
  ['windows-1252', '“Zitat” – fertig…'],
  ['Shift_JIS', 'こんにちは世界'],
  ['GB2312', '你好，世界'],
  ['KOI8-R', 'Привет, мир'],
  ['ISO-8859-2', 'Příliš žluťoučký kůň'],
];

function encodeSample(rng: Rng, charset: string, text: string): string {
  const iconv = req('iconv-lite') as { encode(s: string, cs: string): Buffer };
  const bytes = iconv.encode(text, charset);
  // Split the bytes anywhere (also inside a character), each piece its own word: B or Q, any case.
  const words: string[] = [];
  let at = 0;
  const b = rng.chance(0.5);
  while (at < bytes.length) {
    const n = rng.int(1, 12);
    const piece = bytes.subarray(at, at + n);
    at += n;
    const enc = rng.chance(0.5) ? (b ? 'B' : 'Q') : b ? 'b' : 'q';
    const payload = enc.toUpperCase() === 'B' ? piece.toString('base64') : [...piece].map((c) => (c > 0x20 && c < 0x7f && c !== 0x3d && c !== 0x3f && c !== 0x5f ? String.fromCharCode(c) : c === 0x20 ? '_' : `=${c.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
    words.push(`=?${rng.chance(0.2) ? charset.toLowerCase() : charset}?${enc}?${payload}?=`);
  }
  return words.join(rng.pick([' ', '  ', '\t', ' \t ']));
}

describe('generated headers decode as libmime decodes them', () => {
  it('mixed charsets, words split anywhere (also inside a character), folding blanks between them', () => {
    forAll('encoded-words', 0x2047, 300, (rng) => {
      const parts: string[] = [];
      for (let k = rng.int(1, 4); k > 0; k--) {
        if (rng.chance(0.4)) parts.push(rng.pick(['Re:', 'Fwd: [list]', 'plain text', '(comment)', '"quoted"']));
        const [cs, text] = rng.pick(SAMPLES);
        parts.push(encodeSample(rng, cs, text));
      }
      return parts.join(rng.pick([' ', '  ', ' \t']));
    }, (value) => {
      expect(decodeEncodedWords(value)).toBe(libmime.decodeWords(value));
    });
  });

  it('malformed words are left as they are and never throw', () => {
    const cases = [
      '=?UTF-8?Q?unterminated',
      '=?UTF-8?X?unknown_encoding?=',
      '=??Q?no_charset?=',
      '=?UTF-8?B?!!!notbase64!!!?=',
      '=?UTF-8?Q?bad=ZZhex=4?=',
      '=?x-nonesuch?Q?=C3=A4?=',
      '=?UTF-8?Q?a?b?=',
      '=?=?=?=?',
    ];
    for (const c of cases) expect(decodeEncodedWords(c), c).toBe(libmime.decodeWords(c));
    forAll('encoded-words-garbage', 0xbad, 300, (rng) => rng.chars(rng.int(0, 60), '=?QqBb_ Aa0+/-*\t8'), (value) => {
      expect(() => decodeEncodedWords(value)).not.toThrow();
      expect(decodeEncodedWords(value)).toBe(libmime.decodeWords(value));
    });
  });

  it('raw 8-bit text outside words: UTF-8 when it is, else the charset given', () => {
    expect(decodeEncodedWords(Buffer.from('Grüße =?UTF-8?Q?aus_K=C3=B6ln?=', 'utf8').toString('latin1'))).toBe('Grüße aus Köln');
    expect(decodeEncodedWords('Gr\xfc\xdfe', 'iso-8859-15')).toBe('Grüße');
    expect(decodeEncodedWords('\xf0\xd2\xc9\xd7\xc5\xd4', 'koi8-r')).toBe('Привет');
  });
});

describe("Python's email.header agrees", () => {
  const python = spawnSync('python3', ['-c', 'import email.header'], { encoding: 'utf8' });
  const missing = python.status !== 0 ? 'python3 with its email package is not installed' : null;
  if (missing !== null && IN_CI) throw new Error(`CI=true but ${missing}`);

  it.skipIf(missing !== null)('on well-formed headers in UTF-8, ISO-8859-1/15, windows-1252, Shift_JIS, GB2312, KOI8-R and ISO-2022-JP', () => {
    const iconv = req('iconv-lite') as { encode(s: string, cs: string): Buffer };
    const q = (cs: string, text: string): string =>
      `=?${cs}?Q?${[...iconv.encode(text, cs)].map((c) => (c >= 0x30 && c <= 0x7a && c !== 0x3d && c !== 0x3f && c !== 0x5f ? String.fromCharCode(c) : c === 0x20 ? '_' : `=${c.toString(16).toUpperCase().padStart(2, '0')}`)).join('')}?=`;
    const b = (cs: string, text: string): string => `=?${cs}?B?${iconv.encode(text, cs).toString('base64')}?=`;
    const values = [
      `Rechnung ${q('UTF-8', 'für März')}`,
      `${q('UTF-8', 'Rechnung fü')} ${q('UTF-8', 'r März')}`,
      // One character split between two words: both decoders join the bytes first.
      '=?UTF-8?B?w6Q=?= =?UTF-8?B?w7Y=?=',
      `Re: ${q('UTF-8', 'café')} und ${q('ISO-8859-1', 'Müller')}`,
      b('ISO-8859-15', 'Preis 50 €'),
      q('windows-1252', '“Zitat”'),
      b('Shift_JIS', 'こんにちは'),
      b('GB2312', '你好'),
      `${b('KOI8-R', 'Привет')} ${b('KOI8-R', ', мир')}`,
      '=?ISO-2022-JP?B?GyRCJDMkcyRLJEEkTxsoQg==?=',
      '=?utf-8?q?lower_case_q?= and =?UTF-8?b?YmFzZTY0?=',
      'no encoded words at all',
    ];
    const r = spawnSync('python3', ['-c', 'import sys, json\nfrom email.header import decode_header, make_header\nprint(json.dumps([str(make_header(decode_header(v))) for v in json.load(sys.stdin)]))'], {
      input: JSON.stringify(values),
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    const py = JSON.parse(r.stdout) as string[];
    expect(values.map((v) => decodeEncodedWords(v))).toEqual(py);
    expect(py[1]).toBe('Rechnung für März');
  });
  if (missing !== null) console.warn(`skipping the comparison with Python: ${missing}`);
});
