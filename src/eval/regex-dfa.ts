import { N_BOM, N_BOT, N_CHAR, N_DOT, N_EOT, N_FIN, N_JUMP, N_SET, N_SPLIT, type Nfa } from '../compile/regex.js';
import { DFA_MAX_STATE_NODES, DFA_MAX_STATES } from '../limits.js';

/**
 * Where a procmail regex first matches, in time linear in the text: the
 * automaton of src/compile/regex.ts run as a DFA built lazily, one state per
 * set of automaton nodes met, one transition per (state, byte class) taken.
 * Each character costs one table lookup once its transition is known, and
 * at most one simulation step of the automaton before that (the set of its
 * nodes alive, as regexp.c's bregexec keeps it), so a search never rescans:
 * the text is read once, left to right, whatever the pattern (the
 * construction of RE2 and of grep's DFA matcher). The states kept are
 * bounded (DFA_MAX_STATES); past that the table starts afresh, and a search
 * that keeps needing new states simulates the automaton instead
 * (simulate()), which costs speed, never linearity.
 *
 * The run is search.ts's runNfa() without the MATCH bookkeeping: positions
 * are indexes into S = "\n" + area + "\n", a thread is a node that consumed
 * the previous character, threads are injected at every position up to
 * `lastInject`, and the two steps after it read the trailing virtual newline
 * (in the first, a `^^` at the end may match). The first position where some
 * thread reaches the end of the pattern is where regexp.c returns for a
 * plain condition; it is also the first match end from which the MATCH
 * split and the matched text are worked out.
 */

/** Work done by every search since the process started, in characters examined (the step counts test/regex/linear.test.ts bounds). */
export const regexWork = { chars: 0 };

/** Times the states may be forgotten in one search before it simulates the automaton instead (LazyDfa.simulate). */
export const THRASHING = 2;

/** A transition not worked out yet. */
export const UNKNOWN = -1;
/** The state's threads reach the end of the pattern: a match ends here, whatever the character. */
const MATCH = -2;
/** What closure() returns when the end of the pattern is reached. */
const REACHES_FIN = null;

/**
 * Sets of automaton nodes as the states of a DFA built on demand: interned
 * (a handle per set), with a table of transitions per byte class, and
 * bounded: past DFA_MAX_STATES states or DFA_MAX_STATE_NODES node ids in
 * all, everything is forgotten and built again as needed. Shared by the
 * forward search (LazyDfa) and the backward pass of regex-live.ts.
 */
export class NodeSetTable {
  protected readonly nfa: Nfa;
  /** Byte → class: bytes no node tells apart share a class (and a column of the table). */
  protected readonly classOf: Uint16Array;
  /** Number of classes. */
  protected readonly width: number;
  /** A byte of each class. */
  protected readonly sample: Int32Array;

  /** State → its nodes (sorted). A state's handle is its index times `width`: where its row starts. */
  protected nodes: Int32Array[] = [];
  private readonly handles = new Map<string, number>();
  /** Handle + class → the next state's handle, UNKNOWN, or a negative mark of the subclass's. */
  protected table: Int32Array;
  /** Node ids held by all states (DFA_MAX_STATE_NODES bounds it). */
  private held = 0;
  /** The handle of the empty set. */
  protected empty = 0;
  /** How many times the states were forgotten (a handle is good within one epoch). */
  protected epoch = 0;

  // Scratch for the subclasses' steps.
  protected readonly seen: Int32Array;
  private gen = 0;
  protected readonly stack: Int32Array;
  protected readonly found: Int32Array;

  constructor(nfa: Nfa) {
    this.nfa = nfa;
    const { classOf, width } = byteClasses(nfa);
    this.classOf = classOf;
    this.width = width;
    this.sample = new Int32Array(width).fill(-1);
    for (let b = 255; b >= 0; b--) this.sample[classOf[b]!] = b;
    this.seen = new Int32Array(nfa.size);
    this.stack = new Int32Array(2 * nfa.size + 2);
    this.found = new Int32Array(nfa.size);
    this.table = new Int32Array(16 * width).fill(UNKNOWN);
    this.reset();
  }

  /** The nodes of the state with `handle`. */
  protected nodesOf(handle: number): Int32Array {
    return this.nodes[handle / this.width]!;
  }

