import type { Span } from '../source/span.js';

/**
 * An rc file's text with a line index, so offsets become spans (1-based
 * line/col) without rescanning. Line starts are found once. The lexer asks
 * for spans almost always in text order, so the line of the previous lookup
 * is tried first (and the one after it); anything else is a binary search.
 */
export class SourceText {
  /**
   * Offset of each line's first character. A typed array: its elements live
   * outside the JavaScript heap, so the young-generation GCs that run while a
   * big file is read do not copy them, and it is sized once instead of grown.
   */
  private readonly lineStarts: Uint32Array;
  /** Index into lineStarts of the previous lookup. */
  private hint = 0;

  constructor(
    readonly file: string,
    readonly text: string,
  ) {
    let lines = 1;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines++;
    const starts = new Uint32Array(lines);
    let n = 1;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts[n++] = i + 1;
    this.lineStarts = starts;
  }

  span(start: number, end: number): Span {
    const starts = this.lineStarts;
    // The usual case inline (no call: this runs for every node, mostly unoptimized).
    const h = this.hint;
    const line = starts[h]! <= start && (h + 1 === starts.length || start < starts[h + 1]!) ? h : this.lineIndex(start);
    return { file: this.file, line: line + 1, col: start - starts[line]! + 1, start, end };
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
