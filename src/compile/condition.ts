/**
 * One condition's prefix chain, exactly as procmail examines it (misc.c
 * conditions(); procmailrc(5) "Conditions"; docs/procmail-semantics.md §1.5): `!` toggles,
 * `w^x` weights, `NAME ??` / `H ??` / `B ??` / `HB ??` choose the area, then
 * one of `$` (expand and look again: the engine calls this function again
 * with the state so far), `?` program, `<`/`>` size, `\` (quotes the first
 * character and is removed) or a regex. `@verb …` is a mailrules extension.
 */
import { diagnostic, type Diagnostic } from '../source/diagnostic.js';
import type { Span } from '../source/span.js';
import { exactExtCondition, looksLikeExt, splitExtLine } from '../syntax/ext-args.js';
import { checkExtCondition, validateExtCondition } from './ext-check.js';
import type { Condition } from '../syntax/ast.js';
import { conditionTextSpan } from '../syntax/sub-spans.js';
import type { Area, CompiledCondition, Test, Weight } from './compiled-rc.js';
import { regexError } from './regex/translate.js';

export interface ConditionState {
  readonly negate: boolean;
  readonly weight: Weight | null;
  readonly area: Area | null;
}

export interface ParsedCondition extends ConditionState {
  readonly test: Test;
}

export const NO_PREFIXES: ConditionState = { negate: false, weight: null, area: null };

/** Areas other than `VAR ??` are shared: they carry nothing but their kind. */
const AREA_H: Area = { kind: 'H' };
const AREA_B: Area = { kind: 'B' };
const AREA_HB: Area = { kind: 'HB' };
/** The regex options at compile time: the recipe's `D` flag applies at run time (evaluate.ts). */
const CASE_INSENSITIVE = { caseSensitive: false };
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
  return { cond: examine(text, span, inherited, diagnostics, null), diagnostics };
}

/**
 * The compiler's parseCondition(): a condition as written, made into the
 * program's CompiledCondition in one step (no intermediate object per
 * condition), its diagnostics appended to `diagnostics`.
 */
export function compileCondition(source: Condition, diagnostics: Diagnostic[]): CompiledCondition {
  return examine(source.text, null, NO_PREFIXES, diagnostics, source) as CompiledCondition;
}

/**
 * parseCondition(); with a `source`, the result is its CompiledCondition.
 * `span` null is the source's text span, derived only for a diagnostic
 * (most conditions have none; sub-spans.ts says why).
 */
function examine(
  text: string,
  span: Span | null,
  inherited: ConditionState,
  diagnostics: Diagnostic[],
  source: Condition | null,
): ParsedCondition {
  // Sub-spans are exact only when the text is the source itself (no squeezed continuation).
  // its text span is as long as the squeezed text, so the length alone can't tell: a `\`+newline
  // in the source can (else carets after it land past the end of the first line).
  const exact = (span === null || span.end - span.start === text.length) && (source === null || !source.raw.includes('\\\n'));
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
      return done(source, negate, weight, area, regexTest(s, span, source, exact, offset, diagnostics));
    }
    if (c !== undefined && isAlnum(s.charCodeAt(0))) {
      let j = 1;
      while (j < s.length && isAlnum(s.charCodeAt(j))) j++;
      const q = skipBlanksFrom(s, j);
      if (s.startsWith('??', q)) {
        const name = s.slice(0, j);
        area = name === 'H' ? AREA_H : name === 'B' ? AREA_B : name === 'HB' || name === 'BH' ? AREA_HB : { kind: 'var', name };
        s = s.slice(skipBlanksFrom(s, q + 2));
        continue;
      }
      return done(source, negate, weight, area, regexTest(s, span, source, exact, offset, diagnostics));
    }
    switch (c) {
      case '$': {
        const rest = skipBlanks(s.slice(1));
        if (source !== null && looksLikeExt(rest)) notExtension(rest, 'after `$` the expanded text is always read as procmail reads it', subSpan(textSpan(span, source), exact, offset, s.length), false, diagnostics);
        return done(source, negate, weight, area, { kind: 'expand', rest: s.slice(1) });
      }
      case '?':
        return done(source, negate, weight, area, { kind: 'program', command: s.slice(1) });
      case '<':
      case '>':
        return done(source, negate, weight, area, sizeTest(c, s, subSpan(textSpan(span, source), exact, offset, s.length), diagnostics));
      case '@': {
        // An extension only as written in the file, at the start of the condition (after `!` and a
        // weight), and in its exact form; after `??`, from a `$` expansion or in any other form, `@`
        // starts a regex as in procmail.
        const ext = source !== null && area === null ? exactExtCondition(s) : null;
        if (ext !== null) return done(source, negate, weight, area, extTest(s, subSpan(textSpan(span, source), exact, offset, s.length), exact, diagnostics));
        if (source !== null && looksLikeExt(s)) notExtension(s, area === null ? null : 'after `??` a condition is always a regex', subSpan(textSpan(span, source), exact, offset, s.length), exact, diagnostics);
        return done(source, negate, weight, area, regexTest(s, span, source, exact, offset, diagnostics));
      }
      case '\\': {
        const next = s[1];
        if (next !== undefined && LOST_ESCAPES.includes(next)) {
          diagnostics.push(diagnostic('warning', 'backslash-removed',
            `a leading "\\" only quotes the first character and is removed: this is the regex "${s.slice(1)}"; write "\\\\${s.slice(1)}" or "(\\${s.slice(1)})" to keep "\\${next}"`,
            subSpan(textSpan(span, source), exact, offset, 2)));
        }
        return done(source, negate, weight, area, regexTest(s.slice(1), span, source, exact, offset + 1, diagnostics));
      }
      default:
        return done(source, negate, weight, area, regexTest(s, span, source, exact, offset, diagnostics));
    }
  }
}

