/**
 * Whether a header field test can tell a folded field from an unfolded one.
 *
 * procmail searches the header with the newline of each fold read as a
 * blank (procmail.c concon()), so a field written `Hello\n there` reads
 * `Hello  there` and `Hello\n\tthere` reads `Hello \tthere`. Sieve unfolds
 * by removing the line break (RFC 5322 §2.2.3) and reads `Hello there`;
 * Pigeonhole also turns the continuation line's first blank into a space
 * (sieve-test shows `Hello\n\tthere` as `Hello there`). A pattern decides
 * the same way on all of them exactly when inserting a space before a
 * blank, or turning a tab into a space, never changes its answer:
 * `Subject:.*foo`, `[ \t]+` and the like; not `Hello there`, nor
 * `foo +bar` (procmail's ` \t` is not all spaces).
 *
 * That is a property of the pattern's automaton: with q any state after
 * some text and b a blank (space or tab), the state after ` b` must be the
 * state after `b` and the state after ` ` (equal in the minimal automaton). The automaton is built
 * here over character classes (bytes no part of the pattern tells apart),
 * as a search anchored at the start of the value that succeeds as soon as
 * the pattern has matched (the end is not anchored), and with one more
 * symbol for the end of the value, which `$` consumes.
 */
import type { ProcRegexNode as Node } from '../compile/regex/tree.js';
import { SIEVE_MAX_FOLD_STATES as MAX_STATES } from '../limits.js';


interface Nfa {
  /** Per state: epsilon successors. */
  eps: number[][];
  /** Per state: [symbols (1 = on), successor] pairs; symbols are class ids, END being `classes`. */
  on: { syms: Uint8Array; to: number }[][];
}

/** Answers by pattern: the macros' automata take a few hundred milliseconds, and an rc file repeats them. */
const answers = new Map<string, boolean | null>();

/** true: folding cannot change the answer; false: it can; null: not known (too big, or a value only known when mail arrives). */
export function foldSafe(alts: readonly (readonly Node[])[], fold: boolean): boolean | null {
  // Without a node that takes a blank, other than a repeat that takes both blanks, the answer is yes
  // without building anything: a match cannot span the place of a fold but inside such a repeat.
  if (alts.every((a) => a.every(absorbsBlanks))) return true;
  // A pattern with no repeat but a leading `.*` that takes a blank before more text: a fold there shows, unless
  // another alternative happens to match the folded text too, which this shortcut does not look for (it then
  // gives the caveat where the automaton might not; it is only taken to spare big rc files an automaton a pattern).
  if (alts.every((a) => a.every((n, i) => (i === 0 && n.k === 'star' && n.x.k === 'dot') || loopFree(n)))) {
    if (alts.some((a) => a.some((n, i) => takesBlank(n) && !a.slice(i + 1).every((m) => m.k === 'nl' || m.k === 'bom')))) return false;
  }
  const key = `${fold ? 'i' : 'o'}${alts.map(keyOfSeq).join('|')}`;
  let answer = answers.get(key);
  if (answer === undefined) {
    answer = decide(alts, fold);
    answers.set(key, answer);
  }
  return answer;
}

function loopFree(n: Node): boolean {
  if (n.k === 'star' || n.k === 'plus') return false;
  if (n.k === 'opt') return loopFree(n.x);
  if (n.k === 'group') return n.alts.every((a) => a.every(loopFree));
  return true;
}

/** The node can take a blank (in any of its alternatives). */
function takesBlank(n: Node): boolean {
  switch (n.k) {
    case 'char':
      return n.c === 32 || n.c === 9 || n.c > 255;
    case 'dot':
      return true;
    case 'set':
      return n.bits[32] === 1 || n.bits[9] === 1;
    case 'group':
      return n.alts.some((a) => a.some(takesBlank));
    case 'opt':
      return takesBlank(n.x);
    default:
      return false;
  }
}

