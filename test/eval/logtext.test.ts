import { describe, expect, it } from 'vitest';
import { logtext } from '../../src/eval/logtext.js';

describe('log texts (docs/procmail-semantics.md §8.2, §8.3)', () => {
  it('formats like procmail', () => {
    expect(logtext.skipped('-x')).toBe('procmail: Skipped "-x"\n');
    expect(logtext.match(true, true, 'x')).toBe('procmail: Match on ! "x"\n');
    expect(logtext.match(false, false, 'x')).toBe('procmail: No match on "x"\n');
    expect(logtext.score(8, 8, false, '^x')).toBe('procmail: Score:       8       8 "^x"\n');
    expect(logtext.score(0.3, 0.3, false, 'x')).toBe('procmail: Score:       0      +0 "x"\n');
    expect(logtext.programFailure(3, ' exit 3')).toBe('procmail: Program failure (3) of " exit 3"\n');
  });
});
