import { describe, expect, it } from 'vitest';
import { parseAddressList } from '../../src/eval/mail/address.js';

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
