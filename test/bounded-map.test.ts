import { describe, expect, it } from 'vitest';
import { BoundedMap } from '../src/bounded-map.js';

describe('BoundedMap', () => {
  it('holds at most max entries, forgetting the oldest', () => {
    const m = new BoundedMap<string, number>(3);
    for (const [k, v] of [['a', 1], ['b', 2], ['c', 3], ['d', 4]] as const) m.set(k, v);
    expect([...m.entries()]).toEqual([['b', 2], ['c', 3], ['d', 4]]);
    for (let i = 0; i < 10_000; i++) m.set(`k${i}`, i);
    expect(m.size).toBe(3);
    expect([...m.keys()]).toEqual(['k9997', 'k9998', 'k9999']);
  });

  it('re-setting a key keeps the others and its place; deleting first moves it to the end', () => {
    const m = new BoundedMap<string, number>(2);
    m.set('a', 1).set('b', 2).set('a', 3);
    expect([...m.entries()]).toEqual([['a', 3], ['b', 2]]);
    m.delete('a');
    m.set('a', 4).set('c', 5);
    expect([...m.entries()]).toEqual([['a', 4], ['c', 5]]);
  });
});
