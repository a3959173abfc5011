import { describe, expect, it } from 'vitest';
import { translateRegex, type ProcRegex } from '../../src/compile/regex/translate.js';
import { matchedText } from '../../src/eval/matched-text.js';
import { dfaOf } from '../../src/eval/regex-dfa.js';
import { liveSetsOf } from '../../src/eval/regex-live.js';
import { NO_END, nextMatchEnd, runNfa, searchText, test } from '../../src/eval/regex-search.js';
import { Rng } from '../fuzz/prng.js';

/**
 * The DFA (regex-dfa.ts), the floor it reports, the backward pass that
 * prunes threads (regex-live.ts) and the reported text (matched-text.ts)
 * against the plain simulation of the automaton (regex-search.ts runNfa, which
 * test/regex/golden.test.ts holds to the real procmail), on generated
 * patterns and texts.
 */

const rng = new Rng(7);
/** An integer in [0, n). */
function next(n: number): number {
  return rng.int(0, n - 1);
}

const ATOMS = ['a', 'b', 'B', '.', '[ab]', '[^a]', '^', '$', '^^', '\\<', 'x', ' ', 'bab', 'xaB', '(ab|bb|xa)'];
function pattern(depth = 0): string {
  let p = '';
  for (let k = 1 + next(4); k > 0; k--) {
    const r = next(10);
    let atom = r < 2 && depth < 3 ? `(${pattern(depth + 1)}${next(2) ? `|${pattern(depth + 1)}` : ''})` : ATOMS[next(ATOMS.length)]!;
    if (next(8) === 0) atom = '\\/' + atom;
    p += atom + ['', '', '*', '+', '?'][next(5)]!;
  }
  return p;
}
function text(): string {
  let t = '';
  for (let k = next(24); k > 0; k--) t += 'aabB x\n'[next(7)];
  return t;
}
function rx(p: string): ProcRegex | null {
  const r = translateRegex(p, { caseSensitive: next(2) === 0 });
  return r.ok ? r.regex : null;
}
function sim(r: ProcRegex, S: string, p0: number, lastInject: number, live: readonly Int32Array[] | null = null): string {
  const out = runNfa(r.nfa, S, p0, lastInject, live);
  return `${out.end}/${out.bom}/${out.eom}`;
}

describe('the DFA and the simulation agree', () => {
  it('on where the first match ends, from every start (patterns without `\\/`)', () => {
    let matched = 0;
    for (let t = 0; t < 3000; t++) {
      const r = rx(pattern().replaceAll('\\/', ''));
      if (r === null) continue;
      const S = searchText(text(), r.caseSensitive);
      for (const [p0, last] of [[0, S.length - 2], [1, S.length - 2], [S.length >> 1, S.length - 2], [S.length - 1, S.length - 1]] as const) {
        const end = dfaOf(r.nfa).firstEnd(S, p0, last);
        expect(end, `${r.pattern} on ${JSON.stringify(S)} from ${p0}`).toBe(runNfa(r.nfa, S, p0, last).end);
        if (end >= 0) matched++;
      }
    }
    expect(matched).toBeGreaterThan(2000);
  });

  it('on MATCH from the floor and with threads that cannot match dropped', () => {
    let extracted = 0;
    // Anchors at both ends, written out: the generator seldom puts them where they act.
    const ANCHORED = ['\\/a^^', 'x\\/.*^^', '\\/(a|b)*$^^', '^^\\/a', '^^\\/.*', 'b\\/(^^|a)', '\\/a*$$^^'];
    for (let t = 0; t < 3000; t++) {
      const r = rx(t < 300 ? ANCHORED[t % ANCHORED.length]! : pattern());
      if (r === null || !r.hasMatchSplit) continue;
      const S = searchText(text(), r.caseSensitive);
      const last = S.length - 2;
      for (const p0 of [0, 1, S.length >> 1]) {
        const dfa = dfaOf(r.nfa);
        const whole = sim(r, S, p0, last);
        if (dfa.firstEnd(S, p0, last) < 0) {
          expect(whole.startsWith('-1/'), r.pattern).toBe(true);
          continue;
        }
        const what = `${r.pattern} on ${JSON.stringify(S)} from ${p0}`;
        expect(sim(r, S, dfa.floor, last), what).toBe(whole);
        expect(sim(r, S, p0, last, liveSetsOf(r.nfa).liveSets(S, last)), what).toBe(whole);
        if (!whole.includes('/-1/')) extracted++;
      }
    }
    expect(extracted).toBeGreaterThan(300);
  });
});

describe('the required strings a search looks for first', () => {
  it('never stop a search that would match, asked from positions in any order', () => {
    let matched = 0;
    for (let t = 0; t < 2000; t++) {
      const r = rx(pattern().replaceAll('\\/', ''));
      if (r === null) continue;
      // Texts that hold the pattern's strings now and then.
      const area = r.required.length > 0 && next(2) ? text() + r.required[0]![next(r.required[0]!.length)]! + text() : text();
      const S = searchText(area, r.caseSensitive);
      const len = area.length;
      for (let k = 0; k < 6; k++) {
        const from = next(len + 1);
        if (from >= len) continue;
        const p0 = from === 0 || S.charCodeAt(from) === 10 ? from : from + 1;
        const want = runNfa(r.nfa, S, p0, S.length - 2).end;
        expect(nextMatchEnd(r, area, from), `${r.pattern} on ${JSON.stringify(area)} from ${from}`).toBe(want < 0 ? NO_END : want - 1);
        if (want >= 0) matched++;
      }
    }
    expect(matched).toBeGreaterThan(1000);
  });
});

