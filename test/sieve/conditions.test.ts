import { describe, expect, it } from 'vitest';
import { compileRc } from '../../src/compile/compile.js';
import type { CompiledRecipe } from '../../src/compile/compiled-rc.js';
import { procRegexTree } from '../../src/compile/regex/parser.js';
import { translateCondition } from '../../src/sieve/conditions.js';
import { bracket, simplify } from '../../src/sieve/ere.js';
import { foldSafe } from '../../src/sieve/folding.js';
import { printTest } from '../../src/sieve/script.js';
import { Vars } from '../../src/sieve/values.js';

/** The Sieve test of the first condition of `:0 FLAGS` / `* CONDITION`, or the error codes. */
function sieve(condition: string, flags = ''): string {
  const p = compileRc(`:0 ${flags}\n* ${condition}\nx\n`, 'rc');
  const r = p.items[0] as CompiledRecipe;
  let n = 0;
  const t = translateCondition(r.conditions[0]!, {
    vars: Vars.initial(),
    flags: r.flags,
    allowPipe: false,
    lists: { read: () => null },
    temp: (purpose) => `t_${purpose}_${++n}`,
  });
  if (!t.ok) return `error: ${t.reasons.map((x) => x.code).join(',')}`;
  const cav = t.cond.reasons.filter((x) => x.severity === 'warning').map((x) => x.code);
  return printTest(t.cond.test, '') + (t.cond.matchGroup === null ? '' : ` MATCH=\${${t.cond.matchGroup}}`) + (cav.length > 0 ? ` [${cav.join(',')}]` : '');
}

describe('to-sieve conditions: header patterns', () => {
  it.each([
    ['^Subject: Hello', 'header :matches "Subject" "Hello*"'],
    ['^Subject:.*free', 'header :contains "Subject" "free"'],
    ['^Subject: Hello$', 'header :is "Subject" "Hello"'],
    ['^Subject:.*end$', 'header :matches "Subject" "*end"'],
    ['^X-Spam-Level: \\*\\*\\*', 'header :matches "X-Spam-Level" "\\\\*\\\\*\\\\**"'],
    ['^References:', 'exists "References"'],
    ['^(To|Cc):.*bob', 'header :contains ["To", "Cc"] "bob"'],
    ['^Subject: [0-9]+ new', 'header :regex "Subject" "^[0-9]+ new" [fold]'],
    ['^Subject: Hello there', 'header :matches "Subject" "Hello there*" [fold]'],
    ['! ^X-Loop: me', 'not header :matches "X-Loop" "me*"'],
    ['^$', 'true'],
    ['', 'true'],
  ])('%s → %s', (cond, want) => {
    expect(sieve(cond)).toBe(want);
  });

  it('reads ^TO_ as its header names and its word-boundary prefix', () => {
    expect(sieve('^TO_joe@x\\.org')).toBe(
      'header :regex ["To", "Cc", "Bcc", "Resent-To", "Resent-Cc", "Resent-Bcc", "Original-To", "Original-Cc", "Original-Bcc", "Original-Resent-To", "Original-Resent-Cc", "Original-Resent-Bcc", "X-Envelope-To", "Apparently-To", "Apparently-Resent-To"] "^(.*[^.0-9A-Z_a-z-])?joe@x\\\\.org"',
    );
  });

  it('compares case-sensitively under D, and says field names still ignore case', () => {
    expect(sieve('^Subject: Hello', 'D')).toBe('header :matches :comparator "i;octet" "Subject" "Hello*" [field-name-case]');
  });

  it('tests ^FROM_MAILER on the fields and the envelope sender, the null sender included', () => {
    const t = sieve('^FROM_MAILER');
    expect(t).toContain('header :regex ["From", "Sender", "Resent-From", "Resent-Sender", "X-Envelope-From"] "^([^>]*');
    expect(t).toContain('envelope :all :is "from" ""');
    expect(t).toContain('envelope :all :regex "from" "^([^>]*');
    // Its automaton shows a fold cannot change the answer (the From_ line is a note, not a caveat).
    expect(t).not.toMatch(/\[.*\]$/);
  });

  it('refuses what a per-field test cannot say', () => {
    expect(sieve('Keyword')).toBe('error: regex');
    expect(sieve('^^From')).toBe('error: regex');
    expect(sieve('^Subject: a$^X: b')).toBe('error: regex');
    // Repaired as procmail runs it, `(abc)`, which is not anchored to a field.
    expect(sieve('(abc')).toBe('error: regex');
  });

  it('takes a name without its colon as a prefix of field names, with a caveat', () => {
    expect(sieve('^Subject')).toBe('exists "Subject" [field-prefix]');
  });

  it('captures MATCH, rewriting `.*c\\/` so that the earliest split is the only one', () => {
    expect(sieve('^List-Id:.*<\\/[^.>]+')).toBe('header :regex "List-Id" "^([^<]|<[.>])*<([^.>]+)" MATCH=${2}');
    expect(sieve('^X-To:.*:\\/[a-z]+')).toBe('header :regex "X-To" "^([^:]|:+[^:A-Za-z])*:+([a-z]+)" MATCH=${2}');
    expect(sieve('^Subject: \\/.*')).toBe('header :regex "Subject" "^(.*)" MATCH=${1} [regex]');
  });
});

