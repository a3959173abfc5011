import { describe, expect, it } from 'vitest';
import { NO_PREFIXES, parseCondition, scanNumber } from '../../src/compile/condition.js';
import { compileRc } from '../../src/compile/compile.js';
import type { CompiledRecipe } from '../../src/compile/compiled-rc.js';
import type { Span } from '../../src/source/span.js';

const span = (text: string): Span => ({ file: 't.rc', line: 1, col: 3, start: 2, end: 2 + text.length });
const parse = (text: string) => parseCondition(text, span(text), NO_PREFIXES);

describe('parseCondition: procmail prefix chain (docs/procmail-semantics.md §1.5)', () => {
  const table: [string, object][] = [
    ['^Subject: hi', { negate: false, weight: null, area: null, test: { kind: 'regex', pattern: '^Subject: hi' } }],
    ['!^X-Loop', { negate: true, test: { kind: 'regex', pattern: '^X-Loop' } }],
    ['! ! ^Double', { negate: false, test: { kind: 'regex', pattern: '^Double' } }],
    ['!!x', { negate: false, test: { kind: 'regex', pattern: 'x' } }],
    ['2^1 ^W', { weight: { w: 2, x: 1 }, test: { kind: 'regex', pattern: '^W' } }],
    ['-1.5 ^ 0.5 x', { weight: { w: -1.5, x: 0.5 }, test: { kind: 'regex', pattern: 'x' } }],
    // procmail 3.22 has no `,` decimal point: this is a regex (differential case 188).
    ['2,5^0 x', { weight: null, test: { kind: 'regex', pattern: '2,5^0 x' } }],
    ['.5^1 x', { weight: { w: 0.5, x: 1 }, test: { kind: 'regex', pattern: 'x' } }],
    ['2 x', { weight: null, test: { kind: 'regex', pattern: '2 x' } }],
    ['.*foo', { weight: null, test: { kind: 'regex', pattern: '.*foo' } }],
    ['B ?? body', { area: { kind: 'B' }, test: { kind: 'regex', pattern: 'body' } }],
    ['HB??x', { area: { kind: 'HB' }, test: { kind: 'regex', pattern: 'x' } }],
    ['BH ?? x', { area: { kind: 'HB' } }],
    ['H ?? B ?? x', { area: { kind: 'B' }, test: { kind: 'regex', pattern: 'x' } }],
    ['FOO ?? ^v', { area: { kind: 'var', name: 'FOO' }, test: { kind: 'regex', pattern: '^v' } }],
    ['FOO ?? < 5', { area: { kind: 'var', name: 'FOO' }, test: { kind: 'size', op: '<', limit: 5 } }],
    ['FOO bar', { area: null, test: { kind: 'regex', pattern: 'FOO bar' } }],
    ['$ ^From:.*$ME', { test: { kind: 'expand', rest: ' ^From:.*$ME' } }],
    ['! $X', { negate: true, test: { kind: 'expand', rest: 'X' } }],
    ['? test -f x', { test: { kind: 'program', command: ' test -f x' } }],
    ['< 1000', { test: { kind: 'size', op: '<', limit: 1000 } }],
    ['>From', { test: { kind: 'size', op: '>', limit: 0 } }],
    ['> $LIMIT', { test: { kind: 'expand', rest: '> $LIMIT' } }],
    ['\\<foo', { test: { kind: 'regex', pattern: '<foo' } }],
    ['\\!bang', { test: { kind: 'regex', pattern: '!bang' } }],
    ['\\\\<foo', { test: { kind: 'regex', pattern: '\\<foo' } }],
    // parseCondition() re-reads the text of a `$` condition: never an extension (compileCondition below).
    ['! 3^0 @loop', { negate: true, weight: { w: 3, x: 0 }, test: { kind: 'regex', pattern: '@loop' } }],
  ];
  for (const [text, expected] of table) {
    it(JSON.stringify(text), () => expect(parse(text).cond).toMatchObject(expected));
  }

  it('continues from the inherited state (run-time re-parse after `$`)', () => {
    const r = parseCondition('B ?? x', span('B ?? x'), { negate: true, weight: { w: 1, x: 0 }, area: null });
    expect(r.cond).toMatchObject({ negate: true, weight: { w: 1, x: 0 }, area: { kind: 'B' } });
  });

  it('reports an invalid regex at the pattern', () => {
    const r = parse('! a(b');
    expect(r.diagnostics.map((d) => [d.severity, d.message, d.span.col])).toEqual([['error', 'Invalid regexp "a(b"', 5]]);
  });

  it('warns about the surprises', () => {
    expect(parse('\\<foo').diagnostics.map((d) => d.code)).toEqual(['backslash-removed']);
    expect(parse('>From').diagnostics.map((d) => d.code)).toEqual(['size-test', 'skipped']);
    expect(parse('> 10 junk').diagnostics.map((d) => d.message)).toEqual(['Skipped "junk"']);
    expect(parse('^Subject: x # note').diagnostics.map((d) => [d.code, d.span.col])).toEqual([['comment-in-condition', 15]]);
    expect(parse('^Subject: x').diagnostics).toEqual([]);
  });
});

describe('scanNumber (procmail stod)', () => {
  it.each([
    ['12', 12, 2], ['-3', -3, 2], ['+.5', 0.5, 3], ['1,25', 1, 1], ['7.', 7, 2], ['  4x', 4, 3],
  ])('%j', (s, value, end) => expect(scanNumber(s, 0)).toEqual({ value, end }));
  it.each(['-', '.', ',x', 'abc'])('%j is not a number', (s) => expect(scanNumber(s, 0)).toBeNull());
});

describe('`@` conditions: an extension only in its exact form, else procmail\'s regex', () => {
  const compiled = (line: string) => {
    const p = compileRc(`:0\n* ${line}\nbox\n`, 'rc');
    const step = p.items[0] as CompiledRecipe;
    return { test: step.conditions[0]!.test, warnings: p.diagnostics.filter((d) => d.code === 'ext-not-exact').length };
  };
  const table: [string, 'ext' | 'regex', number][] = [
    ['@loop', 'ext', 0],
    ['! 3^0 @loop', 'ext', 0],
    ['@sender in white.lst', 'ext', 0],
    ['@address From,Cc in "my list"', 'ext', 0],
    ['@example\\.com', 'regex', 0],
    ['@\\/.*', 'regex', 0],
    ['@loopback', 'regex', 0],
    ['ADDRESS ?? @example', 'regex', 0],
    ['ADDRESS ?? @sender in white.lst', 'regex', 1],
    ['@sender white.lst', 'regex', 1],
    ['@sender in', 'regex', 1],
    ['@loop x', 'regex', 1],
    ['@Loop', 'regex', 1],
    ['@discard', 'regex', 1],
    ['\\@loop', 'regex', 0],
  ];
  for (const [line, kind, warnings] of table) {
    it(`${JSON.stringify(line)} is ${kind === 'ext' ? 'an extension' : 'a regex'}${warnings ? ', with a warning' : ''}`, () => {
      const c = compiled(line);
      expect(c.test.kind).toBe(kind);
      expect(c.warnings).toBe(warnings);
    });
  }
});