describe('the required strings of some patterns', () => {
  it('are one of a group\'s words, any of them', () => {
    const folded = (p: string): ProcRegex => {
      const t = translateRegex(p, { caseSensitive: false });
      if (!t.ok) throw new Error(t.error);
      return t.regex;
    };
    const r = folded('^Subject:.*(viagra|cialis|free money)');
    expect(r.required).toEqual([['\nsubject:'], ['viagra', 'cialis', 'free money']]);
    const area = 'From: x\nSubject: buy cialis and Free Money\nTo: y\n';
    expect(test(r, area)).toBe(true);
    expect(test(r, area.replace('cialis', 'tea').replace('Free Money', 'cash'))).toBe(false);
    expect(test(r, area.replace('Subject', 'Subjekt'))).toBe(false);
    // From further on, only the later word is left.
    expect(nextMatchEnd(r, area, 0)).toBe(area.indexOf('cialis') + 6);
    expect(nextMatchEnd(r, area, area.indexOf('cialis') + 6)).toBe(NO_END);
    expect(folded('(a|bcd)x').required).toEqual([]);
    expect(folded('abc|def').required).toEqual([]);
  });
});

describe('a pattern whose DFA would need a state per character', () => {
  it('is simulated instead, with the same results', () => {
    // 2^14 sets of threads: more than a search may keep (DFA_MAX_STATES).
    const r = rx(`(a|b)*a${'(a|b)'.repeat(14)}c`)!;
    const m = rx(`(a|b)*a${'(a|b)'.repeat(14)}\\/c[a-z]*`)!;
    for (let t = 0; t < 6; t++) {
      let area = '';
      for (let i = 0; i < 20_000; i++) area += next(2) ? 'a' : 'b';
      if (t % 2 === 0) area = area.slice(0, 10_000 + next(9_000)) + 'a' + 'ab'.repeat(7) + 'cxyz' + area.slice(0, 500);
      const S = searchText(area, r.caseSensitive);
      const last = S.length - 2;
      const end = dfaOf(r.nfa).firstEnd(S, 0, last);
      expect(end).toBe(runNfa(r.nfa, S, 0, last).end);
      expect(end >= 0).toBe(t % 2 === 0);
      const dfa = dfaOf(m.nfa);
      const whole = sim(m, S, 0, last);
      if (dfa.firstEnd(S, 0, last) >= 0) {
        expect(sim(m, S, dfa.floor, last)).toBe(whole);
        expect(sim(m, S, 0, last, liveSetsOf(m.nfa).liveSets(S, last)), area).toBe(whole);
      } else expect(whole.startsWith('-1/')).toBe(true);
    }
  });
});

/** A JS RegExp of a procmail pattern without `^^` (a reference for the reported text on small inputs). */
function jsOf(p: string, fold: boolean): RegExp {
  let out = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '\\') {
      const d = p[++i]!;
      out += d === '/' ? '' : d === '<' ? '[^a-zA-Z0-9_]' : `\\x${d.charCodeAt(0).toString(16).padStart(2, '0')}`;
    } else if (c === '^' || c === '$') out += '\\n';
    else if (c === '.') out += '[^\\n]';
    else if (c === '[') {
      const close = p.indexOf(']', i + 2);
      const body = p.slice(i + 1, close);
      out += body.startsWith('^') ? `[^${body.slice(1)}\\n]` : `[${body}]`;
      i = close;
    } else if (c === ' ') out += ' ';
    else out += '()|*+?'.includes(c) ? c : fold ? c.toLowerCase() : c;
  }
  return new RegExp(`^(?:${out})$`);
}

function clamp(k: number, len: number): number {
  return k < 0 ? 0 : k > len ? len : k;
}

describe('the reported text', () => {
  it('is the leftmost match, as long as it goes', () => {
    let reported = 0;
    for (let t = 0; t < 3000; t++) {
      const p = pattern();
      if (p.includes('^^')) continue;
      const r = rx(p);
      if (r === null) continue;
      const area = text();
      const S = searchText(area, r.caseSensitive);
      const js = jsOf(p, !r.caseSensitive);
      let want: string | undefined;
      for (let s = 0; s < S.length && want === undefined; s++) {
        for (let e = S.length; e >= s; e--) {
          if (js.test(S.slice(s, e))) {
            want = area.slice(clamp(s - 1, area.length), clamp(e - 1, area.length));
            break;
          }
        }
      }
      expect(matchedText(r, area), `${p} on ${JSON.stringify(area)}`).toBe(want);
      if (want !== undefined) reported++;
    }
    expect(reported).toBeGreaterThan(1000);
  });
});
