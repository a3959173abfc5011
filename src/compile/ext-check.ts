import { diagnostic, type Diagnostic } from '../source/diagnostic.js';
import type { Span } from '../source/span.js';
import type { Step } from './compiled-rc.js';
import { regexError } from './regex/translate.js';
import { parseExtAction, parseExtCondition, type ExtActionSyntax, type ExtConditionSyntax, type ExtSyntaxError, type Parsed } from '../syntax/ext-args.js';

/**
 * Extension lines at compile time: their arguments parsed once
 * (src/syntax/ext-args.ts) into the values the engine runs, and every
 * problem as a diagnostic pointing at the bad part, for `mailrules check`.
 *
 * `span` covers the extension text starting at its `@` (for a condition,
 * after the `*` and any `!`/weight prefixes). `argsSpan`, when the parser
 * knows it, is where `args` starts; without it the arguments are assumed to
 * follow the verb after one blank, which is how they are usually written.
 * Spans are computed on the first line only (extension lines are one line;
 * a continued line still gets the right line number, possibly a rough column).
 */
export function validateExtCondition(verb: string, args: string, span: Span, argsSpan?: Span): Diagnostic[] {
  return checkExtCondition(verb, args, span, argsSpan).diagnostics;
}

/** validateExtCondition(), and the parsed condition the compiler keeps so the engine never parses it again. */
export function checkExtCondition(verb: string, args: string, span: Span, argsSpan?: Span): { parsed: Parsed<ExtConditionSyntax>; diagnostics: Diagnostic[] } {
  const parsed = parseExtCondition(verb, args);
  const diagnostics = toDiagnostics(parsed, verb, args, span, argsSpan);
  if (parsed.ok && parsed.value.verb === 'decoded') {
    // The regex is checked as a regex condition's is (compile/condition.ts), at the pattern's own place.
    const error = regexError(parsed.value.pattern, { caseSensitive: false });
    if (error !== null) diagnostics.push(diagnostic('error', 'invalid-regexp', `Invalid regexp "${parsed.value.pattern}"`, subSpan({ code: '', message: '', offset: 0, length: args.length }, verb, args, span, argsSpan)));
  }
  return { parsed, diagnostics };
}

export function validateExtAction(verb: string, args: string, span: Span, argsSpan?: Span): Diagnostic[] {
  return checkExtAction(verb, args, span, argsSpan).diagnostics;
}

/** validateExtAction(), and the parsed action the compiler keeps so the engine never parses it again. */
export function checkExtAction(verb: string, args: string, span: Span, argsSpan?: Span): { parsed: Parsed<ExtActionSyntax>; diagnostics: Diagnostic[] } {
  const parsed = parseExtAction(verb, args);
  return { parsed, diagnostics: toDiagnostics(parsed, verb, args, span, argsSpan) };
}

function toDiagnostics(parsed: Parsed<unknown>, verb: string, args: string, span: Span, argsSpan: Span | undefined): Diagnostic[] {
  if (parsed.ok) return [];
  return parsed.errors.map((e) => diagnostic('error', e.code, e.message, subSpan(e, verb, args, span, argsSpan)));
}

function subSpan(e: ExtSyntaxError, verb: string, args: string, span: Span, argsSpan: Span | undefined): Span {
  if (e.offset < 0) {
    // The verb itself: `@` plus the name.
    return { file: span.file, line: span.line, col: span.col, start: span.start, end: span.start + verb.length + 1 };
  }
  // `@verb` then one blank before non-empty args; empty args point just past the verb.
  const skip = verb.length + 1 + (args === '' ? 0 : 1);
  const base = argsSpan ?? { file: span.file, line: span.line, col: span.col + skip, start: span.start + skip, end: span.end };
  const start = base.start + e.offset;
  // A missing argument is a 1-character caret just past the verb: not beyond the line, which may end the file.
  const end = Math.max(start, Math.min(start + e.length, Math.max(span.end, base.end)));
  return { file: base.file, line: base.line, col: base.col + e.offset, start, end };
}

/**
 * `check`: a warning at each `@auth` or `authenticated` condition that no
 * AUTHSERV_ID assignment comes before, in this file or (`assignedBefore`)
 * in the rc that includes it. Without AUTHSERV_ID no Authentication-Results
 * field is trusted, so such a condition is always false; it may still come
 * from /etc/mailrulesrc or the command line, hence a warning. `assigns`
 * says whether the file assigns it anywhere, for the files it includes.
 */
export function authservWarnings(steps: readonly Step[], assignedBefore: boolean): { diagnostics: Diagnostic[]; assigns: boolean } {
  const diagnostics: Diagnostic[] = [];
  let assigned = assignedBefore;
  let assigns = false;
  const walk = (items: readonly Step[]): void => {
    for (const s of items) {
      if (s.kind === 'assign' && s.name === 'AUTHSERV_ID') {
        assigned = s.value !== null;
        assigns ||= assigned;
      } else if (s.kind === 'recipe') {
        for (const c of s.conditions) {
          if (assigned || c.test.kind !== 'ext' || !c.test.parsed.ok) continue;
          const v = c.test.parsed.value;
          if (v.verb === 'auth' || ((v.verb === 'sender' || v.verb === 'address') && v.authenticated)) {
            diagnostics.push(diagnostic('warning', 'authserv-id-unset',
              `AUTHSERV_ID is not set before this condition (here or in an rc that includes this one): no Authentication-Results field is trusted without it, so the condition is always false (set it to the authserv-id your MTA writes, e.g. AUTHSERV_ID=mx.example.org)`,
              c.span));
          }
        }
        if (s.action.kind === 'block') walk(s.action.items);
      }
    }
  };
  walk(steps);
  return { diagnostics, assigns };
}
