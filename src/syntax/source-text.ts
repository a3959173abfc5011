import type { Span } from '../source/span.js';

/**
 * An rc file's text with a line index, so offsets become spans (1-based
 * line/col) without rescanning. Line starts are found once. The lexer asks
 * for spans almost always in text order, so the line of the previous lookup
 * is tried first (and the one after it); anything else is a binary search.
 */
export class SourceText {
  private readonly lineStarts: number[] = [0];
  /** Index into lineStarts of the previous lookup. */
  private hint = 0;

  constructor(
    readonly file: string,
    readonly text: string,
  ) {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.lineStarts.push(i + 1);
  }

  span(start: number, end: number): Span {
    const line = this.lineIndex(start);
    return { file: this.file, line: line + 1, col: start - this.lineStarts[line]! + 1, start, end };
  }

  /** 0-based index of the line containing offset `at`. */
  private lineIndex(at: number): number {
    const starts = this.lineStarts;
    const last = starts.length - 1;
    let h = this.hint;
    if (starts[h]! <= at) {
      if (h === last || at < starts[h + 1]!) return h;
      h++;
      if (h === last || at < starts[h + 1]!) return (this.hint = h);
    }
    let lo = 0;
    let hi = last;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= at) lo = mid;
      else hi = mid - 1;
    }
    return (this.hint = lo);
  }
}
