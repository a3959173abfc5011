import { describe, expect, it } from 'vitest';
import { rewriteContentLength } from '../../src/deliver/message-format.js';

// Minimal reproducer found by test/fuzz/engine.test.ts (see test/eval/fuzz-regressions.test.ts).

describe('rewriteContentLength and a lone CR', () => {
  it('does not take "\\rContent-Length:" for a field (procmail 3.22 leaves it; only a line start counts)', () => {
    const m = Buffer.from('Subject: x\rContent-Length: 7\nX: y\n\nFrom a\n', 'latin1');
    const r = rewriteContentLength(m);
    expect(r.data.toString('latin1')).toBe(m.toString('latin1'));
    // No field, so the body is escaped from its first line.
    expect(r.escapeFrom).toBe(m.indexOf('\n\n') + 1);
  });
  it('still rewrites the field on a line of its own', () => {
    expect(rewriteContentLength(Buffer.from('X: y\nContent-Length: 7\n\nab\n', 'latin1')).data.toString('latin1')).toBe('X: y\nContent-Length: 3\n\nab\n');
  });
});
