import { describe, expect, it } from 'vitest';
import { runRc } from './helpers.js';

describe('MATCH from weighted conditions (docs/procmail-semantics.md §3.5, §4)', () => {
  it('a weighted `\\/` regex sets MATCH from its last match', () => {
    const { a } = runRc(':0\n* 1^1 ^[A-Z][a-z]+: \\/[a-z]+\n{ }\nLOG="[$MATCH][$=]\n"\n');
    expect(a.log()).toBe('[Mon][4]\n');
  });
  it('a failing weighted recipe still sets MATCH', () => {
    const { a } = runRc(':0\n* -1^0 ^Subject: \\/.*\n{ }\nLOG="[$MATCH][$=]\n"\n');
    expect(a.log()).toBe('[Hello there][-1]\n');
  });
  it('a negated weighted regex that matches sets MATCH; one that does not leaves it', () => {
    const { a } = runRc(':0\n* 1^0 ! ^From: \\/.*\n{ }\nLOG="[$MATCH][$=]\n"\n:0\n* 1^0 ! ^X-Nope: \\/.*\n{ }\nLOG="[$MATCH][$=]\n"\n');
    expect(a.log()).toBe('[Alice <alice@example.com>][0]\n[Alice <alice@example.com>][1]\n');
  });
});
