import { describe, expect, it } from 'vitest';
import { lowerAscii } from '../../src/eval/regex-search.js';
import { runEngine } from '../helpers/scripted-answerer.js';
import { bestTimes } from '../helpers/side-by-side.js';

/** An equal copy may cost this many times the first evaluation: measured 1–1.5 times under load, once over 3; the quadratic path, about a hundred. */
const EQUAL_COPY_FACTOR = 10;

/** What lowerAscii replaced: A–Z only, letter run by letter run. */
const lowerAsciiReference = (t: string): string => t.replace(/[A-Z]+/g, (m) => m.toLowerCase());

describe('lowerAscii', () => {
  it('folds A–Z and nothing else, for every Latin-1 char and beyond', () => {
    let all = '';
    for (let c = 0; c < 0x300; c++) all += String.fromCharCode(c);
    for (const s of [all, all.slice(0, 0x80), all.slice(0, 0x100), 'ÀÉÎõÜ ABC ×Þßÿµ', 'İstanbul ÇA', 'ΣΑΣ Abc', '\uD83D\uDE00 Ab', '']) {
      expect(lowerAscii(s)).toBe(lowerAsciiReference(s));
    }
  });
});

// A minimal reproducer found by test/fuzz/engine.test.ts.
describe('weighted scoring over an area equal to, but not the same string as, the last one searched', () => {
  // search.ts searchText() kept the first of two equal strings, so every later
  // call compared the new one in full: once per scoring match, quadratic. A
  // message evaluated again (dry-run of an mbox with duplicates), or two areas
  // with the same text, took 82 s instead of 1 s on 5 MB of short lines.
  it('a second evaluation of an equal 1.5 MB message costs about what the first does', () => {
    // Two messages of one size whose bodies differ in their first character. A round evaluates
    // one of them first (the remembered area then differs from it at once), then again from an
    // equal copy of its bytes: equal text, another string.
    const messages = ['x', 'y'].map((c) => `Subject: x\n\n${c}${'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab\n'.repeat(45_000)}`);
    let round = 0;
    const evaluate = () => runEngine(':0\n* 1^1 B ?? ^.*$\nbox\n', { message: messages[round % 2]!, env: { DEFAULT: 'DEFAULT' }, name: 'rc', over: { berkeley: true, pid: 1 } });
    const t = bestTimes({
      first: () => {
        round++;
        evaluate();
      },
      second: evaluate,
    }, 3);
    // Fixed: both ~0.3 s on an idle machine. Broken: the second ~100 times the first (90,000 full comparisons of 1.5 MB).
    expect(t.second / t.first).toBeLessThan(EQUAL_COPY_FACTOR);
  });
});
