import { describe, expect, it } from 'vitest';
import { renvint } from '../../src/compile/renvint.js';
import { linebufValue, parseUmask, VarStore } from '../../src/eval/vars.js';

describe('renvint (docs/procmail-semantics.md §5.2)', () => {
  it.each([
    ['42', 9, 42], [' -3x', 9, -3], ['yes', 9, 1], ['on', 9, 1], ['off', 9, 0], ['no', 9, 0],
    ['true', 9, 1], ['false', 9, 0], ['e', 9, 1], ['d', 9, 0], ['all', 9, 2], ['', 9, 9],
    ['xyz', 9, 9], ['foo', -2, 0], ['o', 5, 5], ['  On', 0, 1],
  ])('%j with fallback %d is %d', (v, fb, want) => {
    expect(renvint(fb, v)).toBe(want);
  });
  it('LINEBUF has a minimum of 128 and UMASK is octal', () => {
    expect(linebufValue('12')).toBe(128);
    expect(linebufValue('4096')).toBe(4096);
    expect(parseUmask('022')).toBe(0o22);
    expect(parseUmask('junk')).toBe(0);
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
