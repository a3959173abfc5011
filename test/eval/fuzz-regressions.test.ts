import { describe, expect, it } from 'vitest';
import { runEngine } from '../helpers/scripted-answerer.js';

// Minimal reproducers found by test/fuzz/engine.test.ts.

function delivered(message: string, berkeley = false): string {
  const env = { DEFAULT: 'DEFAULT', LOCKEXT: '.lock', SHELLMETAS: '&|<>~;?*[', SHELL: '/bin/sh', SHELLFLAGS: '-c' };
  const { a } = runEngine(':0\nbox\n', { message, env, name: 'rc', over: { berkeley, pid: 1, filterMode: true } });
  return a.of('deliver')[0]!.data.toString('latin1');
}

describe('Content-Length after a lone CR is not a field (docs/procmail-semantics.md §7.2)', () => {
  // `^` with the m flag matched after the '\r', so the engine rewrote a
  // "Content-Length:" that procmail 3.22 leaves alone (verified: the box holds
  // "Subject: x\rContent-Length: 7" unchanged).
  it('leaves "X: a\\rContent-Length: 7" alone', () => {
    const m = 'Subject: x\rContent-Length: 7\nX: y\n\nbody\n';
    expect(delivered(m)).toBe(m);
  });
  it('still rewrites a field at the start of a line, or of the message', () => {
    expect(delivered('Subject: x\nContent-Length: 7\nX: y\n\nbody\n')).toBe('Subject: x\nContent-Length: 5\nX: y\n\nbody\n');
    expect(delivered('Content-Length: 7\nX: y\n\nbody\n')).toBe('Content-Length: 5\nX: y\n\nbody\n');
  });
});

describe('weighted scoring over an area equal to, but not the same string as, the last one searched', () => {
  // regex-search.ts searchText() kept the first of two equal strings, so every later
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