  /** The handle of the state of `nodes` (sorted), made if new; starts afresh first when the bounds are reached. */
  protected intern(nodes: Int32Array): number {
    const key = keyOf(nodes);
    const known = this.handles.get(key);
    if (known !== undefined) return known;
    if (this.nodes.length >= DFA_MAX_STATES || this.held + nodes.length > DFA_MAX_STATE_NODES) this.reset();
    return this.add(key, nodes);
  }

  /** Records `next` as the transition of `handle` on class `k`, unless the states were forgotten since `epoch`. */
  protected remember(handle: number, k: number, next: number, epoch: number): void {
    if (this.epoch === epoch) this.table[handle + k] = next;
  }

  private add(key: string, nodes: Int32Array): number {
    const state = this.nodes.length;
    const handle = state * this.width;
    if (handle + this.width > this.table.length) {
      const grown = new Int32Array(this.table.length * 2).fill(UNKNOWN);
      grown.set(this.table);
      this.table = grown;
    }
    this.nodes.push(nodes);
    this.handles.set(key, handle);
    this.held += nodes.length + 1;
    return handle;
  }

  /** Forget every state (the table's rows are reused). */
  private reset(): void {
    this.epoch++;
    this.nodes = [];
    this.handles.clear();
    this.table.fill(UNKNOWN);
    this.held = 0;
    this.forget();
    this.empty = this.add('', new Int32Array(0));
  }

  /** What a subclass keeps per state, forgotten with the states. */
  protected forget(): void {}

  protected nextGen(): number {
    if (this.gen === 0x3fffffff) {
      this.seen.fill(0);
      this.gen = 0;
    }
    return ++this.gen;
  }
}

export class LazyDfa extends NodeSetTable {
  /** State → the nodes its threads and a new one reach before reading a character, or REACHES_FIN; undefined until needed. */
  private closures: (Int32Array | null | undefined)[] = [];

  /**
   * After firstEnd(): a position at or before the start of every match
   * ending where firstEnd() found one: the last one at which no thread
   * injected earlier was alive. Simulating the automaton from there gives
   * what simulating it from the search's start gives.
   */
  floor = 0;
  /** The set simulate() ended with. */
  private simulated: Int32Array = new Int32Array(0);
  /** What scan() leaves besides the position. */
  private readonly scanned = new Int32Array(3);

  protected override forget(): void {
    this.closures = [];
  }

  /**
   * The S index where a match first ends, searching from `p0` with threads
   * injected up to `lastInject` (search.ts runNfa()'s arguments), or -1.
   * Sets `floor`.
   */
  firstEnd(S: string, p0: number, lastInject: number): number {
    const N = S.length;
    let d = this.empty;
    let pos = p0;
    this.floor = p0;
    try {
      if (pos === 0 && lastInject >= 0) {
        // Only here can `^^` consume the leading virtual newline.
        const r = this.stepSlow(d, S.charCodeAt(0), true, false, true);
        if (r === MATCH) return 0;
        d = r;
        pos = 1;
      }
      const epoch = this.epoch;
      while (pos <= lastInject) {
        if (this.epoch - epoch >= THRASHING) {
          // States are made faster than they are reused: simulate instead.
          const r = this.simulate(S, pos, lastInject, this.nodesOf(d));
          if (r >= 0) return (pos = r);
          pos = lastInject + 1;
          d = this.intern(this.simulated);
          break;
        }
        const out = this.scanned;
        out[FLOOR] = this.floor;
        pos = scan(this.table, this.classOf, S, d, pos, lastInject, this.empty, out);
        d = out[STATE]!;
        this.floor = out[FLOOR]!;
        const t = out[NEXT]!;
        if (t >= 0) break;
        if (t === MATCH) return pos;
        const c = S.charCodeAt(pos);
        const r = c < 256 ? this.fill(d, this.classOf[c]!) : this.stepSlow(d, c, true, false, false);
        if (r === MATCH) return pos;
        d = r;
        pos++;
      }
      // The trailing virtual newline: no injection; a `^^` at the end matches before it.
      for (let k = 0; k < 2; k++, pos++) {
        if (d === this.empty) return -1;
        const r = this.stepSlow(d, pos < N ? S.charCodeAt(pos) : 10, false, k === 0, false);
        if (r === MATCH) return pos;
        d = r;
      }
      return -1;
    } finally {
      regexWork.chars += pos - p0 + 1;
    }
  }

