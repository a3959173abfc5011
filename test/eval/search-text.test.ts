import { describe, expect, it } from 'vitest';
import { lowerAscii } from '../../src/eval/search.js';
import { runEngine } from '../helpers/scripted-answerer.js';

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
  it('a second evaluation of an equal 1.5 MB message is not slower than the first', () => {
    const msg = `Subject: x\n\n${'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab\n'.repeat(45_000)}`;
    // Each run decodes its own copy of the bytes: equal text, another string.
    const once = (m: string): number => {
      const t0 = performance.now();
      runEngine(':0\n* 1^1 B ?? ^.*$\nbox\n', { message: m, env: { DEFAULT: 'DEFAULT' }, name: 'rc', over: { berkeley: true, pid: 1 } });
      return performance.now() - t0;
    };
    const first = once(msg);
    const second = once(msg);
    // Fixed: both ~0.3 s. Broken: the second ~3 s (90,000 full comparisons of 1.5 MB).
    expect(second).toBeLessThan(Math.max(1_000, 3 * first));
  });
});
