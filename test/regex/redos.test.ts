import { describe, expect, it } from 'vitest';
import { translateRegex, type ProcRegex } from '../../src/compile/regex.js';
import { countMatches, search } from '../../src/eval/regex-search.js';
import { addRegexScore, newScore } from '../../src/eval/score.js';

/**
 * No pattern and no message may hang delivery (docs/architecture.md §4.8). These patterns take
 * exponential time in a plain backtracking engine; the translator must emit
 * only constructs V8's linear engine accepts, so the excessive-backtracking
 * fallback (test/setup.ts, src/v8-flags.ts) can take over.
 */

function rx(pattern: string, caseSensitive = false): ProcRegex {
  const r = translateRegex(pattern, { caseSensitive });
  if (!r.ok) throw new Error(r.error);
  return r.regex;
}

function timed(f: () => unknown): number {
  const t0 = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const line100k = 'a'.repeat(100_000) + 'b';

const hostile: Array<[string, string]> = [
  ['(a+)+$', line100k],
  ['(a+)+$', 'a'.repeat(30) + 'b'],
  ['(x+x+)+y', 'x'.repeat(5_000)],
  ['(.*)*z', 'q'.repeat(20_000)],
  ['(.*a){12}', 'a'.repeat(5_000)],
  ['((a|aa)+)+c', 'a'.repeat(3_000)],
  ['(a|a|a|a)*(b|a)*$x', 'a'.repeat(3_000)],
  ['^(([a-z])+.)+[A-Z]([a-z])+$', 'a'.repeat(5_000) + '!'],
  ['(A+)+$', 'a'.repeat(40) + 'b'],
];

describe('hostile patterns finish quickly', () => {
  for (const [pattern, text] of hostile) {
    it(`${pattern} on ${text.length} chars`, () => {
      const r = rx(pattern);
      const ms = timed(() => search(r, text));
      expect(ms).toBeLessThan(1000);
    });
  }

  it('a MATCH extraction over a hostile pattern is linear too', () => {
    const r = rx('\\/(a+)+b');
    const text = 'a'.repeat(20_000) + 'b';
    let m: string | undefined;
    const ms = timed(() => (m = search(r, text).match));
    expect(m?.length).toBe(20_001);
    expect(ms).toBeLessThan(1000);
  });

  it('scoring a hostile pattern over many lines stays bounded', () => {
    const r = rx('^(a+)+$');
    const body = ('a'.repeat(30) + 'b\n').repeat(2_000);
    const s = newScore();
    const ms = timed(() => addRegexScore(s, 1, 1, false, r, body));
    expect(s.value).toBe(0);
    expect(ms).toBeLessThan(1000);
  });

  it('counts matches over a 1 MB body in linear time', () => {
    const r = rx('^.*$');
    const body = 'some text on a line\n'.repeat(50_000);
    let n = 0;
    const ms = timed(() => (n = countMatches(r, body)));
    expect(n).toBe(50_001);
    expect(ms).toBeLessThan(1000);
  });
});

describe('emitted JS runs under the linear engine', () => {
  const patterns = [
    '^TO_joe', '^FROM_DAEMON', '^FROM_MAILER', 'x^^', '^^x', '\\<a\\>', '[^a-z]', '(a|)*', 'a\\/b', '[]-]', 'caf\u00e9',
  ];
  for (const p of patterns) {
    it(p, () => {
      const r = rx(p);
      // The `l` flag exists only when enableLinearRegexFallback() ran (test/setup.ts).
      expect(() => new RegExp(r.source, 'l')).not.toThrow();
      expect(r.re.flags).toBe('g');
    });
  }
});
