import type { Span } from '../source/span.js';

/** rc files average 20-30 characters a line: guess 16, so the index is rarely grown (a power of two). */
const LINE_BYTES_GUESS_SHIFT = 4;

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
   * big file is read do not copy them. A view of the part in use.
   */
  private readonly lineStarts: Uint32Array;
  /** The line of the previous lookup: its 1-based number, its first offset, and the next line's (past the text for the last line). */
  private line = 1;
  private first = 0;
  private next: number;

  constructor(
    readonly file: string,
    readonly text: string,
  ) {
    // One pass, into room for a line per 2^LINE_BYTES_GUESS_SHIFT characters, doubled when that is short.
    let starts = new Uint32Array(1 + (text.length >> LINE_BYTES_GUESS_SHIFT));
    let n = 1;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) {
      if (n === starts.length) {
        const more = new Uint32Array(n * 2);
        more.set(starts);
        starts = more;
      }
      starts[n++] = i + 1;
    }
    this.lineStarts = starts.subarray(0, n);
    this.next = n > 1 ? starts[1]! : text.length + 1;
  }

  span(start: number, end: number): Span {
    // The usual case inline, two comparisons: this runs for every node, mostly unoptimized.
    if (start < this.first || start >= this.next) this.seek(start);
    return { file: this.file, line: this.line, col: start - this.first + 1, start, end };
  }

  /** Makes the line containing offset `at` the current one: usually the next line, else a binary search. */
  private seek(at: number): void {
    const starts = this.lineStarts;
    const last = starts.length - 1;
    let h = this.line; // 0-based index of the next line
    if (!(at >= this.next && (h === last || at < starts[h + 1]!))) {
      let lo = 0;
      let hi = last;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (starts[mid]! <= at) lo = mid;
        else hi = mid - 1;
      }
      h = lo;
    }
    this.line = h + 1;
    this.first = starts[h]!;
    this.next = h === last ? this.text.length + 1 : starts[h + 1]!;
  }
}
