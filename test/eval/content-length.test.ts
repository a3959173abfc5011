import { describe, expect, it } from 'vitest';
import { runEngine } from '../helpers/scripted-answerer.js';

// A minimal reproducer found by test/fuzz/engine.test.ts.

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
