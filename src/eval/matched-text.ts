import type { Nfa } from '../compile/regex/nfa.js';
import type { ProcRegex } from '../compile/regex/translate.js';
import { consumes, dfaOf, epsilonClosure, regexWork } from './regex-dfa.js';
import { mayMatch } from './regex-prefilter.js';
import { searchText, toArea } from './regex-search.js';

/**
 * The text a condition matched, for reports (the dry run's `matched`; the
 * engine computes it only when a trace is wanted): the leftmost match, as
 * long as it goes, as POSIX defines it. procmail itself never says: its
 * bregexec only tells where the first match ends. Virtual newlines are not
 * part of it; a real newline a `^` consumed is. Undefined when nothing
 * matches.
 */
export function matchedText(rx: ProcRegex, area: string): string | undefined {
  const S = searchText(area, rx.caseSensitive);
  if (!mayMatch(rx, S, 0)) return undefined;
  const dfa = dfaOf(rx.nfa);
  if (dfa.firstEnd(S, 0, S.length - 2) < 0) return undefined;
  const span = leftmostLongest(rx.nfa, S, dfa.floor, S.length - 2);
  if (span === null) return undefined;
  return area.slice(toArea(span.start, area.length), toArea(span.end, area.length));
}

/**
 * The leftmost-longest match in S, with threads injected from `p0` to
 * `lastInject` (the steps of regex-search.ts runNfa()): a thread carries the
 * position where its match started, threads are kept in increasing order of
 * it, so the first to reach a node has the smallest and the others are
 * dropped. Once a match is found no thread starts any more and those that
 * started later are dropped; the run goes on while an earlier or equal
 * start may still match, so it reads each character once.
 */
function leftmostLongest(nfa: Nfa, S: string, p0: number, lastInject: number): { start: number; end: number } | null {
  const next = nfa.next;
  const N = S.length;
  const size = nfa.size;
  let cur = { node: new Int32Array(size), start: new Int32Array(size), len: 0 };
  let nxt = { node: new Int32Array(size), start: new Int32Array(size), len: 0 };
  const seen = new Int32Array(size).fill(-1);
  const stack = new Int32Array(2 * size + 2);
  const reached = new Int32Array(size);
  let best = -1;
  let bestEnd = -1;
  const lastStep = lastInject + 2;
  let pos = p0;
  for (; pos <= lastStep; pos++) {
    const ch = pos < N ? S.charCodeAt(pos) : 10;
    const inject = best < 0 && pos <= lastInject;
    if (cur.len === 0 && !inject) break;
    nxt.len = 0;
    for (let t = 0; t <= cur.len; t++) {
      let start: number;
      if (t < cur.len) {
        start = cur.start[t]!;
        if (best >= 0 && start > best) break;
        stack[0] = next[cur.node[t]!]!;
      } else {
        if (!inject) break;
        start = pos;
        stack[0] = nfa.start;
      }
      // The nodes not reached yet at this step (`seen` is marked with the position) are this thread's.
      let n = epsilonClosure(nfa, stack, 1, seen, pos, pos === lastInject + 1, reached, 0);
      if (n < 0) {
        n = ~n;
        if (best < 0 || start <= best) {
          best = start;
          bestEnd = pos;
        }
      }
      for (let i = 0; i < n; i++) {
        if (consumes(nfa, reached[i]!, ch, pos === 0)) {
          nxt.node[nxt.len] = reached[i]!;
          nxt.start[nxt.len++] = start;
        }
      }
    }
    const t = cur;
    cur = nxt;
    nxt = t;
  }
  regexWork.chars += pos - p0 + 1;
  return best < 0 ? null : { start: best, end: bestEnd };
}