  /**
   * firstEnd() from `pos` to `lastInject` as the automaton runs, one set of
   * nodes per step and none kept: for a pattern whose DFA has more states
   * than a search can reuse (`(a|b)*a(a|b)(a|b)…`, one new state per
   * character), this costs a step of the automaton per character instead
   * of a state. Returns the match end or -1, leaving the last set in
   * `simulated`.
   */
  private simulate(S: string, pos: number, lastInject: number, from: Int32Array): number {
    let cur = from;
    let floor = this.floor;
    for (; pos <= lastInject; pos++) {
      if (cur.length === 0) floor = pos;
      const c = this.closure(cur, true, false);
      if (c === REACHES_FIN) break;
      cur = this.step(c, S.charCodeAt(pos), false);
    }
    this.floor = floor;
    this.simulated = cur;
    return pos > lastInject ? -1 : pos;
  }

  /** The transition of state `d` on class `k` in the middle of a search (injecting, no anchor applies), remembered. */
  private fill(d: number, k: number): number {
    const state = d / this.width;
    let c = this.closures[state];
    if (c === undefined) c = this.closures[state] = this.closure(this.nodes[state]!, true, false);
    if (c === REACHES_FIN) {
      this.table.fill(MATCH, d, d + this.width);
      return MATCH;
    }
    const epoch = this.epoch;
    const next = this.intern(this.step(c, this.sample[k]!, false));
    this.remember(d, k, next, epoch);
    return next;
  }

  /** One step from state `d` on character `ch`, not remembered (the ends of S, characters beyond Latin-1). */
  private stepSlow(d: number, ch: number, inject: boolean, eotOk: boolean, atZero: boolean): number {
    const c = this.closure(this.nodesOf(d), inject, eotOk);
    if (c === REACHES_FIN) return MATCH;
    return this.intern(this.step(c, ch, atZero));
  }

  /**
   * The consuming nodes reached without reading a character from the nodes
   * after `from`'s and, when `inject`, from the start; REACHES_FIN when the
   * end of the pattern is among them (runNfa()'s inner loop, as a set).
   */
  private closure(from: Int32Array, inject: boolean, eotOk: boolean): Int32Array | null {
    const next = this.nfa.next;
    const stack = this.stack;
    let sp = 0;
    for (let i = from.length - 1; i >= 0; i--) stack[sp++] = next[from[i]!]!;
    if (inject) stack[sp++] = this.nfa.start;
    const n = epsilonClosure(this.nfa, stack, sp, this.seen, this.nextGen(), eotOk, this.found, 0);
    return n < 0 ? REACHES_FIN : this.found.slice(0, n);
  }

  /** The nodes of `c` that consume `ch`, sorted (`atZero`: at S[0], where `^^` consumes). */
  private step(c: Int32Array, ch: number, atZero: boolean): Int32Array {
    const out = this.found;
    let n = 0;
    for (let i = 0; i < c.length; i++) if (consumes(this.nfa, c[i]!, ch, atZero)) out[n++] = c[i]!;
    return out.slice(0, n).sort();
  }
}

/** Indexes into what scan() leaves: the state, the floor, and the transition it stopped at (negative) or the last one taken. */
const STATE = 0;
const FLOOR = 1;
const NEXT = 2;

/**
 * The hot loop of LazyDfa.firstEnd(), one table lookup per character from
 * `pos` until a transition is not known (or a match) or past `last`; a
 * function of its own, small, so that V8 optimizes it early in a process
 * (a delivery searches once per condition, in a new process). Returns the
 * position it stopped at; `out` holds the rest (STATE, FLOOR, NEXT).
 */
function scan(table: Int32Array, classOf: Uint16Array, S: string, d: number, pos: number, last: number, empty: number, out: Int32Array): number {
  let floor = out[FLOOR]!;
  let t = UNKNOWN;
  for (;;) {
    if (d === empty) floor = pos;
    const c = S.charCodeAt(pos);
    t = c < 256 ? table[d + classOf[c]!]! : UNKNOWN;
    if (t < 0) break;
    d = t;
    if (++pos > last) break;
  }
  out[STATE] = d;
  out[FLOOR] = floor;
  out[NEXT] = t;
  return pos;
}

