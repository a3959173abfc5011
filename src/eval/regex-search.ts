import { N_BOM, N_BOT, N_CHAR, N_DOT, N_EOT, N_FIN, N_JUMP, N_SET, N_SPLIT, type Nfa } from '../compile/regex/nfa.js';
import type { ProcRegex } from '../compile/regex/translate.js';
import { dfaOf, regexWork } from './regex-dfa.js';
import { liveSetsOf } from './regex-live.js';
import { mayMatch } from './regex-prefilter.js';

/**
 * Searching a procmail regex in an area (docs/procmail-semantics.md §3). The area is a
 * latin1 string (one char per byte), already unfolded for H/HB searches.
 * Positions below are indexes into S = "\n" + area + "\n": S[0] and S[N-1]
 * are the virtual newlines, S[k] is area[k-1].
 *
 * Every search is linear in the area: the strings every match contains are
 * looked for first (regex-prefilter.ts; most conditions stop there), then
 * the DFA (regex-dfa.ts) finds whether and where the first match ends,
 * reading each character once; only a `\/`
 * pattern that matched is then simulated (runNfa) for its MATCH, from where
 * that match can start, which reads the text once more at most. A scoring
 * loop starts each search where the last match ended, and for a `\/`
 * pattern drops the threads that can no longer match (regex-live.ts), so
 * the whole loop reads the area a bounded number of times.
 */

export interface SearchResult {
  readonly matched: boolean;
  /** The MATCH value, when the pattern has `\/` (docs/procmail-semantics.md §3.5). */
  readonly match?: string;
}

const NO_MATCH: SearchResult = Object.freeze({ matched: false });
const MATCHED: SearchResult = Object.freeze({ matched: true });

// ---------------------------------------------------------------------------
// The searched text, built once per (area, case mode). Messages are searched
// by many recipes in a row, so remembering the last area per mode makes the
// lowercasing and concatenation a once-per-message cost.

let lastArea: string | null = null;
let lastS = '';
let lastAreaFolded: string | null = null;
let lastSFolded = '';

/**
 * What String#toLowerCase may fold besides A–Z: the Latin-1 capitals (× is
 * not a letter) and, in a variable's value, anything beyond Latin-1.
 */
const NOT_ASCII_UPPER = /[\xc0-\xd6\xd8-\xde\u0100-\uffff]/g;
const ASCII_UPPER = /[A-Z]+/g;

/** Lowercase ASCII A–Z only (procmail folds nothing else, docs/procmail-semantics.md §3.3). */
export function lowerAscii(text: string): string {
  // String#toLowerCase is native and fast, and on latin1 text it changes
  // only A–Z and the Latin-1 capitals, one char for one char. So lowercase
  // everything, then put back the Latin-1 capitals, if any. The UTF-8 length
  // equals the length exactly when the text is ASCII, and is computed natively
  // far faster than any scan for those capitals.
  const low = text.toLowerCase();
  if (Buffer.byteLength(text, 'utf8') === text.length) return low;
  // A few non-Latin-1 letters lowercase to two chars (İ): then go letter by letter.
  if (low.length !== text.length) return text.replace(ASCII_UPPER, (m) => m.toLowerCase());
  let out = '';
  let from = 0;
  NOT_ASCII_UPPER.lastIndex = 0;
  for (let m = NOT_ASCII_UPPER.exec(text); m !== null; m = NOT_ASCII_UPPER.exec(text)) {
    out += low.slice(from, m.index) + m[0];
    from = m.index + 1;
  }
  return from === 0 ? low : out + low.slice(from);
}

/** S for an area: `"\n" + area + "\n"`, ASCII-lowercased unless case-sensitive. */
export function searchText(area: string, caseSensitive: boolean): string {
  // The area is remembered even when it compares equal: an equal string that is another object
  // (the same message evaluated again, or two areas with the same text) is compared in full, and
  // scoring asks once per match, which made a weighted search quadratic. Once remembered, the
  // comparison is by identity.
  if (caseSensitive) {
    if (area !== lastArea) lastS = '\n' + area + '\n';
    lastArea = area;
    return lastS;
  }
  // Newlines are not letters: lowercasing the whole of S makes one string, not two.
  if (area !== lastAreaFolded) lastSFolded = lowerAscii('\n' + area + '\n');
  lastAreaFolded = area;
  return lastSFolded;
}