/** The node takes no blank, or only inside a repeat (`*`, `+`) of something that takes both blanks. */
function absorbsBlanks(n: Node): boolean {
  switch (n.k) {
    case 'char':
      // Above 255: a value only known when mail arrives (`$\VAR`), which may hold blanks.
      return n.c !== 32 && n.c !== 9 && n.c <= 255;
    case 'dot':
      return false;
    case 'set':
      return n.bits[32] !== 1 && n.bits[9] !== 1;
    case 'group':
      return n.alts.every((a) => a.every(absorbsBlanks));
    case 'opt':
      return absorbsBlanks(n.x);
    case 'star':
    case 'plus': {
      const x = n.x;
      if (x.k === 'dot') return true;
      // A repeat absorbs a fold when it takes both blanks (procmail's ` \t` as Pigeonhole's ` `) or neither.
      if (x.k === 'set') return (x.bits[32] === 1) === (x.bits[9] === 1);
      if (x.k === 'char') return x.c !== 32 && x.c !== 9 && x.c <= 255;
      return absorbsBlanks(x);
    }
    default:
      return true;
  }
}

function keyOfSeq(seq: readonly Node[]): string {
  return seq.map(keyOf).join('');
}

function keyOf(n: Node): string {
  switch (n.k) {
    case 'char':
      return `c${n.c};`;
    case 'set':
      return `s${Buffer.from(n.bits).toString('base64')};`;
    case 'group':
      return `(${n.alts.map(keyOfSeq).join('|')})`;
    case 'star':
    case 'plus':
    case 'opt':
      return `${n.k[0]}{${keyOf(n.x)}}`;
    default:
      return n.k + ';';
  }
}

