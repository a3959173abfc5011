/**
 * A bracket expression at `i` (the `[`), as regexp.c reads it: no escapes, no
 * POSIX classes, `]`/`-` first literal, unterminated is OK. Marks `bits`;
 * returns the offset after it.
 */
export function readClass(s: string, i: number, fold: boolean, bits: Uint8Array): number {
  i++;
  const neg = s.charCodeAt(i) === 0x5e;
  const on = neg ? 0 : 1;
  if (neg) {
    bits.fill(1);
    bits[10] = 0; // a negated class never matches a newline (docs/procmail-semantics.md §3.2)
    i++;
  }
  let prev = -1;
  const first = s.charCodeAt(i);
  if (first === 0x5d || first === 0x2d) {
    bits[first] ^= 1;
    prev = first;
    i++;
  }
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === 0x5d) {
      i++;
      break;
    }
    if (c === 0x2d && i + 1 < s.length && s.charCodeAt(i + 1) !== 0x5d) {
      const hi = s.charCodeAt(i + 1) & 0xff;
      for (let k = prev + 1; k < hi; k++) mark(bits, k, on, fold);
      mark(bits, hi, on, fold);
      prev = hi;
      i += 2;
      continue;
    }
    mark(bits, c & 0xff, on, fold);
    prev = c & 0xff;
    i++;
  }
  return i;
}

/** The offset after the bracket expression at `i`, as readClass() reads it: its first `]` ends it, except one right after `[` or `[^`. */
export function classEnd(s: string, i: number): number {
  i++;
  if (s.charCodeAt(i) === 0x5e) i++;
  if (s.charCodeAt(i) === 0x5d) i++;
  const close = s.indexOf(']', i);
  return close < 0 ? s.length : close + 1;
}

/** bseti(): when folding, a letter marks its other case too. */
function mark(bits: Uint8Array, c: number, on: number, fold: boolean): void {
  bits[c] = on;
  if (!fold) return;
  if (c >= 0x41 && c <= 0x5a) bits[c + 0x20] = on;
  else if (c >= 0x61 && c <= 0x7a) bits[c - 0x20] = on;
}
