/**
 * One condition's prefix chain, exactly as procmail examines it (misc.c
 * conditions(); procmailrc(5) "Conditions"; procmail.md §1.5): `!` toggles,
 * `w^x` weights, `NAME ??` / `H ??` / `B ??` / `HB ??` choose the area, then
 * one of `$` (expand and look again: the engine calls this function again
 * with the state so far), `?` program, `<`/`>` size, `\` (quotes the first
 * character and is removed) or a regex. `@verb …` is a mailrules extension.
 */
import { diagnostic, type Diagnostic } from '../source/diagnostic.js';
import type { Span } from '../source/span.js';
import { validateExtCondition } from '../ext/validate.js';
import type { Area, Test, Weight } from './program.js';
import { translateRegex } from './regex.js';

export interface ConditionState {
  readonly negate: boolean;
  readonly weight: Weight | null;
  readonly area: Area | null;
}

export interface ParsedCondition extends ConditionState {
  readonly test: Test;
}

export const NO_PREFIXES: ConditionState = { negate: false, weight: null, area: null };

const ALNUM = /[A-Za-z0-9_]/;
/** After a leading `\`, these would have meant something to the regex had the backslash stayed. */
const LOST_ESCAPES = '<>/.()[]*|';

/**
 * `text` is the condition after `*` (Condition.text) or, at run time, the
 * expansion of a `$` condition; `span` is where `text` starts.
 */
export function parseCondition(
  text: string,
  span: Span,
  inherited: ConditionState,
): { cond: ParsedCondition; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  // Sub-spans are exact only when the text is the source itself (no squeezed continuation).
  const exact = span.end - span.start === text.length;
  let { negate, weight, area } = inherited;
  let s = text;
  for (;;) {
    const offset = text.length - s.length;
    const c = s[0];
    if (c === '!') {
      negate = !negate;
      s = skipBlanks(s.slice(1));
      continue;
    }
    if (c !== undefined && '0123456789-+.,'.includes(c)) {
      const w = scanNumber(s, 0);
      if (w !== null) {
        const caret = skipBlanksFrom(s, w.end);
        if (s[caret] === '^') {
          const x = scanNumber(s, caret + 1);
          if (x !== null) {
            weight = { w: w.value, x: x.value };
            s = s.slice(skipBlanksFrom(s, x.end));
            continue;
          }
        }
      }
      return result(negate, weight, area, diagnostics, regexTest(s, subSpan(span, exact, offset, s.length), diagnostics));
    }
    if (c !== undefined && ALNUM.test(c)) {
      let j = 1;
      while (j < s.length && ALNUM.test(s[j]!)) j++;
      const q = skipBlanksFrom(s, j);
      if (s.startsWith('??', q)) {
        const name = s.slice(0, j);
        area = name === 'H' ? { kind: 'H' } : name === 'B' ? { kind: 'B' } : name === 'HB' || name === 'BH' ? { kind: 'HB' } : { kind: 'var', name };
        s = s.slice(skipBlanksFrom(s, q + 2));
        continue;
      }
      return result(negate, weight, area, diagnostics, regexTest(s, subSpan(span, exact, offset, s.length), diagnostics));
    }
    switch (c) {
      case '$':
        return result(negate, weight, area, diagnostics, { kind: 'expand', rest: s.slice(1) });
      case '?':
        return result(negate, weight, area, diagnostics, { kind: 'program', command: s.slice(1) });
      case '<':
      case '>':
        return result(negate, weight, area, diagnostics, sizeTest(c, s, subSpan(span, exact, offset, s.length), diagnostics));
      case '@':
        return result(negate, weight, area, diagnostics, extTest(s, subSpan(span, exact, offset, s.length), diagnostics));
      case '\\': {
        const next = s[1];
        if (next !== undefined && LOST_ESCAPES.includes(next)) {
          diagnostics.push(diagnostic('warning', 'backslash-removed',
            `a leading "\\" only quotes the first character and is removed: this is the regex "${s.slice(1)}"; write "\\\\${s.slice(1)}" or "(\\${s.slice(1)})" to keep "\\${next}"`,
            subSpan(span, exact, offset, 2)));
        }
        return result(negate, weight, area, diagnostics, regexTest(s.slice(1), subSpan(span, exact, offset + 1, s.length - 1), diagnostics));
      }
      default:
        return result(negate, weight, area, diagnostics, regexTest(s, subSpan(span, exact, offset, s.length), diagnostics));
    }
  }
}

