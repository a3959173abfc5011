/**
 * rc text → Program: parse, decode flags, pre-parse every condition's
 * prefixes and validate, collecting every diagnostic (never throws).
 * Recipes without an action are dropped, as procmail drops them after
 * `Missing action` (procmail.md §1.5).
 */
import type { Diagnostic } from '../source/diagnostic.js';
import type { Item } from '../syntax/ast.js';
import { parseRc } from '../syntax/parse.js';
import { exact } from '../syntax/word.js';
import { validateExtAction } from '../ext/validate.js';
import { NO_PREFIXES, parseCondition } from './condition.js';
import { decodeFlags } from './flags.js';
import type { CompiledAction, CompiledCondition, Program, Step } from './program.js';
import { validateAst } from './validate.js';

export function compileRc(text: string, file: string): Program {
  const { ast, diagnostics } = parseRc(text, file);
  const items = compileItems(ast.items, diagnostics);
  append(diagnostics, validateAst(ast));
  diagnostics.sort((a, b) => a.span.start - b.span.start);
  return { file, text, items, diagnostics };
}

function compileItems(items: readonly Item[], diagnostics: Diagnostic[]): Step[] {
  const steps: Step[] = [];
  for (const item of items) {
    if (item.kind === 'comment') continue;
    if (item.kind !== 'recipe') {
      steps.push(item);
      continue;
    }
    if (item.action === null) continue;
    const decoded = decodeFlags(item.header, item.action);
    append(diagnostics, decoded.diagnostics);
    const conditions: CompiledCondition[] = item.conditions.map((source) => {
      const r = parseCondition(source.text, source.textSpan, NO_PREFIXES);
      append(diagnostics, r.diagnostics);
      const { negate, weight, area, test } = r.cond;
      return { span: source.span, text: source.text, source, negate, weight, area, test };
    });
    const a = item.action;
    let action: CompiledAction;
    if (a.kind === 'block') {
      action = { kind: 'block', span: a.span, raw: a.raw, items: compileItems(a.items, diagnostics), close: a.close };
    } else {
      if (a.kind === 'ext') {
        const argsAt = a.raw.length - a.args.length - (a.raw.length - a.raw.trimEnd().length);
        const argsSpan = { ...a.span, col: a.span.col + argsAt, start: a.span.start + argsAt };
        append(diagnostics, validateExtAction(a.verb, a.args, a.span, argsSpan));
      }
      action = a;
    }
    steps.push({ kind: 'recipe', span: item.span, raw: item.raw, header: item.header, flags: decoded.flags, conditions, action });
  }
  // The program keeps the list: drop push's spare capacity (see exact()).
  return exact(steps);
}

/** `to.push(...from)` without spreading (most `from` are empty). */
function append(to: Diagnostic[], from: readonly Diagnostic[]): void {
  for (let i = 0; i < from.length; i++) to.push(from[i]!);
}
