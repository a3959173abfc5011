import { N_BOM, N_BOT, N_CHAR, N_DOT, N_EOT, N_FIN, N_JUMP, N_SET, N_SPLIT, type Nfa } from '../compile/regex/nfa.js';
import { DFA_MAX_STATE_NODES, DFA_MAX_STATES } from '../limits.js';

/**
 * Where a procmail regex first matches, in time linear in the text: the
 * automaton of src/compile/regex/nfa.ts run as a DFA built lazily, one state per
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
 * The run is regex-search.ts's runNfa() without the MATCH bookkeeping: positions
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


  constructor(nfa: Nfa) {
    this.nfa = nfa;
    const { classOf, width } = byteClasses(nfa);
    this.classOf = classOf;
    this.width = width;
    this.sample = new Int32Array(width);
    for (let b = 255; b >= 0; b--) this.sample[classOf[b]!] = b;
    growScratch(nfa.size);
    this.table = new Int32Array(16 * width).fill(UNKNOWN);
    // Not reset(): a subclass's fields are not defined yet while this runs.
    this.empty = this.add('', new Int32Array(0));
  }

  /** The nodes of the state with `handle`. */
  protected nodesOf(handle: number): Int32Array {
    return this.nodes[handle / this.width]!;
  }

  /**
   * The handle of the state of the nodes in found[0..n) (in any order; sorted
   * here), made if new; starts afresh first when the bounds are reached.
   * Most transitions lead to a state already known, so nothing is allocated
   * for those but the key.
   */
  protected intern(n: number): number {
    if (n === 0) return this.empty;
    const view = this.found.subarray(0, n);
    if (n > 1) view.sort();
    const key = keyOf(view, this.nfa.size);
    const known = this.handles.get(key);
    if (known !== undefined) return known;
    if (this.nodes.length >= DFA_MAX_STATES || this.held + n > DFA_MAX_STATE_NODES) this.reset();
    return this.add(key, view.slice());
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

  /** Marks for a walk of the automaton (with nextGen()), a stack and a buffer of nodes: scratch shared by all (one search runs at a time). */
  protected get seen(): Int32Array {
    return scratch.seen;
  }
  protected get stack(): Int32Array {
    return scratch.stack;
  }
  protected get found(): Int32Array {
    return scratch.found;
  }

  protected nextGen(): number {
    if (scratch.gen === 0x3fffffff) {
      scratch.seen.fill(0);
      scratch.gen = 0;
    }
    return ++scratch.gen;
  }
}

/** The scratch NodeSetTable's steps share, sized for the largest automaton yet. */
const scratch = { seen: new Int32Array(0), stack: new Int32Array(0), found: new Int32Array(0), gen: 0 };