function result(
  negate: boolean,
  weight: Weight | null,
  area: Area | null,
  diagnostics: Diagnostic[],
  test: Test,
): { cond: ParsedCondition; diagnostics: Diagnostic[] } {
  return { cond: { negate, weight, area, test }, diagnostics };
}

/** `length` characters at `offset` in the condition text; the whole span when the text is not the source's. */
function subSpan(span: Span, exact: boolean, offset: number, length: number): Span {
  return exact ? { file: span.file, line: span.line, col: span.col + offset, start: span.start + offset, end: span.start + offset + length } : span;
}

function regexTest(pattern: string, span: Span, diagnostics: Diagnostic[]): Test {
  const r = translateRegex(pattern, { caseSensitive: false });
  if (!r.ok) diagnostics.push(diagnostic('error', 'invalid-regexp', `Invalid regexp "${pattern}"`, span));
  const hash = /[ \t]#/.exec(pattern);
  if (hash !== null) {
    diagnostics.push(diagnostic('warning', 'comment-in-condition',
      `"#" does not start a comment in a condition: "${pattern.slice(hash.index + 1)}" is part of the regex`,
      { ...span, col: span.col + hash.index + 1, start: span.start + hash.index + 1 }));
  }
  if (pattern.endsWith('\r')) {
    diagnostics.push(diagnostic('warning', 'crlf', 'the condition ends in a carriage return, which is part of the regex (CRLF line end)', span));
  }
  return { kind: 'regex', pattern };
}

/**
 * `< N` / `> N`. procmail reads the number with strtol and logs what is left
 * as `Skipped`. `* >From` is therefore `> 0` plus `Skipped "From"`
 * (procmail.md §1.5, §11.1). A `$` inside is expanded first, which is
 * exactly what an `expand` test does.
 */
function sizeTest(op: '<' | '>', s: string, span: Span, diagnostics: Diagnostic[]): Test {
  if (s.includes('$') || s.includes('`')) return { kind: 'expand', rest: s };
  const m = /^[ \t\n]*([-+]?[0-9]+)?/.exec(s.slice(1))!;
  const limit = m[1] === undefined ? 0 : Number.parseInt(m[1], 10);
  const rest = skipBlanks(s.slice(1 + m[0].length));
  if (m[1] === undefined) {
    diagnostics.push(diagnostic('warning', 'size-test',
      `"${s}" is a size test (${op} 0), not a regex; write "\\${s}" to match the text`, span));
  }
  if (rest !== '') diagnostics.push(diagnostic('warning', 'skipped', `Skipped "${rest}"`, span));
  return { kind: 'size', op, limit };
}

function extTest(s: string, span: Span, diagnostics: Diagnostic[]): Test {
  const m = /^@([A-Za-z][A-Za-z0-9_-]*)?[ \t]*/.exec(s)!;
  const verb = m[1] ?? '';
  const args = s.slice(m[0].length);
  const argsSpan = { ...span, col: span.col + m[0].length, start: span.start + m[0].length };
  diagnostics.push(...validateExtCondition(verb, args, span, argsSpan));
  return { kind: 'ext', verb, args };
}

/**
 * procmail's stod(): optional sign, digits, optional `.` and digits; at
 * least one digit. No exponent, and no `,` decimal point: procmail 3.22
 * reads `* 2,5^0 x` as a regex (verified; differential case 188).
 * Returns null when nothing was read.
 */
export function scanNumber(s: string, i: number): { value: number; end: number } | null {
  const m = /^[ \t]*([-+]?)([0-9]*)(?:\.([0-9]*))?/.exec(s.slice(i))!;
  const int = m[2] ?? '';
  const frac = m[3] ?? '';
  if (int === '' && frac === '') return null;
  const value = Number(`${int || '0'}.${frac || '0'}`);
  return { value: m[1] === '-' ? -value : value, end: i + m[0].length };
}

function skipBlanks(s: string): string {
  return s.slice(skipBlanksFrom(s, 0));
}

function skipBlanksFrom(s: string, i: number): number {
  while (s[i] === ' ' || s[i] === '\t') i++;
  return i;
}
