/**
 * What `to-sieve` makes of the recipes of rules/, examples/ and the
 * differential cases, per source: the figure the coverage test keeps a floor
 * on and scripts/sieve-coverage.mjs prints with its reasons. One place, so
 * the test and the script count alike.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { convertRc } from '../../src/sieve/convert.js';
import { countRecipes, statusOf, type Counts, type Entry } from '../../src/sieve/report.js';

export type SourceName = 'rules' | 'examples' | 'differential';

export interface RcMeasure {
  readonly source: SourceName;
  readonly rc: string;
  /** Null for a file nested deeper than Pigeonhole takes blocks (a stress case): Sieve cannot hold it at all. */
  readonly counts: Counts | null;
  readonly entries: readonly Entry[];
}

function readOrNull(p: string): string | null {
  try {
    return readFileSync(p, 'latin1');
  } catch {
    return null;
  }
}

export function rcFiles(root: string): { source: SourceName; rc: string }[] {
  const rules = readdirSync(join(root, 'rules'))
    .filter((f) => f.endsWith('.rc'))
    .sort()
    .map((f) => ({ source: 'rules' as const, rc: join(root, 'rules', f) }));
  const examples = readdirSync(join(root, 'examples'))
    .sort()
    .map((d) => join(root, 'examples', d, 'rules.rc'))
    .filter((p) => existsSync(p))
    .map((rc) => ({ source: 'examples' as const, rc }));
  const casesDir = join(root, 'test', 'differential', 'cases');
  const cases = readdirSync(casesDir)
    .sort()
    .map((c) => ({ source: 'differential' as const, rc: join(casesDir, c, 'rc') }));
  return [...rules, ...examples, ...cases];
}

export function measureRc(source: SourceName, rc: string, allowPipe = false): RcMeasure {
  const entries = convertRc(readFileSync(rc, 'latin1'), rc, { separator: '/', allowPipe, readFile: readOrNull }).entries;
  const nested = entries.some((e) => e.reasons.some((r) => r.code === 'nesting'));
  return { source, rc, counts: nested ? null : countRecipes(entries), entries };
}

export function measureAll(root: string, allowPipe = false): RcMeasure[] {
  return rcFiles(root).map((f) => measureRc(f.source, f.rc, allowPipe));
}

/** Every entry converted, statements and files included: the files whose scripts the proof runs through sieve-test. */
export function fullyConverted(m: RcMeasure): boolean {
  return m.entries.every((e) => statusOf(e.reasons) === 'converted');
}

export function sumCounts(ms: readonly RcMeasure[]): Counts {
  const zero: Counts = { total: 0, converted: 0, caveat: 0, notConvertible: 0 };
  return ms
    .map((m) => m.counts)
    .filter((c): c is Counts => c !== null)
    .reduce((a, b) => ({ total: a.total + b.total, converted: a.converted + b.converted, caveat: a.caveat + b.caveat, notConvertible: a.notConvertible + b.notConvertible }), zero);
}

/**
 * Why recipes fall short, by reason code: for each recipe that is not
 * convertible, its error codes; for each with a caveat, its warning codes
 * (a recipe counts once per code). Files counted apart are left out.
 */
export function reasonTally(ms: readonly RcMeasure[]): { notConvertible: Map<string, number>; caveat: Map<string, number> } {
  const notConvertible = new Map<string, number>();
  const caveat = new Map<string, number>();
  const bump = (m: Map<string, number>, k: string): void => void m.set(k, (m.get(k) ?? 0) + 1);
  for (const m of ms) {
    if (m.counts === null) continue;
    for (const e of m.entries) {
      if (e.kind !== 'recipe') continue;
      const s = statusOf(e.reasons);
      if (s === 'converted') continue;
      const severity = s === 'caveat' ? 'warning' : 'error';
      const codes = new Set(e.reasons.filter((r) => r.severity === severity).map((r) => r.code));
      for (const c of codes) bump(s === 'caveat' ? caveat : notConvertible, c);
    }
  }
  return { notConvertible, caveat };
}