describe('to-sieve conditions: body and variables', () => {
  it('writes newlines as encoded characters and anchors only where procmail may use the virtual newline', () => {
    expect(sieve('^First', 'B')).toBe('body :raw :regex "(${hex:0a}|^)First"');
    expect(sieve('Last line$$', 'B')).toBe('body :raw :regex "Last line${hex:0a}(${hex:0a}|$)"');
    expect(sieve('^^a', 'B')).toBe('body :raw :regex "^a"');
    expect(sieve('a.b', 'B')).toBe('body :raw :regex "a[^${hex:0a}]b"');
    expect(sieve('x[^y]z', 'B')).toBe('body :raw :regex "x[^${hex:0a}y]z"');
    expect(sieve('word', 'B')).toBe('body :raw :contains "word"');
  });

  it('adds "the body is empty" where the pattern matches an empty body (Pigeonhole tests no empty body)', () => {
    expect(sieve('^^^^', 'B')).toBe('anyof(body :raw :regex "^$", not body :raw :contains "")');
  });

  it('tests variables with string, telling Pigeonhole the comparator', () => {
    expect(sieve('V ?? ^^a\\.b^^')).toBe('string :regex :comparator "i;ascii-casemap" "" "^a\\\\.b$"');
  });

  it('compares whole-message sizes', () => {
    expect(sieve('> 1000')).toBe('size :over 1000');
    expect(sieve('< 1000')).toBe('size :under 1000');
    expect(sieve('B ?? < 10')).toBe('error: size-area');
  });

  it('computes program idioms, and refuses other programs', () => {
    expect(sieve('? true')).toBe('true');
    expect(sieve('! ? false')).toBe('true');
    expect(sieve('? test -z "$V"')).toBe('true');
    expect(sieve('? /usr/bin/test -n "$V"')).toBe('false');
    expect(sieve('? /usr/local/bin/test -n "$V"')).toBe('error: program');
    expect(sieve('? spamc -c')).toBe('error: program');
    // grep on the body procmail feeds under B: a fixed text, case-sensitive; the header (no B) has no Sieve form.
    expect(sieve('? grep -q Keyword', 'B')).toBe('body :raw :contains :comparator "i;octet" "Keyword"');
    expect(sieve("? grep -qF 'a.b c'", 'B')).toBe('body :raw :contains :comparator "i;octet" "a.b c"');
    expect(sieve('? grep -q Keyword')).toBe('error: program');
    expect(sieve('? grep -q Keyword', 'HB')).toBe('error: program');
    expect(sieve('? grep -q a.b', 'B')).toBe('error: program');
    expect(sieve('? grep -qi Keyword', 'B')).toBe('error: program');
  });
});

describe('to-sieve: regex parts', () => {
  it('writes bracket expressions with ] first and ^ - last, negated when shorter', () => {
    const set = (s: string): Uint8Array => {
      const b = new Uint8Array(256);
      for (const c of s) b[c.charCodeAt(0)] = 1;
      return b;
    };
    const of = (s: string): string | null => {
      const b = set(s);
      return bracket((c) => b[c] === 1, () => false);
    };
    expect(of(']^-a')).toBe('[]a^-]');
    expect(of('abcdef')).toBe('[a-f]');
    expect(of('^')).toBe('\\^');
    expect(of('.')).toBe('\\.');
    const notGt = new Uint8Array(256).fill(1);
    notGt[0x3e] = 0;
    expect(bracket((c) => notGt[c] === 1, () => false)).toBe('[^>]');
  });

  it('tells patterns a fold can change from those it cannot', () => {
    const safe = (p: string): boolean | null => foldSafe(simplify(procRegexTree(p, false) as never), true);
    expect(safe('.*foo')).toBe(true);
    expect(safe('Hello[ \t]+there')).toBe(true);
    expect(safe('(.*[^-a-zA-Z0-9_.])?joe')).toBe(true);
    expect(safe('Hello there')).toBe(false);
    expect(safe('caf. cr.me')).toBe(false);
    // A fold before a tab: procmail reads ` \t`, Pigeonhole a single space; a repeat of spaces alone tells them apart.
    expect(safe('.*foo +bar')).toBe(false);
    expect(safe('.*foo[ ]*bar')).toBe(false);
    expect(safe('.*a[^\t]b')).toBe(false);
    expect(safe('.*foo[ \t]*bar')).toBe(true);
  });
});
