/**
 * The replay hot paths (bench/replay.mjs) must not change behaviour: each fast form
 * is checked against the plain one it replaced, or against the slow path of
 * the engine that still exists (VERBOSE forces the generator path).
 */
import { describe, expect, it } from 'vitest';
import { compileRc } from '../../src/compile/compile.js';
import { driveSync } from '../../src/eval/drive.js';
import { evaluate } from '../../src/eval/evaluate.js';
import { findBodyStart, unfold } from '../../src/eval/message.js';
import type { Answer, Answerer, AnswerFor, Request } from '../../src/eval/requests.js';
import { lowerAscii } from '../../src/eval/regex-search.js';
import type { RecipeEvent, TraceEvent } from '../../src/eval/trace.js';
import { VarStore } from '../../src/eval/vars.js';

/** What lowerAscii replaced: A–Z only, letter run by letter run. */
const lowerAsciiReference = (t: string): string => t.replace(/[A-Z]+/g, (m) => m.toLowerCase());

/** What findBodyStart replaced: line by line, as readmail() walks it. */
function findBodyStartReference(raw: Buffer): number {
  const len = raw.length;
  let p = 0;
  while (p < len && raw[p] === 10) p++;
  if (p < len) p++;
  let end = raw.indexOf(0, p);
  if (end < 0) end = len;
  for (;;) {
    const q = raw.indexOf(10, p);
    if (q < 0 || q >= end) return len;
    if (q + 1 < end && raw[q + 1] === 10) return q + 2;
    p = q + 1;
  }
}

describe('lowerAscii', () => {
  it('folds A–Z and nothing else, for every Latin-1 char and beyond', () => {
    let all = '';
    for (let c = 0; c < 0x300; c++) all += String.fromCharCode(c);
    for (const s of [all, all.slice(0, 0x80), all.slice(0, 0x100), 'ÀÉÎõÜ ABC ×Þßÿµ', 'İstanbul ÇA', 'ΣΑΣ Abc', '\uD83D\uDE00 Ab', '']) {
      expect(lowerAscii(s)).toBe(lowerAsciiReference(s));
    }
  });
});

describe('unfold', () => {
  it('matches the lookahead-regex form', () => {
    for (const h of ['a\n b\n\tc\n\n', '\n \n\t\n', 'x\n\n y\n', 'no folds\n', '\n\t\t\n  \n', '']) {
      expect(unfold(h)).toBe(h.replace(/\n(?=[ \t])/g, ' '));
    }
  });
});

describe('findBodyStart', () => {
  it('agrees with the line-by-line scan', () => {
    const cases = [
      'A: b\n\nbody\n',
      '\n\n\nA: b\n\nbody',
      'A: b\r\n\r\nbody',
      'A: b\nc: d\n',
      'A\0: b\n\nbody',
      'A: b\n\n\0body',
      '\n',
      '\n\n',
      'x\n\n',
      '',
      'A: b\n\0\nc\n\nbody',
    ];
    for (const c of cases) expect(findBodyStart(Buffer.from(c, 'latin1')), JSON.stringify(c)).toBe(findBodyStartReference(Buffer.from(c, 'latin1')));
  });
});

describe('VarStore snapshots', () => {
  it('are reused until a change, and follow procmail order', () => {
    const env = { A: '1', B: '2' };
    const v = new VarStore(env);
    const s1 = v.snapshot();
    expect(v.snapshot()).toBe(s1);
    v.unset('NOPE');
    expect(v.snapshot()).toBe(s1);
    v.set('A', '3');
    const s2 = v.snapshot();
    expect(s2).not.toBe(s1);
    expect(Object.entries(s2)).toEqual([['B', '2'], ['A', '3']]);
    expect(s1).toEqual({ A: '1', B: '2' });
    v.unset('B');
    expect(v.snapshot()).toEqual({ A: '3' });
    // A second store from the same env starts from the env, not from the first store.
    expect(new VarStore(env).snapshot()).toEqual({ A: '1', B: '2' });
  });

  it('keep a variable named __proto__ as an own property', () => {
    const v = new VarStore({});
    v.set('__proto__', 'x');
    const s = v.snapshot();
    expect(Object.keys(s)).toEqual(['__proto__']);
    expect(JSON.stringify(s)).toBe('{"__proto__":"x"}');
  });

  it('of a clone are independent', () => {
    const v = new VarStore({ A: '1' });
    const c = v.clone();
    c.set('A', '2');
    expect(v.snapshot()).toEqual({ A: '1' });
    expect(c.snapshot()).toEqual({ A: '2' });
  });
});

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