// ---------------------------------------------------------------------------
// The automaton (a re-implementation of regexp.c:bregexec's behaviour).
// A step processes one character of S; each thread is an NFA node that
// consumed the previous character. Starting threads are injected at each
// step until the first complete match in MATCH mode. The final two steps
// process the trailing virtual newline: in the first (no injection) `^^` at
// the end may match; in the second only completed matches are noticed.

const NONE = 0x7fffffff;

interface Scratch {
  size: number;
  curNode: Int32Array;
  curStart: Int32Array;
  nxtNode: Int32Array;
  nxtStart: Int32Array;
  pushedGen: Int32Array;
  pushedAt: Int32Array;
  visitGen: Int32Array;
  visitStart: Int32Array;
  stackNode: Int32Array;
  stackStart: Int32Array;
  gen: number;
}

const scratchFor = new WeakMap<Nfa, Scratch>();

function scratch(nfa: Nfa): Scratch {
  let s = scratchFor.get(nfa);
  if (!s) {
    const n = nfa.size;
    s = {
      size: n,
      curNode: new Int32Array(n),
      curStart: new Int32Array(n),
      nxtNode: new Int32Array(n),
      nxtStart: new Int32Array(n),
      pushedGen: new Int32Array(n),
      pushedAt: new Int32Array(n),
      visitGen: new Int32Array(n),
      visitStart: new Int32Array(n),
      // Grown on demand (growStack).
      stackNode: new Int32Array(n * 4 + 16),
      stackStart: new Int32Array(n * 4 + 16),
      gen: 0,
    };
    scratchFor.set(nfa, s);
  }
  return s;
}

function growStack(sc: Scratch): void {
  const node = new Int32Array(sc.stackNode.length * 2);
  const start = new Int32Array(sc.stackStart.length * 2);
  node.set(sc.stackNode);
  start.set(sc.stackStart);
  sc.stackNode = node;
  sc.stackStart = start;
}

/** Result of one automaton run. `end` = S index one past the match, or -1. */
export interface RunResult {
  end: number;
  /** S indexes of the MATCH split and end, or -1 when no MATCH was extracted. */
  bom: number;
  eom: number;
}

const run: RunResult = { end: -1, bom: -1, eom: -1 };

/**
 * Run from S index `p0`; threads are injected at p0..lastInject (chars past
 * the end of S read as the virtual newline). `live` (regex-live.ts) drops
 * the threads that can no longer match. Exported for the tests that hold
 * the DFA, the floor and `live` to it (test/regex/automaton.test.ts); the
 * result is overwritten by the next run.
 */
