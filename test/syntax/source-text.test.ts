import { describe, expect, it } from 'vitest';
import { place } from '../helpers/source-place.js';
import { SourceText } from '../../src/syntax/source-text.js';

describe('SourceText.span', () => {
  const texts = ['', 'x', '\n', 'ab\n', 'ab\ncd', '\n\n\nx\n', ':0\n* a\n\n\nf\n{\n}\n'];
  for (const text of texts) {
    it(`${JSON.stringify(text)}: every offset, forwards, backwards and both ends`, () => {
      const offsets = Array.from({ length: text.length + 1 }, (_, i) => i);
      for (const order of [offsets, [...offsets].reverse(), offsets.flatMap((i) => [i, text.length - i])]) {
        const src = new SourceText('f', text);
        for (const at of order) {
          const s = src.span(at, at);
          expect({ line: s.line, col: s.col }, `offset ${at}`).toEqual(place(text, at));
          expect(s.file).toBe('f');
        }
      }
    });
  }

  it('random jumps over a longer text', () => {
    let text = '';
    for (let i = 0; i < 300; i++) text += 'x'.repeat(i % 7) + '\n';
    const src = new SourceText('f', text);
    let seed = 7;
    for (let k = 0; k < 2000; k++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      // Mostly small steps forward, as the lexer goes; sometimes anywhere.
      const at = k % 5 === 0 ? seed % (text.length + 1) : Math.min(text.length, (k * 3) % (text.length + 1));
      const s = src.span(at, at + 1);
      expect({ line: s.line, col: s.col }, `offset ${at}`).toEqual(place(text, at));
    }
  });
});
