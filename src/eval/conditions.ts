/**
 * Conditions (misc.c conditions; docs/procmail-semantics.md §1.5, §3, §4): the general,
 * generator path, for conditions that may log or need the world: `$`
 * re-expansion, size tests, `?` programs, extension conditions, and regexes
 * under VERBOSE or with an invalid pattern.
 */
import type { CompiledCondition, CompiledRecipe, Flags } from '../compile/compiled-rc.js';
import { parseCondition } from '../compile/condition.js';
import { extCondition } from './ext-conditions.js';
import { MAX_CONDITION_REEXPANSIONS } from '../limits.js';
import { areaString, areaText } from './area.js';
import { ask, limitHit, log, originOf, overflow } from './channel.js';
import { buildCommand } from './command.js';
import { expandEnv, extContext } from './context.js';
import { decodedArea } from './decoded-condition.js';
import { parseDoubleQuotedText } from '../syntax/word.js';
import { expandString } from './expand.js';
import { logtext } from './logtext.js';
import { withTrailingNewline } from './program-input.js';
import { logSettings, programCall } from './settings.js';
import { conflictingFlags } from './readtime.js';
import { compileRegex, conditionPattern, regexTest } from './regex-condition.js';
import type { Command, Origin } from './requests.js';
import type { G, State } from './state.js';
import { conditionOverflows } from '../compile/linebuf.js';
import { programScore, sizeScore } from './score.js';
import { CondTally, oneResult, skippedResult, weightedAndFull } from './tally.js';
import type { Cond, CondOutcome, Mutable, OneResult, Score } from './tally.js';
import type { ConditionResult } from './trace.js';

export function* conditions(st: State, r: CompiledRecipe): G<CondOutcome> {
  yield* conflictingFlags(st, r);
  const tally = new CondTally(st, r.flags);
  for (const c of r.conditions) {
    if (!tally.i) tally.notReached(c);
    else tally.add(c, yield* condition(st, r, c, c, tally.sc, 0, c.text));
  }
  return tally.finish(st);
}

function* condition(
  st: State,
  r: CompiledRecipe,
  src: CompiledCondition,
  c: Cond,
  sc: Score,
  reexpansions: number,
  /** The condition text being examined: Condition.text, or what a `$` expanded to. */
  text: string,
): G<OneResult> {
  const before = sc.score;
  const origin = originOf(r.span, [], 'condition');
  if (weightedAndFull(c, sc)) return skippedResult(src);
  const w = c.weight?.w ?? 0;
  const x = c.weight?.x ?? 0;
  const verbose = st.internals.verbose !== 0;
  const mk = (held: boolean, extra?: Partial<ConditionResult>): OneResult => oneResult(src, c, held, before, extra);

  if (reexpansions === 0 && conditionOverflows(src.text.length, st.internals.linebuf)) {
    // misc.c: getlline() overflowed: "assume failure on overflow", negated or not (verified).
    yield* overflow(st, src.span);
    return oneResult(src, c, false, before);
  }
  const t = c.test;
  switch (t.kind) {
    case 'expand': {
      if (reexpansions >= MAX_CONDITION_REEXPANSIONS) {
        yield* limitHit(st, 'condition re-expanded too often', src.span);
        return mk(false);
      }
      if (t.rest[0] === '<' || t.rest[0] === '>') {
        // A size test with `$` in it (compile/condition.ts sizeTest): misc.c
        // expands it once and reads the number; the prefixes are not examined
        // again, so `>$^^` is `> 0` plus `Skipped "$^^"` (docs/procmail-semantics.md §1.5).
        const expanded = yield* expandString(parseDoubleQuotedText(t.rest, src.span), expandEnv(st, src.span));
        const op = expanded[0] === '<' ? '<' : '>';
        const size: Cond = { negate: c.negate, weight: c.weight, area: c.area, test: { kind: 'size', op, limit: sizeLimit(expanded.slice(1)) } };
        const inner = yield* condition(st, r, src, size, sc, reexpansions + 1, expanded);
        (inner.report as Mutable<ConditionResult>).expanded = expanded;
        return inner;
      }
      const expanded = (yield* expandString(parseDoubleQuotedText(t.rest, src.span), expandEnv(st, src.span))).replace(/^[ \t]+/, '');
      if (conditionOverflows(expanded.length, st.internals.linebuf)) {
        // readparse() overflowed: the condition fails (verified: `* $ $B$B` with 200 bytes under LINEBUF=128).
        yield* overflow(st, src.span);
        return oneResult(src, c, false, before);
      }
      const parsed = parseCondition(expanded, src.span, { negate: c.negate, weight: c.weight, area: c.area });
      const inner = yield* condition(st, r, src, parsed.cond, sc, reexpansions + 1, expanded);
      (inner.report as Mutable<ConditionResult>).expanded = expanded;
      return inner;
    }
    case 'ext': {
      const p = t.parsed;
      if (p.ok && p.value.verb === 'decoded') {
        // A regex condition searching the decoded message.
        const area = decodedArea(st, r, c.area);
        const res = yield* regexCondition(st, r.flags, src, c, sc, p.value.pattern, p.value.pattern, area.text, origin);
        if (st.input.trace !== undefined) (res.report as Mutable<ConditionResult>).ext = { decoded: { area: area.name, changes: area.changes } };
        return res;
      }
      const out = yield* extCondition(t, extContext(st, origin));
      const held = out.held !== c.negate;
      if (c.weight !== null) {
        if (held) sc.score += w;
      }
      if (verbose) yield* logCondition(st, c, before, sc.score, held, `${t.verb} ${t.args}`, origin);
      return mk(c.weight !== null ? true : held, out.detail === undefined ? undefined : { ext: out.detail });
    }
    case 'size': {
      // misc.c: strtol, then skipped() on what is left (`* >From` logs `Skipped "From"`).
      const at = text.search(/[<>]/);
      const rest = at < 0 ? '' : sizeLeftover(text.slice(at + 1));
      if (rest !== '') yield* log(st, logtext.skipped(rest), 'error', origin);
      const a = areaText(st, r, c.area);
      const size = a.explicit ? (c.area?.kind === 'var' ? a.text.length : a.raw.length) : st.message.size;
      if (c.weight !== null) {
        sc.score = sizeScore(sc.score, w, x, c.negate, t.op, t.limit, size);
        if (verbose) yield* logCondition(st, c, before, sc.score, true, `${t.op}${t.limit}`, origin);
        return mk(true);
      }
      const held = (t.op === '<' ? size < t.limit : size > t.limit) !== c.negate;
      if (verbose) yield* logCondition(st, c, before, sc.score, held, `${t.op} ${t.limit}`, origin);
      return mk(held);
    }
    case 'program': {
      const a = areaText(st, r, c.area);
      const env = expandEnv(st, src.span);
      const command = yield* buildCommand(st, t.command, src.span, env);
      if (verbose) yield* log(st, logtext.executing(command.shell ? command.text : command.argv.join(',')), 'verbose', origin);
      const call = programCall(st, command, withTrailingNewline(a.raw));
      const ans = yield* ask(st, { kind: 'run-condition', command, call, origin: originOf(src.span, [], 'condition program'), log: logSettings(st) });
      // The message went down a pipe by procmail's own dump(): the abstract's size (mailfold.c lastdump).
      st.lastWrite = ans;
      const code = ans.exitCode;
      if (code !== null) st.lastExit = code;
      if (c.weight !== null && code !== null && code >= 0) {
        sc.score = programScore(sc.score, w, x, c.negate, code);
        if (verbose) yield* logCondition(st, c, before, sc.score, true, commandName(command), origin);
        return mk(true, { exitCode: code });
      }
      const held = (code === 0) !== c.negate;
      if (verbose) yield* logCondition(st, c, before, sc.score, held, commandName(command), origin);
      return mk(held, { exitCode: code });
    }
    case 'regex':
      return yield* regexCondition(st, r.flags, src, c, sc, t.pattern, conditionPattern(t.pattern, text), areaString(st, r, c.area), origin);
  }
}

