/**
 * What a recipe's flags ask of the recipes before it (misc.c conditions();
 * docs/procmail-semantics.md §2): `E` that the previous one did not run,
 * `A` that the last one without A/a did, `a` that and its action's
 * success, `e` that the previous one ran and its action failed, in the
 * converter's bookkeeping (books.ts): tests to add, or that the recipe
 * never runs, or that it depends on one not converted.
 */
import type { CompiledRecipe } from '../compile/compiled-rc.js';
import { isSet, type Books, type MutableIf } from './books.js';
import type { Reason, Severity } from './report.js';
import { not, type Test } from './script.js';

export interface Prerequisites {
  readonly prereq: Test[];
  /** Why the recipe never runs in Sieve, or null. */
  readonly never: string | null;
  /** How the report rates that, for `e`: a note where it is exact. */
  readonly neverSeverity: Severity;
  /** The line of the unconverted recipe it depends on, or null. */
  readonly dependsOn: number | null;
  /** The `if` chain an E recipe continues as an elsif, or null. */
  readonly attachTo: MutableIf | null;
  readonly error: Reason | null;
}

/** `materializePrev`: the variable that holds an `if` chain's "a branch ran" (convert.ts materialize). Notes go to `reasons`. */
export function flagPrerequisites(r: CompiledRecipe, books: Books, failingActions: boolean, materializePrev: (cmd: MutableIf) => string, reasons: Reason[]): Prerequisites {
  const f = r.flags;
  const prereq: Test[] = [];
  let never: string | null = null;
  let dependsOn: number | null = null;
  let attachTo: MutableIf | null = null;
  let eFlag: Severity = 'warning';
  let error: Reason | null = null;
  // The line of a previous recipe whose action was not converted: whether it succeeded is not known.
  const unconverted = typeof books.outcome === 'object' ? books.outcome.notConverted : null;
  if (f.e) {
    // misc.c conditions(): `e` runs when prevcond holds and lastsucc does not.
    const p = books.prev;
    if (p.kind === 'const' && !p.value) {
      never = '"e" runs this recipe only when the previous recipe ran and its action failed; the previous recipe never runs, so neither does this one';
      eFlag = 'note';
    } else if (p.kind === 'unknown') dependsOn = p.line;
    else if (unconverted !== null) dependsOn = unconverted;
    else if (books.outcome === 'success') {
      never = '"e" runs this recipe only when the previous recipe\'s action failed; that action cannot fail in Sieve (the mail tree is taken to exist), so it never runs';
      eFlag = 'note';
    } else if (books.outcome === 'failure') {
      // The previous recipe's action always fails: this runs exactly when that recipe ran.
      if (p.kind === 'var') prereq.push(isSet(p.name));
      else if (p.kind === 'chain') prereq.push(isSet(materializePrev(p.cmd)));
      reasons.push({ severity: 'note', code: 'e-flag', message: '"e": the previous recipe\'s action always fails, so this runs whenever that recipe ran', span: r.header.span });
    } else never = '"e" runs this recipe only when the previous recipe\'s action failed; Sieve actions do not fail while the script runs, so it never runs';
  }
  if (f.E && never === null) {
    const p = books.prev;
    if (p.kind === 'const') never = p.value ? 'never runs: "E" follows a recipe that always matches' : null;
    else if (p.kind === 'unknown') dependsOn = p.line;
    else if (p.kind === 'var') prereq.push(not(isSet(p.name)));
    else attachTo = p.cmd;
  }
  if ((f.A || f.a) && never === null && dependsOn === null) {
    const l = books.last;
    if (l.kind === 'const') never = l.value ? null : 'never runs: "A" follows a recipe that never matches';
    else if (l.kind === 'unknown') dependsOn = l.line;
    else if (l.kind === 'var') prereq.push(isSet(l.name));
    else dependsOn = r.span.line; // lastcond is never kept as a chain
    if (f.a && unconverted !== null) dependsOn = unconverted;
    else if (f.a && books.outcome === 'failure') never = 'never runs: "a" follows a recipe whose action always fails';
    else if (f.a && books.outcome === 'unknown' && failingActions) {
      error = { severity: 'error', code: 'a-flag', message: '"a": whether the last action succeeded is not known here, and a converted program before it fails', span: r.header.span };
    } else if (f.a) reasons.push({ severity: 'note', code: 'a-flag', message: '"a": the previous action cannot fail in Sieve, so this is "A"', span: r.header.span });
  }
  return { prereq, never, neverSeverity: eFlag, dependsOn, attachTo, error };
}