function done(source: Condition | null, negate: boolean, weight: Weight | null, area: Area | null, test: Test): ParsedCondition | CompiledCondition {
  return source === null
    ? { negate, weight, area, test }
    : { span: source.span, text: source.text, source, negate, weight, area, test };
}

/** Where the condition text starts: `span`, or when null the source's text span. */
function textSpan(span: Span | null, source: Condition | null): Span {
  return span ?? conditionTextSpan(source!);
}

/** `length` characters at `offset` in the condition text; the whole span when the text is not the source's. */
function subSpan(span: Span, exact: boolean, offset: number, length: number): Span {
  return exact ? { file: span.file, line: span.line, col: span.col + offset, start: span.start + offset, end: span.start + offset + length } : span;
}

/**
 * The regex `pattern` at `offset` in the condition text. Its span (see
 * subSpan()) is made only for a diagnostic: most conditions have none.
 */
function regexTest(pattern: string, condSpan: Span | null, source: Condition | null, exact: boolean, offset: number, diagnostics: Diagnostic[]): Test {
  const error = regexError(pattern, CASE_INSENSITIVE);
  const hash = pattern.includes('#') ? /[ \t]#/.exec(pattern) : null;
  if (error === null && hash === null && !pattern.endsWith('\r')) return { kind: 'regex', pattern };
  const span = subSpan(textSpan(condSpan, source), exact, offset, pattern.length);
  if (error !== null) diagnostics.push(diagnostic('error', 'invalid-regexp', `Invalid regexp "${pattern}"`, span));
  if (hash !== null) {
    diagnostics.push(diagnostic('warning', 'comment-in-condition',
      `"#" does not start a comment in a condition: "${pattern.slice(hash.index + 1)}" is part of the regex`,
      exact ? { ...span, col: span.col + hash.index + 1, start: span.start + hash.index + 1 } : span));
  }
  if (pattern.endsWith('\r')) {
    diagnostics.push(diagnostic('warning', 'crlf', 'the condition ends in a carriage return, which is part of the regex (CRLF line end)', span));
  }
  return { kind: 'regex', pattern };
}

/**
 * `< N` / `> N`. procmail reads the number with strtol and logs what is left
 * as `Skipped`. `* >From` is therefore `> 0` plus `Skipped "From"`
 * (docs/procmail-semantics.md §1.5, §11.1). A `$` inside is expanded first, which is
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

/**
 * `check`'s warning for a condition that starts like an extension but is a
 * regex: it could be read both ways, and procmail's reading (and so
 * mailrules') is the regex. Says what keeps it from being the extension:
 * `context` (after `??`, after `$`), else its form.
 */
function notExtension(s: string, context: string | null, span: Span, exact: boolean, diagnostics: Diagnostic[]): void {
  const split = splitExtLine(s);
  let why = '`@` and a name must be followed by a blank or the end of the line';
  if (context !== null) why = context;
  else if (split !== null && split.verb !== split.verb.toLowerCase()) why = `extension names are lower case (\`@${split.verb.toLowerCase()}\`)`;
  else if (split !== null) {
    const argsAt = s.length - split.args.length;
    const found = validateExtCondition(split.verb, split.args, span, { ...span, col: span.col + argsAt, start: span.start + argsAt });
    if (found.length > 0) {
      why = found[0]!.message;
      // Offsets into a squeezed text are not source offsets: point at the whole condition instead.
      if (exact) span = found[0]!.span;
    }
  }
  diagnostics.push(diagnostic('warning', 'ext-not-exact',
    `"${s}" is a regex, as procmail reads it, not an extension: ${why}; write "\\${s}" to keep the regex without this warning`, span));
}

/** A condition in an exact extension form (exactExtCondition), parsed once here with its diagnostics. */
function extTest(s: string, span: Span, exact: boolean, diagnostics: Diagnostic[]): Test {
  const m = /^@([A-Za-z][A-Za-z0-9_-]*)?[ \t]*/.exec(s)!;
  const verb = m[1] ?? '';
  const args = s.slice(m[0].length);
  const argsSpan = { ...span, col: span.col + m[0].length, start: span.start + m[0].length };
  const { parsed, diagnostics: found } = checkExtCondition(verb, args, span, argsSpan);
  // Offsets into a squeezed text are not source offsets: point at the whole condition instead.
  diagnostics.push(...(exact ? found : found.map((d) => ({ ...d, span }))));
  return { kind: 'ext', verb, args, parsed };
}

/**
 * procmail's stod(): optional sign, digits, optional `.` and digits; at
 * least one digit. No exponent, and no `,` decimal point: procmail 3.22
 * reads `* 2,5^0 x` as a regex (verified; differential case 188).
 * Returns null when nothing was read.
 */
export function scanNumber(s: string, i: number): { value: number; end: number } | null {
  let j = skipBlanksFrom(s, i);
  const negative = s[j] === '-';
  if (negative || s[j] === '+') j++;
  const from = j;
  while (isDigit(s.charCodeAt(j))) j++;
  let digits = j - from;
  if (s[j] === '.') {
    j++;
    const fracFrom = j;
    while (isDigit(s.charCodeAt(j))) j++;
    digits += j - fracFrom;
  }
  if (digits === 0) return null;
  // `12`, `12.`, `.5` and `12.5` are all JavaScript number literals.
  const value = Number(s.slice(from, j));
  return { value: negative ? -value : value, end: j };
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isAlnum(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
}

function skipBlanks(s: string): string {
  return s.slice(skipBlanksFrom(s, 0));
}

function skipBlanksFrom(s: string, i: number): number {
  while (s[i] === ' ' || s[i] === '\t') i++;
  return i;
}