export function runNfa(nfa: Nfa, S: string, p0: number, lastInject: number, live: readonly Int32Array[] | null = null): RunResult {
  const sc = scratch(nfa);
  const { kind, next, alt, arg, sets } = nfa;
  const N = S.length;
  let curLen = 0;
  let mode2 = false; // a `\/` has been passed: threads carry their split position
  let inject = true;
  let bom = -1;
  let eom = -1;
  let limit = NONE; // after a MATCH, threads with a later split are dropped (regexp.c cleantail)
  run.end = -1;
  run.bom = -1;
  run.eom = -1;
  const lastStep = lastInject + 2;
  let pos = p0;
  for (; pos <= lastStep; pos++) {
    const ch = pos < N ? S.charCodeAt(pos) : 10;
    const eotOk = pos === lastInject + 1;
    const gen = ++sc.gen;
    let nxtLen = 0;
    const injectHere = inject && pos <= lastInject;
    if (!injectHere && curLen === 0) break;
    // Threads: injection first, then the previous step's threads last-pushed first (regexp.c's pc-stack order).
    let ti = injectHere ? -1 : 0;
    const tcount = curLen;
    for (; ti < tcount; ti++) {
      let sp = 0;
      if (ti < 0) {
        sc.stackNode[sp] = nfa.start;
        sc.stackStart[sp++] = NONE;
      } else {
        const k = tcount - 1 - ti;
        const st = sc.curStart[k]!;
        if (st !== NONE && st > limit) continue;
        sc.stackNode[sp] = next[sc.curNode[k]!]!;
        sc.stackStart[sp++] = st;
      }
      while (sp > 0) {
        let node = sc.stackNode[--sp]!;
        let start = sc.stackStart[sp]!;
        for (;;) {
          if (sc.visitGen[node] === gen && sc.visitStart[node]! <= start) break;
          sc.visitGen[node] = gen;
          sc.visitStart[node] = start;
          const kd = kind[node]!;
          let consume = false;
          if (kd === N_SPLIT) {
            if (sp === sc.stackNode.length) growStack(sc);
            sc.stackNode[sp] = alt[node]!;
            sc.stackStart[sp++] = start;
            node = next[node]!;
            continue;
          } else if (kd === N_JUMP) {
            node = next[node]!;
            continue;
          } else if (kd === N_BOM) {
            if (!mode2) mode2 = true;
            if (eom < 0) start = pos;
            node = next[node]!;
            continue;
          } else if (kd === N_CHAR) {
            consume = ch === arg[node];
          } else if (kd === N_SET) {
            consume = sets[arg[node]!]![ch] === 1;
          } else if (kd === N_DOT) {
            consume = ch !== 10;
          } else if (kd === N_BOT) {
            consume = pos === 0;
          } else if (kd === N_EOT) {
            // Not at the end, regexp.c falls through to the start-anchor test.
            if (eotOk) {
              node = next[node]!; // = FIN
              continue;
            }
            consume = pos === 0;
          } else if (kd === N_FIN) {
            if (!mode2 || start === NONE) {
              // A plain match (or, in MATCH mode, one that bypassed `\/`): regexp.c returns at once.
              run.end = pos;
              regexWork.chars += pos - p0 + 1;
              return run;
            }
            bom = start;
            eom = pos;
            limit = start;
            inject = false;
            break;
          }
          // A thread that can no longer match (regex-live.ts) is not kept.
          if (consume && (live === null || has(live[pos + 1]!, node))) {
            if (sc.pushedGen[node] !== gen) {
              sc.pushedGen[node] = gen;
              sc.pushedAt[node] = nxtLen;
              sc.nxtNode[nxtLen] = node;
              sc.nxtStart[nxtLen++] = start;
            } else {
              const at = sc.pushedAt[node]!;
              if (start < sc.nxtStart[at]!) sc.nxtStart[at] = start;
            }
          }
          break;
        }
      }
    }
    // Swap thread lists.
    const tn = sc.curNode;
    const ts = sc.curStart;
    sc.curNode = sc.nxtNode;
    sc.curStart = sc.nxtStart;
    sc.nxtNode = tn;
    sc.nxtStart = ts;
    curLen = nxtLen;
    if (eom >= 0) {
      // Drop threads whose split is later than the chosen one.
      let w = 0;
      for (let r = 0; r < curLen; r++) {
        const st = sc.curStart[r]!;
        if (st <= limit) {
          sc.curNode[w] = sc.curNode[r]!;
          sc.curStart[w++] = st;
        }
      }
      curLen = w;
      if (curLen === 0) break;
    }
  }
  regexWork.chars += pos - p0 + 1;
  if (eom >= 0) {
    run.end = eom;
    run.bom = bom;
    run.eom = eom;
  }
  return run;
}

