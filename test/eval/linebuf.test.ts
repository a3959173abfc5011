import { describe, expect, it } from 'vitest';
import { runRc } from './helpers.js';

describe('LINEBUF overflow (docs/procmail-semantics.md §5.2)', () => {
  const xs = (n: number) => 'x'.repeat(n);
  it('an assignment that does not fit keeps the old value and sets PROCMAIL_OVERFLOW', () => {
    const { a } = runRc(`LINEBUF=128\nA=old\nA=${xs(127)}\nB=${xs(126)}\nLOG="[$A][\${B:+fits}][$PROCMAIL_OVERFLOW]\n"\n`);
    expect(a.log()).toBe('procmail: Exceeded LINEBUF\n[old][fits][yes]\n');
  });
  it('a condition of LINEBUF bytes fails even when negated; one byte less fits', () => {
    const long = runRc(`LINEBUF=128\n:0\n* ! ${xs(126)}\n{ LOG="held\n" }\n`);
    expect(long.a.log()).toBe('procmail: Exceeded LINEBUF\n');
    const fits = runRc(`LINEBUF=128\n:0\n* ! ${xs(125)}\n{ LOG="held\n" }\n`);
    expect(fits.a.log()).toBe('held\n');
  });
  it('an expanded condition that overflows fails', () => {
    const { a } = runRc(`LINEBUF=128\nB=${xs(60)}\n:0\n* ! $ $B$B$B\n{ LOG="held\n" }\n`);
    expect(a.log()).toBe('procmail: Exceeded LINEBUF\n');
  });
  it('a folder action that overflows fails the recipe without a delivery request', () => {
    const { a } = runRc(`LINEBUF=128\nB=${xs(60)}\n:0\nbox$B$B$B\n:0 e\n{ LOG="failed\n" }\n:0\nok\n`);
    expect(a.delivered()).toEqual(['ok']);
    expect(a.log()).toBe('procmail: Exceeded LINEBUF\nfailed\n');
  });
  it('the quick path leaves long conditions to the slow one', () => {
    // All-regex recipe: the quick path would otherwise miss the overflow.
    const { a } = runRc(`LINEBUF=128\n:0\n* ^Subject\n* ! ${xs(130)}\n{ LOG="held\n" }\n`);
    expect(a.log()).toBe('procmail: Exceeded LINEBUF\n');
  });
});