function decide(alts: readonly (readonly Node[])[], fold: boolean): boolean | null {
  // Character classes: bytes that every atom of the pattern treats alike.
  const atoms: Uint8Array[] = [];
  const collect = (n: Node): boolean => {
    switch (n.k) {
      case 'char':
        if (n.c > 255) return false;
        atoms.push(bitsOf([n.c], fold));
        return true;
      case 'set':
        atoms.push(fold ? folded(n.bits) : n.bits);
        return true;
      case 'dot':
        atoms.push(DOT);
        return true;
      case 'group':
        return n.alts.every((a) => a.every(collect));
      case 'star':
      case 'plus':
      case 'opt':
        return collect(n.x);
      case 'anchor2':
        return false;
      default:
        return true;
    }
  };
  if (!alts.every((a) => a.every(collect))) return null;
  const classOf = new Int32Array(256);
  const signatures = new Map<string, number>();
  for (let c = 0; c < 256; c++) {
    let sig = c === 32 ? 'sp' : c === 9 ? 'tab' : '';
    for (const a of atoms) sig += a[c] === 1 ? '1' : '0';
    let id = signatures.get(sig);
    if (id === undefined) signatures.set(sig, (id = signatures.size));
    classOf[c] = id;
  }
  const classes = signatures.size;
  const END = classes;
  const symbolsOf = (bits: Uint8Array, end: boolean): Uint8Array => {
    const s = new Uint8Array(classes + 1);
    for (let c = 0; c < 256; c++) if (bits[c] === 1) s[classOf[c]!] = 1;
    if (end) s[END] = 1;
    return s;
  };

  // Thompson's construction.
  const nfa: Nfa = { eps: [], on: [] };
  const state = (): number => {
    nfa.eps.push([]);
    nfa.on.push([]);
    return nfa.eps.length - 1;
  };
  const build = (n: Node, from: number): number => {
    switch (n.k) {
      case 'char':
      case 'set':
      case 'dot': {
        const to = state();
        const bits = n.k === 'char' ? bitsOf([n.c], fold) : n.k === 'dot' ? DOT : fold ? folded(n.bits) : n.bits;
        // In a field a newline can only be the end of the value.
        const b = Uint8Array.from(bits);
        const end = b[10] === 1;
        b[10] = 0;
        nfa.on[from]!.push({ syms: symbolsOf(b, end), to });
        return to;
      }
      case 'nl': {
        const to = state();
        const syms = new Uint8Array(classes + 1);
        syms[END] = 1;
        nfa.on[from]!.push({ syms, to });
        return to;
      }
      case 'bom':
      case 'anchor2':
        return from;
      case 'group': {
        const out = state();
        for (const a of n.alts) nfa.eps[seq(a, from)]!.push(out);
        return out;
      }
      case 'opt': {
        const end = build(n.x, from);
        nfa.eps[from]!.push(end);
        return end;
      }
      case 'star':
      case 'plus': {
        const loop = state();
        nfa.eps[from]!.push(loop);
        const end = build(n.x, loop);
        nfa.eps[end]!.push(loop);
        const out = state();
        if (n.k === 'star') nfa.eps[loop]!.push(out);
        nfa.eps[end]!.push(out);
        return out;
      }
    }
  };
  const seq = (s: readonly Node[], from: number): number => s.reduce((at, n) => build(n, at), from);
  const start = state();
  const fin = state();
  for (const a of alts) nfa.eps[seq(a, start)]!.push(fin);

  // Subset construction; every set holding the final state is one accepting sink (the search has succeeded).
  const closures = new Map<number, number[]>();
  const closureOf = (s: number): number[] => {
    let c = closures.get(s);
    if (c === undefined) {
      const seen = new Set([s]);
      const stack = [s];
      while (stack.length > 0) for (const t of nfa.eps[stack.pop()!]!) if (!seen.has(t)) seen.add(t), stack.push(t);
      closures.set(s, (c = [...seen]));
    }
    return c;
  };
  const closure = (set: readonly number[]): number[] => {
    const seen = new Set<number>();
    for (const s of set) for (const t of closureOf(s)) seen.add(t);
    return [...seen].sort((a, b) => a - b);
  };
  const ACCEPT = 0;
  const DEAD = 1;
  const ids = new Map<string, number>([['accept', ACCEPT], ['', DEAD]]);
  const delta: number[][] = [new Array(classes + 1).fill(ACCEPT), new Array(classes + 1).fill(DEAD)];
  const queue: number[][] = [];
  const idOf = (set: number[]): number => {
    if (set.includes(fin)) return ACCEPT;
    const key = set.join(',');
    let id = ids.get(key);
    if (id === undefined) {
      id = delta.length;
      ids.set(key, id);
      delta.push([]);
      queue.push(set);
    }
    return id;
  };
  idOf(closure([start]));
  for (let head = 0; head < queue.length; head++) {
    if (delta.length > MAX_STATES) return null;
    const set = queue[head]!;
    const id = ids.get(set.join(','))!;
    for (let sym = 0; sym <= classes; sym++) {
      const next: number[] = [];
      for (const s of set) for (const e of nfa.on[s]!) if (e.syms[sym] === 1) next.push(e.to);
      delta[id]![sym] = next.length === 0 ? DEAD : idOf(closure(next));
    }
  }

  // Minimise (Moore's partition refinement), then compare states.
  let block: number[] = delta.map((_, i) => (i === ACCEPT ? 0 : 1));
  for (;;) {
    const sigs = new Map<string, number>();
    const next = delta.map((row, i) => {
      const sig = `${block[i]}:${row.map((t) => block[t]).join(',')}`;
      let b = sigs.get(sig);
      if (b === undefined) sigs.set(sig, (b = sigs.size));
      return b;
    });
    if (sigs.size === new Set(block).size) break;
    block = next;
  }
  const sp = classOf[32]!;
  const blanks = [sp, classOf[9]!];
  for (let q = 0; q < delta.length; q++) {
    for (const b of blanks) {
      const procmail = block[delta[delta[q]![sp]!]![b]!];
      if (procmail !== block[delta[q]![b]!] || procmail !== block[delta[q]![sp]!]) return false;
    }
  }
  return true;
}

/** `.`: any byte but the newline. */
const DOT: Uint8Array = (() => {
  const b = new Uint8Array(256).fill(1);
  b[10] = 0;
  return b;
})();

function bitsOf(codes: readonly number[], fold: boolean): Uint8Array {
  const b = new Uint8Array(256);
  for (const c of codes) b[c] = 1;
  return fold ? folded(b) : b;
}

function folded(bits: Uint8Array): Uint8Array {
  const b = Uint8Array.from(bits);
  for (let c = 0x41; c <= 0x5a; c++) if (b[c] === 1 || b[c + 0x20] === 1) b[c] = b[c + 0x20] = 1;
  return b;
}