/** Whether sorted `set` holds `x`. */
function has(set: Int32Array, x: number): boolean {
  let lo = 0;
  let hi = set.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = set[mid]!;
    if (v === x) return true;
    if (v < x) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** Area index for an S index, clamped to the area (the virtual newlines are never part of a value). */
export function toArea(k: number, len: number): number {
  const a = k - 1;
  return a < 0 ? 0 : a > len ? len : a;
}

/**
 * Search the area (docs/procmail-semantics.md §3.2). For patterns with `\/`, `match` is
 * procmail's MATCH: the earliest possible split, then the longest right
 * side (§3.5), taken from the original (unfolded-case) text.
 */
export function search(rx: ProcRegex, area: string): SearchResult {
  const S = searchText(area, rx.caseSensitive);
  if (!mayMatch(rx, S, 0)) return NO_MATCH;
  const dfa = dfaOf(rx.nfa);
  if (dfa.firstEnd(S, 0, S.length - 2) < 0) return NO_MATCH;
  if (!rx.hasMatchSplit) return MATCHED;
  const r = runNfa(rx.nfa, S, dfa.floor, S.length - 2);
  if (r.end < 0) return NO_MATCH;
  if (r.bom < 0) return MATCHED;
  const len = area.length;
  const b = toArea(r.bom, len);
  const e = toArea(r.eom, len);
  return { matched: true, match: e > b ? area.slice(b, e) : '' };
}

/** Just the yes/no answer, without building result objects (the hot path for plain conditions). */
export function test(rx: ProcRegex, area: string): boolean {
  const S = searchText(area, rx.caseSensitive);
  return mayMatch(rx, S, 0) && dfaOf(rx.nfa).firstEnd(S, 0, S.length - 2) >= 0;
}

/**
 * The next match for scoring, searching from area index `from` the way
 * procmail's scoring loop calls bregexec (misc.c): the newline before `from`
 * may be consumed again by `^`, and each match ends at its earliest possible
 * end. Returns the area index one past the match — from -1 (only the leading
 * virtual newline was consumed) to `area.length+1` (the trailing one was) —
 * or NO_END.
 */
/** nextMatchEnd(): no (further) match. */
export const NO_END = -2;

export function nextMatchEnd(rx: ProcRegex, area: string, from: number): number {
  const S = searchText(area, rx.caseSensitive);
  const N = S.length;
  const len = N - 2;
  let p0: number;
  const lastInject = N - 2;
  if (from === 0 || S.charCodeAt(from) === 10) {
    p0 = from; // S[from] is the character just before area[from]
  } else if (from >= len) {
    // regexp.c with nothing left: the virtual newline is searched as a character of its own.
    return finish(runNfa(rx.nfa, S, N - 1, N - 1), area);
  } else {
    p0 = from + 1;
  }
  if (!mayMatch(rx, S, p0)) return NO_END;
  const dfa = dfaOf(rx.nfa);
  const end = dfa.firstEnd(S, p0, lastInject);
  if (end < 0) return NO_END;
  if (!rx.hasMatchSplit) {
    lastSplitMatch = undefined;
    return end - 1;
  }
  // A scoring loop searches again after each match: threads that cannot match must not outlive it.
  return finish(runNfa(rx.nfa, S, dfa.floor, lastInject, liveSetsOf(rx.nfa).liveSets(S, lastInject)), area);
}

/** MATCH extracted by the last successful nextMatchEnd() (undefined when it extracted none). */
export let lastSplitMatch: string | undefined;

function finish(r: RunResult, area: string): number {
  if (r.end < 0) return NO_END;
  if (r.bom >= 0) {
    const b = toArea(r.bom, area.length);
    const e = toArea(r.eom, area.length);
    lastSplitMatch = e > b ? area.slice(b, e) : '';
  } else {
    lastSplitMatch = undefined;
  }
  return r.end - 1;
}

/**
 * Non-overlapping matches, each search starting where the previous match
 * ended (procmailsc(5)); an empty match counts and ends the scan (it would
 * repeat forever). Scoring uses score.ts, which applies the weights.
 */
export function countMatches(rx: ProcRegex, area: string): number {
  let n = 0;
  let at = 0;
  for (;;) {
    const end = nextMatchEnd(rx, area, at);
    if (end === NO_END) return n;
    n++;
    if (end <= at || end > area.length) return n;
    at = end;
  }
}
