import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { formatMimeParams, mimeParam, parseMimeParams } from '../../../src/eval/mail/mime-params.js';

const libmime = createRequire(__filename)('libmime') as { parseHeaderValue(s: string): { value: string; params: Record<string, string> } };

describe('parseMimeParams (RFC 2045 §5.1, RFC 2231)', () => {
  it("reads RFC 2231's own examples", () => {
    // RFC 2231 §3: continuations.
    const cont = parseMimeParams(' message/external-body; access-type=URL;\tURL*0="ftp://";URL*1="cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar"');
    expect(cont.value).toBe('message/external-body');
    expect(mimeParam(cont, 'url')).toBe('ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar');
    // RFC 2231 §4: charset and language.
    expect(mimeParam(parseMimeParams("application/x-stuff; title*=us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A"), 'title')).toBe('This is ***fun***');
    // RFC 2231 §4.1: both together; the unencoded middle piece is taken literally.
    const both = parseMimeParams(`application/x-stuff; title*0*=us-ascii'en'This%20is%20even%20more%20; title*1*=%2A%2A%2Afun%2A%2A%2A%20; title*2="isn't it!"`);
    expect(mimeParam(both, 'title')).toBe("This is even more ***fun*** isn't it!");
  });

  it('joins the bytes of the pieces before decoding, so a character split between two comes out whole', () => {
    const p = parseMimeParams("attachment; filename*0*=UTF-8''Rechnung%20f%C3; filename*1*=%BCr%20M%C3%A4rz.pdf");
    expect(mimeParam(p, 'filename')).toBe('Rechnung für März.pdf');
    expect(p.extended).toBe(true);
    expect(formatMimeParams(p)).toBe('attachment; filename="Rechnung für März.pdf"');
  });

  it('prefers the extended form to a plain one of the same name (RFC 6266 §4.3), in either order', () => {
    expect(mimeParam(parseMimeParams(`attachment; filename="fallback.pdf"; filename*=UTF-8''%C3%A4.pdf`), 'filename')).toBe('ä.pdf');
    expect(mimeParam(parseMimeParams(`attachment; filename*=UTF-8''%C3%A4.pdf; filename="fallback.pdf"`), 'filename')).toBe('ä.pdf');
  });

  it('decodes encoded words in quoted values (common, though RFC 2047 §5 forbids them), drops comments, keeps quoted blanks', () => {
    const p = parseMimeParams('text/plain (plain text); charset="iso-8859-1" (latin 1); name="=?UTF-8?Q?f=C3=BCr.txt?="; x=" a ; b "');
    expect(p.value).toBe('text/plain');
    expect(mimeParam(p, 'charset')).toBe('iso-8859-1');
    expect(mimeParam(p, 'name')).toBe('für.txt');
    expect(mimeParam(p, 'x')).toBe(' a ; b ');
    expect(p.extended).toBe(false);
  });

  it('agrees with libmime.parseHeaderValue on RFC 2231 values', () => {
    const values = [
      "attachment; filename*=utf-8''%E2%82%AC%20rates.pdf",
      "attachment; filename*=iso-8859-1'de'M%FCller.txt",
      "attachment; filename*0*=UTF-8''%D0%9F%D1%80%D0%B8; filename*1*=%D0%B2%D0%B5%D1%82.txt",
      "inline; filename*0=part1; filename*1=part2.txt",
      'text/plain; charset=koi8-r; format=flowed',
    ];
    for (const v of values) {
      const mine = parseMimeParams(v);
      const theirs = libmime.parseHeaderValue(v);
      expect(mine.value, v).toBe(theirs.value);
      expect(Object.fromEntries(mine.params.map((p) => [p.name, p.value])), v).toEqual(theirs.params);
    }
  });

  it('never throws on junk', () => {
    for (const v of ['', ';;;', '"unterminated', 'a/b; =x; y=; *0*=z', "x; n*=utf-8'", 'x; n*99999999999*=%', '(((']) expect(() => parseMimeParams(v)).not.toThrow();
  });
});
