import { describe, expect, it } from 'vitest';
import { translateRegex } from '../../src/compile/regex/translate.js';
import { MessageView } from '../../src/eval/message.js';
import { MIN32, programScore, recipeSucceeds, regexScore, scoreVariable, settle, sizeScore, skipsWeighted } from '../../src/eval/score.js';
import { search } from '../../src/eval/regex-search.js';
import { readGolden } from '../helpers/golden.js';

/**
 * Replays test/regex/procmail-golden.json (recorded from the real procmail by
 * scripts/record-regex.mjs) through translateRegex/search/score, evaluating
 * each recipe's conditions the way misc.c conditions() does.
 */

interface Cond {
  p?: string;
  prog?: number;
  size?: ['<' | '>', number];
  neg?: boolean;
  w?: number;
  x?: number;
}
interface Case {
  id: number;
  msg: string;
  flags: string;
  conds: Cond[];
  rc: string[];
  expect: { matched: boolean; match: string | null; score: number; invalid: boolean };
}
interface Golden {
  messages: Record<string, string>;
  cases: Case[];
}

const golden = JSON.parse(readGolden(`${__dirname}/procmail-golden.json`, { recordedBy: 'node scripts/record-regex.mjs' })) as Golden;

function evaluate(c: Case): { matched: boolean; match: string | null; score: number; invalid: boolean } {
  const view = new MessageView(Buffer.from(golden.messages[c.msg]!, 'latin1'));
  const H = c.flags.includes('H');
  const B = c.flags.includes('B');
  const area = B ? (H ? view.wholeUnfolded : view.body) : view.headerUnfolded;
  const caseSensitive = c.flags.includes('D');
  // The running score as misc.c conditions() keeps it, through the functions the engine's tally uses.
  let score = 0;
  let scored = false;
  let ok = true;
  let match: string | null = null;
  let invalid = false;
  for (const cond of c.conds) {
    if (!ok) break;
    const weighted = cond.w !== undefined;
    const neg = cond.neg === true;
    if (weighted && skipsWeighted(score)) continue;
    if (weighted) scored = true;
    if (cond.p !== undefined) {
      const tr = translateRegex(cond.p, { caseSensitive });
      if (!tr.ok) {
        invalid = true;
        ok = false;
        break;
      }
      if (weighted) {
        const r = regexScore(score, cond.w!, cond.x!, neg, tr.regex, area);
        score = r.value;
        if (r.match !== undefined) match = r.match;
      } else {
        const r = search(tr.regex, area);
        if (r.match !== undefined) match = r.match;
        ok = r.matched !== neg;
      }
    } else if (cond.prog !== undefined) {
      if (weighted) score = programScore(score, cond.w!, cond.x!, neg, cond.prog);
      else ok = (cond.prog === 0) !== neg;
    } else if (cond.size) {
      const [op, limit] = cond.size;
      if (weighted) score = sizeScore(score, cond.w!, cond.x!, neg, op, limit, view.size);
      else ok = (op === '<' ? view.size < limit : view.size > limit) !== neg;
    }
    const settled = settle(score);
    if (settled === null) {
      score = MIN32;
      ok = false;
    } else score = settled;
  }
  return { matched: recipeSucceeds(score, scored, ok), match, score: scoreVariable(score), invalid };
}

describe('procmail golden cases', () => {
  it('has the recorded table', () => {
    expect(golden.cases.length).toBeGreaterThanOrEqual(120);
  });
  for (const c of golden.cases) {
    it(`#${c.id} [${c.msg}${c.flags ? ' ' + c.flags : ''}] ${c.rc.join(' ')}`, () => {
      const got = evaluate(c);
      if (c.expect.invalid) {
        // procmail logs "Invalid regexp" and runs a half-compiled program; we report the error instead.
        expect(got.invalid).toBe(true);
        return;
      }
      expect(got).toEqual(c.expect);
    });
  }
});