/**
 * Walks from the nodes in stack[0..sp) along the moves that read no
 * character (splits, jumps, `\/`, and a `^^` at the end where `eotOk`),
 * each node once per `gen` (marked in `seen`); appends the nodes that read
 * one to `out` from `n`. Returns the new count, or its complement (~count,
 * negative) when the end of the pattern was reached: runNfa()'s inner loop
 * for a set of threads. The walk goes on past the end, for the callers that
 * keep what else the threads reach.
 */
export function epsilonClosure(nfa: Nfa, stack: Int32Array, sp: number, seen: Int32Array, gen: number, eotOk: boolean, out: Int32Array, n: number): number {
  const { kind, next, alt } = nfa;
  let fin = false;
  while (sp > 0) {
    let node = stack[--sp]!;
    for (;;) {
      if (seen[node] === gen) break;
      seen[node] = gen;
      const k = kind[node]!;
      if (k === N_SPLIT) {
        stack[sp++] = alt[node]!;
        node = next[node]!;
      } else if (k === N_JUMP || k === N_BOM || (k === N_EOT && eotOk)) {
        node = next[node]!;
      } else {
        if (k === N_FIN) fin = true;
        else out[n++] = node;
        break;
      }
    }
  }
  return fin ? ~n : n;
}

/**
 * Whether consuming node `node` reads `ch`; `atZero`: at S[0], where `^^`
 * consumes the leading virtual newline (a `^^` at the end, away from the
 * end, is tested as the start anchor, as regexp.c does).
 */
export function consumes(nfa: Nfa, node: number, ch: number, atZero: boolean): boolean {
  const k = nfa.kind[node];
  if (k === N_CHAR) return ch === nfa.arg[node];
  if (k === N_SET) return ch < 256 && nfa.sets[nfa.arg[node]!]![ch] === 1;
  if (k === N_DOT) return ch !== 10;
  return (k === N_BOT || k === N_EOT) && atZero;
}

/** A state's key: its node ids, two UTF-16 units each (an automaton may have more than 65,536 nodes). */
function keyOf(nodes: Int32Array): string {
  let key = '';
  for (let i = 0; i < nodes.length; i++) {
    const v = nodes[i]!;
    key += String.fromCharCode(v & 0xffff, v >>> 16);
  }
  return key;
}

/**
 * Splits the bytes into classes that every node treats alike (a byte class
 * is one column of the DFA's table): each character, set and `.` of the
 * pattern refines the partition in two.
 */
function byteClasses(nfa: Nfa): { classOf: Uint16Array; width: number } {
  const classOf = new Uint16Array(256);
  let width = 1;
  const chars = new Set<number>();
  const sets = new Set<Uint8Array>();
  let dot = false;
  for (let node = 0; node < nfa.size; node++) {
    const k = nfa.kind[node];
    if (k === N_CHAR && nfa.arg[node]! < 256) chars.add(nfa.arg[node]!);
    else if (k === N_SET) sets.add(nfa.sets[nfa.arg[node]!]!);
    else if (k === N_DOT) dot = true;
  }
  const remap = new Int32Array(512);
  const refine = (inSet: (b: number) => boolean): void => {
    remap.fill(-1, 0, 2 * width);
    let n = 0;
    for (let b = 0; b < 256; b++) {
      const slot = 2 * classOf[b]! + (inSet(b) ? 1 : 0);
      if (remap[slot] === -1) remap[slot] = n++;
      classOf[b] = remap[slot]!;
    }
    width = n;
  };
  if (dot) refine((b) => b === 10);
  for (const c of chars) refine((b) => b === c);
  for (const bits of sets) refine((b) => bits[b] === 1);
  return { classOf, width };
}

/** `make` for an automaton, made once and kept as long as the automaton (a translation is cached per pattern). */
export function perAutomaton<T>(make: (nfa: Nfa) => T): (nfa: Nfa) => T {
  const made = new WeakMap<Nfa, T>();
  return (nfa) => {
    let v = made.get(nfa);
    if (v === undefined) {
      v = make(nfa);
      made.set(nfa, v);
    }
    return v;
  };
}

/** The DFA of an automaton. */
export const dfaOf = perAutomaton((nfa) => new LazyDfa(nfa));
