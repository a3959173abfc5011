import { describe, expect, it } from 'vitest';
import { quote } from '../../src/lmtp/service-log.js';

/** The quoting rule spelt out the long way: control characters become spaces, then a value that is empty or has a space, `"` or `\` is quoted. */
function reference(value: string): string {
  const clean = value.replace(/[\x00-\x1f\x7f]/g, ' ');
  return clean === '' || /[\s"\\]/.test(clean) ? `"${clean.replace(/["\\]/g, (c) => `\\${c}`)}"` : clean;
}

describe('service log quoting', () => {
  it('quotes every value as the rule says, the values written as they are included', () => {
    const alphabet = ['a', 'Z', '0', '<', '@', '.', '+', '=', '~', '!', '#', '[', ']', '^', ' ', '"', '\\', '\t', '\n', '\r', '\x00', '\x7f', '\x80', '\xa0', '\xe9', '\u2028', '\u3000', 'é'];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    const values = ['', 'plain', '<a@b.c>', '12.50', '250 2.0.0', 'x\x7f', '"', '\\'];
    for (let i = 0; i < 2000; i++) values.push(Array.from({ length: next() % 8 }, () => alphabet[next() % alphabet.length]).join(''));
    for (const v of values) expect([v, quote(v)]).toEqual([v, reference(v)]);
  });
});
