import { describe, expect, it } from 'vitest';
import { normalizeAddress, parseAddressList } from '../../../src/eval/mail/address.js';
import { costRatio } from '../../helpers/side-by-side.js';

/** Characters of each kind of garbage; it may cost this many times as much as well-formed addresses (a quadratic scan: thousands). */
const SIZE = 32_000;
const HOSTILE_FACTOR = 10;

describe('parseAddressList', () => {
  it('takes the angle address and drops display names', () => {
    expect(parseAddressList('John Smith <john@example.com>')).toEqual(['john@example.com']);
    expect(parseAddressList('"Smith, John" <john@example.com>, jane@example.org')).toEqual(['john@example.com', 'jane@example.org']);
  });
  it('drops comments, nested ones and those holding address-like text', () => {
    expect(parseAddressList('john@example.com (John (the boss) <boss@evil.com>)')).toEqual(['john@example.com']);
    expect(parseAddressList('(comment) a@b.c')).toEqual(['a@b.c']);
  });
  it('parses groups, empty groups and the members after them', () => {
    expect(parseAddressList('friends: a@x.org, "B" <b@y.org>; c@z.org')).toEqual(['a@x.org', 'b@y.org', 'c@z.org']);
    expect(parseAddressList('undisclosed-recipients:;')).toEqual([]);
  });
  it('keeps needed quotes on local parts and removes needless ones', () => {
    expect(parseAddressList('"john doe"@example.com')).toEqual(['"john doe"@example.com']);
    expect(parseAddressList('"john"@example.com')).toEqual(['john@example.com']);
    expect(parseAddressList('"a@b"@example.com')).toEqual(['"a@b"@example.com']);
  });
  it('leaves encoded words alone (they are display names, never addresses)', () => {
    expect(parseAddressList('=?utf-8?Q?J=C3=B6rg_M=C3=BCller?= <joerg@example.de>')).toEqual(['joerg@example.de']);
    expect(parseAddressList('=?utf-8?B?Ym9zc0BldmlsLmNvbQ==?= <me@ok.org>')).toEqual(['me@ok.org']);
  });
  it('handles source routes, whitespace, domain literals and the null address', () => {
    expect(parseAddressList('<@relay.net,@r2.net:user@example.com>')).toEqual(['user@example.com']);
    expect(parseAddressList('john . doe @ example . com')).toEqual(['john.doe@example.com']);
    expect(parseAddressList('postmaster@[192.0.2.1]')).toEqual(['postmaster@[192.0.2.1]']);
    expect(parseAddressList('<>')).toEqual([]);
  });
  it('ignores a bare display name but keeps a single local word', () => {
    expect(parseAddressList('John Smith')).toEqual([]);
    expect(parseAddressList('postmaster')).toEqual(['postmaster']);
  });
  it('survives garbage: it costs no more than well-formed addresses of the same length', () => {
    const garbage = ['('.repeat(SIZE), '"'.repeat(SIZE + 1), '<'.repeat(SIZE), '[@'.repeat(SIZE), ')'.repeat(SIZE), '\\'.repeat(SIZE), ':'.repeat(SIZE)];
    const length = garbage.reduce((n, g) => n + g.length, 0);
    const wellFormed = 'Alice <alice@example.org>, "Bob B." <bob@example.org>, carol@x.org (Carol), '.repeat(Math.ceil(length / 75)).slice(0, length);
    expect(costRatio(() => garbage.map(parseAddressList), () => parseAddressList(wellFormed))).toBeLessThan(HOSTILE_FACTOR);
    expect(parseAddressList('a@b, "unterminated')).toEqual(['a@b']);
  });
  it('normalizes to lower case and strips angle brackets', () => {
    expect(normalizeAddress(' <John@Example.COM> ')).toBe('john@example.com');
  });
});

// Minimal reproducer found by test/fuzz/engine.test.ts: `* @address From in f`
// on a message whose header is `From:)`.

describe('a ")" outside any comment in an address header', () => {
  // ')' stops an atom, so the tokenizer pushed an empty atom without moving on,
  // for ever: the delivery ran out of heap (a crash, not even a tempfail).
  it('is skipped: parsing ends and the addresses around it are kept', () => {
    expect(parseAddressList(')')).toEqual([]);
    expect(parseAddressList('a@example.com ), b@example.org')).toEqual(['a@example.com', 'b@example.org']);
    expect(parseAddressList('Bob ) <bob@example.com>')).toEqual(['bob@example.com']);
  });
});