/** A regex searched in `area` (misc.c conditions, regexp.c): `pattern` as written, `compiled` what procmail compiles of it. */
function* regexCondition(st: State, flags: Flags, src: CompiledCondition, c: Cond, sc: Score, pattern: string, compiled: string, area: string, origin: Origin): G<OneResult> {
  const before = sc.score;
  const { rx, invalid } = compileRegex(flags, compiled);
  if (invalid) yield* log(st, logtext.invalidRegexp(pattern), 'error', origin);
  // Beyond repair (see repairRegex): never matches.
  if (rx === null) return oneResult(src, c, c.negate && c.weight === null, before);
  const res = regexTest(st, src, c, rx, area, sc);
  if (st.internals.verbose !== 0) {
    if (res.report.match !== undefined) {
      // regexp.c: MATCH is built through the Stdout buffer (logged as an empty assignment),
      // except when the search area is MATCH itself, which is cut in place (verified).
      if (!(c.area?.kind === 'var' && c.area.name === 'MATCH')) yield* log(st, logtext.assigning('MATCH='), 'verbose', origin);
      yield* log(st, logtext.matched(res.report.match), 'verbose', origin);
    }
    yield* logCondition(st, c, before, sc.score, res.held, pattern, origin);
  }
  return res;
}

/** What misc.c shows for a `?` program after running it: the shell text, or the first word (its buffer is NUL-separated). */
function commandName(command: Command): string {
  return command.shell ? command.text : (command.argv[0] ?? '');
}

/** The VERBOSE line for a tested condition: its score for a weighted one, else `Match on`/`No match on` (misc.c). */
function* logCondition(st: State, c: Cond, before: number, score: number, held: boolean, shown: string, origin: Origin): G<void> {
  if (c.weight !== null) yield* log(st, logtext.score(score - before, score, c.negate, shown), 'verbose', origin);
  else yield* log(st, logtext.match(held, c.negate, shown), 'verbose', origin);
}

/** The limit of a size test: strtol (blanks, sign, digits), 0 when there is no number. */
function sizeLimit(s: string): number {
  const m = /^[ \t\n\v\f\r]*([-+]?[0-9]+)/.exec(s);
  return m ? Number.parseInt(m[1]!, 10) : 0;
}

/** What misc.c passes to skipped() after a size test's number: the rest, leading blanks skipped. */
function sizeLeftover(s: string): string {
  const m = /^[ \t\n\v\f\r]*[-+]?[0-9]+/.exec(s);
  return (m ? s.slice(m[0].length) : s).replace(/^[ \t]+/, '');
}