function growScratch(size: number): void {
  if (scratch.seen.length >= size) return;
  scratch.seen = new Int32Array(size);
  scratch.stack = new Int32Array(2 * size + 2);
  scratch.found = new Int32Array(size);
  scratch.gen = 0;
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

  /**
   * The steps every search takes at the ends of S, which read a newline and
   * test anchors: from the empty state at S[0] (UNKNOWN until taken), and
   * per state at the trailing virtual newline, with a `^^` at the end
   * allowed (atEot) and not (atEnd).
   */
  private fromZero = UNKNOWN;
  private atEot: number[] = [];
  private atEnd: number[] = [];

  protected override forget(): void {
    this.closures = [];
    this.fromZero = UNKNOWN;
    this.atEot = [];
    this.atEnd = [];
  }

  /**
   * The S index where a match first ends, searching from `p0` with threads
   * injected up to `lastInject` (regex-search.ts runNfa()'s arguments), or -1.
   * Sets `floor`.
   */
  firstEnd(S: string, p0: number, lastInject: number): number {
    const N = S.length;
    let d = this.empty;
    let pos = p0;
    this.floor = p0;
    try {
      if (pos === 0 && lastInject >= 0) {
        // Only here can `^^` consume the leading virtual newline (which S always starts with).
        let r = this.fromZero;
        if (r === UNKNOWN) r = this.stepSlow(d, S.charCodeAt(0), true, false, true);
        if (S.charCodeAt(0) === 10) this.fromZero = r;
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
          this.found.set(this.simulated);
          d = this.intern(this.simulated.length);
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
        const ch = pos < N ? S.charCodeAt(pos) : 10;
        const known = k === 0 ? this.atEot : this.atEnd;
        const state = d / this.width;
        let r = ch === 10 ? known[state] : undefined;
        if (r === undefined) {
          const epoch = this.epoch;
          r = this.stepSlow(d, ch, false, k === 0, false);
          if (ch === 10 && this.epoch === epoch) known[state] = r;
        }
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
      cur = this.found.slice(0, this.step(c, S.charCodeAt(pos), false));
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

  /** The nodes of `c` that consume `ch`, into found[0..n); returns n (`atZero`: at S[0], where `^^` consumes). */
  private step(c: Int32Array, ch: number, atZero: boolean): number {
    const { kind, arg, sets } = this.nfa;
    const out = this.found;
    let n = 0;
    for (let i = 0; i < c.length; i++) {
      const node = c[i]!;
      // consumes(), written out: this runs for every transition a search first takes.
      const k = kind[node];
      if (k === N_CHAR ? ch === arg[node] : k === N_SET ? ch < 256 && sets[arg[node]!]![ch] === 1 : k === N_DOT ? ch !== 10 : atZero) out[n++] = node;
    }
    return n;
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

/** A state's key: its node ids as UTF-16 units (two each when an automaton has more than 65,535 nodes). */
function keyOf(nodes: Int32Array, size: number): string {
  // One code unit per node, in chunks (an argument list has a limit), unless ids need two.
  if (size <= 0xffff) {
    if (nodes.length <= KEY_CHUNK) return String.fromCharCode.apply(null, nodes as unknown as number[]);
    let key = '';
    for (let i = 0; i < nodes.length; i += KEY_CHUNK) key += String.fromCharCode.apply(null, nodes.subarray(i, i + KEY_CHUNK) as unknown as number[]);
    return key;
  }
  let key = '';
  for (let i = 0; i < nodes.length; i++) {
    const v = nodes[i]!;
    key += String.fromCharCode(v & 0xffff, v >>> 16);
  }
  return key;
}
const KEY_CHUNK = 4096;

/**
 * Splits the bytes into classes that every node treats alike (a byte class
 * is one column of the DFA's table). A byte some node reads as itself is a
 * class of its own, and so is the newline when there is a `.`; the other
 * bytes are told apart by the sets that hold them, each set splitting every
 * class in two. (Built once per pattern in every delivery: no call per
 * byte and set.)
 */
function byteClasses(nfa: Nfa): { classOf: Uint16Array; width: number } {
  const own = new Uint8Array(256);
  const sets: Uint8Array[] = [];
  for (let node = 0; node < nfa.size; node++) {
    const k = nfa.kind[node];
    if (k === N_CHAR && nfa.arg[node]! < 256) own[nfa.arg[node]!] = 1;
    else if (k === N_SET) sets.push(nfa.sets[nfa.arg[node]!]!);
    else if (k === N_DOT) own[10] = 1;
  }
  const classOf = new Uint16Array(256);
  let width = 1;
  const remap = new Int32Array(2 * 256 + 2);
  for (const bits of sets) {
    remap.fill(-1, 0, 2 * width);
    let n = 0;
    for (let b = 0; b < 256; b++) {
      if (own[b]) continue;
      const slot = 2 * classOf[b]! + bits[b]!;
      if (remap[slot] === -1) remap[slot] = n++;
      classOf[b] = remap[slot]!;
    }
    width = n;
  }
  for (let b = 0; b < 256; b++) if (own[b]) classOf[b] = width++;
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
