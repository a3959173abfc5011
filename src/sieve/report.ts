/**
 * The conversion report: one entry per recipe (and per statement worth a
 * word), each converted, converted with a caveat, or not convertible, with
 * where and why.
 *
 * Text (`mailrules to-sieve`, on stderr): the project's diagnostic format,
 * one diagnostic per entry — `note` for converted, `warning` for a caveat,
 * `error` for not convertible — then a summary line.
 *
 * JSON (`--json`, one object on stdout; schema version 1; fields are only
 * ever added):
 *
 *   schema       1
 *   rcfile       the rc file as named on the command line
 *   separator    the mailbox hierarchy separator used ("/" or ".")
 *   allowPipe    whether --allow-pipe was given
 *   recipes      { total, converted, caveat, notConvertible }: recipes only
 *                (statements are not counted); converted excludes caveat
 *   entries[]    in file order (included files where they are included):
 *                { kind: recipe|statement|file, file, line, col,
 *                  status: converted|caveat|not-convertible,
 *                  reasons: [{ severity: note|warning|error, code, message,
 *                              file, line, col }] }
 *   assumptions[] what every converted test assumes (strings)
 *   sieve        the script, unless -o wrote it to a file
 */
import type { CompiledRecipe, Step } from '../compile/compiled-rc.js';
import { formatDiagnostic } from '../source/diagnostic.js';
import type { Span } from '../source/span.js';

export type Severity = 'note' | 'warning' | 'error';

export interface Reason {
  readonly severity: Severity;
  /** Stable identifier (`program`, `match-split`, …). */
  readonly code: string;
  readonly message: string;
  readonly span: Span;
}

export type Status = 'converted' | 'caveat' | 'not-convertible';

export interface Entry {
  readonly kind: 'recipe' | 'statement' | 'file';
  readonly span: Span;
  readonly reasons: readonly Reason[];
}

export function statusOf(reasons: readonly Reason[]): Status {
  if (reasons.some((r) => r.severity === 'error')) return 'not-convertible';
  if (reasons.some((r) => r.severity === 'warning')) return 'caveat';
  return 'converted';
}

export interface Counts {
  readonly total: number;
  readonly converted: number;
  readonly caveat: number;
  readonly notConvertible: number;
}

export function countRecipes(entries: readonly Entry[]): Counts {
  let converted = 0;
  let caveat = 0;
  let notConvertible = 0;
  for (const e of entries) {
    if (e.kind !== 'recipe') continue;
    const s = statusOf(e.reasons);
    if (s === 'converted') converted++;
    else if (s === 'caveat') caveat++;
    else notConvertible++;
  }
  return { total: converted + caveat + notConvertible, converted, caveat, notConvertible };
}

const RANK: Record<Severity, number> = { error: 2, warning: 1, note: 0 };

/** Reasons, worst first, each message once. */
function ordered(reasons: readonly Reason[]): Reason[] {
  const seen = new Set<string>();
  return [...reasons]
    .sort((a, b) => RANK[b.severity] - RANK[a.severity])
    .filter((r) => {
      const k = r.severity + r.message;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
}

/** One entry as one diagnostic: at its worst reason (the recipe itself when there is none). */
export function entryDiagnostic(e: Entry): { severity: Severity; message: string; span: Span } {
  const rs = ordered(e.reasons);
  const status = statusOf(rs);
  const worst = rs[0];
  const what = e.kind === 'recipe' ? '' : e.kind === 'statement' ? ' statement' : '';
  const head = status === 'converted' ? `converted${what}` : status === 'caveat' ? `converted${what} with a caveat` : `not convertible${what}`;
  const text = rs.map((r) => r.message).join('; ');
  return {
    severity: status === 'converted' ? 'note' : status === 'caveat' ? 'warning' : 'error',
    message: text === '' ? head : `${head}: ${text}`,
    span: worst === undefined || worst.severity === 'note' ? e.span : worst.span,
  };
}

export function renderText(entries: readonly Entry[], sources: ReadonlyMap<string, string>): string {
  let out = '';
  for (const e of entries) {
    const d = entryDiagnostic(e);
    out += formatDiagnostic(d, sources.get(d.span.file)) + '\n';
  }
  const c = countRecipes(entries);
  out += `to-sieve: ${c.total} recipe${c.total === 1 ? '' : 's'}: ${c.converted} converted, ${c.caveat} converted with a caveat, ${c.notConvertible} not convertible\n`;
  return out;
}

export interface JsonReportOptions {
  readonly rcfile: string;
  readonly separator: string;
  readonly allowPipe: boolean;
  readonly assumptions: readonly string[];
  /** The script, when it is not written to a file. */
  readonly sieve: string | null;
}

export function renderJson(entries: readonly Entry[], o: JsonReportOptions): string {
  const at = (s: Span): { file: string; line: number; col: number } => ({ file: s.file, line: s.line, col: s.col });
  const json = {
    schema: 1,
    rcfile: o.rcfile,
    separator: o.separator,
    allowPipe: o.allowPipe,
    recipes: countRecipes(entries),
    entries: entries.map((e) => ({
      kind: e.kind,
      ...at(e.span),
      status: statusOf(e.reasons),
      reasons: ordered(e.reasons).map((r) => ({ severity: r.severity, code: r.code, message: r.message, ...at(r.span) })),
    })),
    assumptions: o.assumptions,
    ...(o.sieve === null ? {} : { sieve: o.sieve }),
  };
  return JSON.stringify(json, null, 2) + '\n';
}

/** An entry with `reason` for every recipe in `items`, blocks' recipes after their block's, in file order (a loop: procmail's blocks nest without limit). */
export function recipeEntries(items: readonly Step[], reason: (s: CompiledRecipe) => Reason): Entry[] {
  const out: Entry[] = [];
  const stack: Step[][] = [[...items].reverse()];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const s = top.pop();
    if (s === undefined) {
      stack.pop();
      continue;
    }
    if (s.kind !== 'recipe') continue;
    out.push({ kind: 'recipe', span: s.span, reasons: [reason(s)] });
    if (s.action.kind === 'block') stack.push([...s.action.items].reverse());
  }
  return out;
}
