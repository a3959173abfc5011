import { describe, expect, it } from 'vitest';
import { runRc } from './helpers.js';

describe('DELIVERED=yes (docs/procmail-semantics.md §5.2)', () => {
  it('exits 0 once the message is delivered, whatever EXITCODE says afterwards', () => {
    const { out } = runRc('DELIVERED=yes\nEXITCODE=5\n:0\nbox\n');
    expect(out).toMatchObject({ exitCode: 0, deliveredEarly: true });
  });
  it('returns the failure instead of losing the message when nothing could be delivered', () => {
    const { out, trace } = runRc('DELIVERED=yes\n:0\n* ^X-Nope\nnope\n', { failFolders: ['DEFAULT'] });
    expect(out).toMatchObject({ exitCode: 73, disposition: 'bounced', deliveredEarly: true });
    expect(trace.some((e) => e.kind === 'note' && e.text.includes('would have lost'))).toBe(true);
  });
  it('DELIVERED=no changes nothing', () => {
    const { out } = runRc('DELIVERED=no\nEXITCODE=5\n:0\nbox\n');
    expect(out.exitCode).toBe(5);
    expect(out.deliveredEarly).toBeUndefined();
  });
});
