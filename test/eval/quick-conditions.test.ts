/**
 * Recipes whose conditions are all regexes take a quick path; VERBOSE forces
 * the generator path, which must decide and report exactly the same.
 */
import { describe, expect, it } from 'vitest';
import { compileRc } from '../../src/compile/compile.js';
import { driveSync } from '../../src/eval/drive.js';
import { evaluate } from '../../src/eval/evaluate.js';
import type { Answer, Answerer, AnswerFor, Request } from '../../src/eval/requests.js';
import type { RecipeEvent, TraceEvent } from '../../src/eval/trace.js';

class AckAll implements Answerer {
  answer<R extends Request>(req: R): AnswerFor[R['kind']] {
    let a: Answer;
    switch (req.kind) {
      case 'deliver':
        a = { kind: 'delivered', ok: true, lastFolder: req.folders.join(' '), bytes: req.data.length };
        break;
      default:
        a = { kind: 'ack', ok: true };
    }
    return a as AnswerFor[R['kind']];
  }
}

function recipeEvents(rc: string, message: string, verbose: boolean): RecipeEvent[] {
  const program = compileRc(rc, 'rc');
  expect(program.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const events: TraceEvent[] = [];
  driveSync(
    evaluate({
      rcfiles: [program],
      message: Buffer.from(message, 'latin1'),
      env: { MAILDIR: '/m', DEFAULT: 'inbox', ...(verbose ? { VERBOSE: 'on' } : {}) },
      args: [],
      argv0: 'procmail',
      hostname: 'h',
      pid: 1,
      tempfail: false,
      filterMode: false,
      trace: (e) => events.push(e),
    }),
    new AckAll(),
  );
  return events.filter((e): e is RecipeEvent => e.kind === 'recipe');
}

describe('quick regex conditions', () => {
  it('decide and report exactly as the generator path', () => {
    const rc = [
      ':0', '* ^Subject:.*nomatch', 'a',
      ':0 E', '* ^From:.*alice', '* ! ^X-A:', 'b',
      ':0 c', '* ^List-Id:.*<\\/[^.>]+', 'c',
      ':0 Ac', '* 2^0 ^Received:', '* -1^0 ^Subject: [^a-z]*$', '* 1^1 ^X-', 'd',
      ':0 D', '* ^subject:', 'e',
      ':0 c', '* 9876543210^0 ^From', '* 1^0 ^To', 'f',
      ':0', '* ^Subject:.*(Hello)', 'g',
      '',
    ].join('\n');
    const msg =
      'From alice@example.com  Mon Jan  1 00:00:00 2001\nFrom: Alice <alice@example.com>\nTo: bob\n' +
      'Received: one\nReceived: two\n continued\nList-Id: Talk <talk.Example.org>\nX-A: 1\nX-B: 2\n' +
      'Subject: HELLO THERE\n\nbody\n';
    const quick = recipeEvents(rc, msg, false);
    const slow = recipeEvents(rc, msg, true);
    expect(quick.length).toBeGreaterThan(4);
    expect(quick).toEqual(slow);
    // The MATCH of the `\/` condition is reported.
    expect(quick.find((e) => e.conditions.some((c) => c.match !== undefined))?.conditions[0]?.match).toBe('talk');
  });
});
