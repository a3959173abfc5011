import { expandMacros } from './macros.js';

/**
 * procmail's regex dialect (procmailrc(5); regexp.c) compiled to a small
 * Thompson NFA, a re-implementation of procmail's own automaton.
 *
 * Every search runs over S = "\n" + area + "\n" (regexp.c, misc.c): procmail behaves as
 * if the area had a virtual newline on each side, and `^`/`$` each CONSUME a
 * newline. src/eval/regex-dfa.ts answers "does it match, and where does the
 * first match end" with a lazily built DFA of this automaton;
 * src/eval/regex-search.ts simulates the automaton itself for what depends on
 * procmail's matching order (the MATCH `\/` split). Both take time linear in
 * the text searched, whatever the pattern: no pattern can hang delivery
 * (regexp.c is a Thompson simulation too). No RegExp is built from a
 * pattern: V8's backtracking engine is quadratic on `.*x` over a long line
 * even where its linear fallback is on, since a greedy loop's backtracking
 * is not counted. Case-insensitivity is done by lowercasing ASCII in both
 * the pattern and the searched text, A–Z only, as procmail does.
 *
 * Parsing and building are iterative: a pattern may nest groups thousands
 * deep, which procmail compiles (its recursion is C's, on an 8 MB stack).
 */
export interface ProcRegex {
  /** The pattern as written in the condition (before macro expansion). */
  readonly pattern: string;
  /** The pattern contains `\/`: a match assigns MATCH. */
  readonly hasMatchSplit: boolean;
  /** False when the text must be searched ASCII-lowercased (the default, and always after `^FROM_DAEMON`). */
  readonly caseSensitive: boolean;
  /** The automaton every search runs (src/eval/regex-search.ts, src/eval/regex-dfa.ts). */
  readonly nfa: Nfa;
  /**
   * What every match contains (requiredStrings()): each entry a list of
   * strings of which a match contains one. A search of a text lacking one
   * entry's strings builds no automaton.
   */
  readonly required: readonly (readonly string[])[];
}

export type TranslateResult = { ok: true; regex: ProcRegex } | { ok: false; error: string };

// ---------------------------------------------------------------------------
// NFA: flat arrays, built once per pattern. Node kinds:
export const N_CHAR = 0; // arg = byte
export const N_SET = 1; // arg = index into sets
export const N_DOT = 2;
export const N_BOT = 3; // `^^` not at the end: consumes the leading virtual newline only
export const N_EOT = 4; // `^^` whose continuation is the end: before the trailing virtual newline
export const N_BOM = 5; // `\/`
export const N_SPLIT = 6; // try next[], then alt[]
export const N_JUMP = 7;
export const N_FIN = 8;

export interface Nfa {
  readonly kind: Uint8Array;
  readonly next: Int32Array;
  readonly alt: Int32Array;
  readonly arg: Int32Array;
  readonly sets: readonly Uint8Array[];
  readonly start: number;
  readonly size: number;
}

// ---------------------------------------------------------------------------
// Parse tree, built the way regexp.c's por()/pnorm()/psimp() read the text.

type Node =
  | { readonly k: 'char'; readonly c: number }
  | { readonly k: 'set'; readonly bits: Uint8Array }
  | { readonly k: 'dot' }
  | { readonly k: 'nl' }
  | { readonly k: 'anchor2' }
  | { readonly k: 'bom' }
  | { readonly k: 'group'; readonly alts: Node[][] }
  | { readonly k: 'star' | 'plus' | 'opt'; readonly x: Node };

const DOT: Node = { k: 'dot' };
/** Character nodes are shared: most atoms are plain characters, and nodes are never modified. */
const CHARS: readonly Node[] = Array.from({ length: 256 }, (_, c) => ({ k: 'char', c }) as const);
const NL: Node = { k: 'nl' };
const ANCHOR2: Node = { k: 'anchor2' };
const BOM: Node = { k: 'bom' };

/** A group being read: its alternatives so far, and the sequence of the one being read. */
interface OpenGroup {
  readonly alts: Node[][];
  readonly seq: Node[];
}

/**
 * The alternatives of a macro-expanded pattern, or the parse error: por(),
 * pnorm() and psimp() of regexp.c, read with an explicit stack of open
 * groups instead of recursion. Empty alternatives are allowed. Each
 * atom takes at most ONE postfix operator: a second one is not an operator,
 * psimp() reads it as a literal character, so `a**` is `a*` then a literal
 * `*`, and a leading `*` or `+` is literal (verified against procmail; see
 * test/regex/procmail-golden.json). Errors are what procmail logs as
 * "Invalid regexp" (bregcomp errorno); parenError() finds the same ones
 * without building the tree.
 */
function parseProcRegex(s: string, fold: boolean): Node[][] | string {
  const open: OpenGroup[] = [];
  let alts: Node[][] = [];
  let seq: Node[] = [];
  let i = 0;
  const len = s.length;
  while (i < len) {
    const c = s.charCodeAt(i);
    let atom: Node;
    if (c === 0x7c /* | */) {
      alts.push(seq);
      seq = [];
      i++;
      continue;
    } else if (c === 0x28 /* ( */) {
      open.push({ alts, seq });
      alts = [];
      seq = [];
      i++;
      continue;
    } else if (c === 0x29 /* ) */) {
      if (open.length === 0) return unbalanced(i);
      i++;
      alts.push(seq);
      atom = { k: 'group', alts };
      ({ alts, seq } = open.pop()!);
    } else if (c !== 0x5b && c !== 0x2e && c !== 0x5e && c !== 0x24 && c !== 0x5c) {
      // A plain character (most of a pattern), without parseAtom()'s result object.
      atom = charNode(c, fold);
      i++;
    } else {
      const at = parseAtom(s, i, fold);
      atom = at.node;
      i = at.end;
    }
    const op = s.charCodeAt(i);
    if (op === 0x2a /* * */) atom = { k: 'star', x: atom };
    else if (op === 0x2b /* + */) atom = { k: 'plus', x: atom };
    else if (op === 0x3f /* ? */) atom = { k: 'opt', x: atom };
    if (atom.k === 'star' || atom.k === 'plus' || atom.k === 'opt') i++;
    seq.push(atom);
  }
  if (open.length > 0) return MISSING_CLOSE;
  alts.push(seq);
  return alts;
}

const MISSING_CLOSE = "missing ')'";

function unbalanced(offset: number): string {
  return `unbalanced ')' at offset ${offset}`;
}

/** psimp() for everything but a group: the atom at `i` and the offset after it. */
function parseAtom(s: string, i: number, fold: boolean): { node: Node; end: number } {
  const c = s.charCodeAt(i);
  switch (c) {
    case 0x5b /* [ */: {
      const bits = new Uint8Array(256);
      const end = readClass(s, i, fold, bits);
      return { node: { k: 'set', bits }, end };
    }
    case 0x2e /* . */:
      return { node: DOT, end: i + 1 };
    case 0x5e /* ^ */:
      return s.charCodeAt(i + 1) === 0x5e ? { node: ANCHOR2, end: i + 2 } : { node: NL, end: i + 1 };
    case 0x24 /* $ */:
      return { node: NL, end: i + 1 };
    case 0x5c /* \ */: {
      // Nothing to quote: a literal backslash.
      if (i + 1 >= s.length) return { node: charNode(c, fold), end: i + 1 };
      const d = s.charCodeAt(i + 1);
      if (d === 0x2f /* / */) return { node: BOM, end: i + 2 };
      // \< and \> consume one non-word character or a newline; not zero-width (regexp.c).
      if (d === 0x3c || d === 0x3e) return { node: { k: 'set', bits: WORD_BOUNDARY }, end: i + 2 };
      return { node: charNode(d, fold), end: i + 2 };
    }
    default:
      return { node: charNode(c, fold), end: i + 1 };
  }
}

function charNode(c: number, fold: boolean): Node {
  const k = fold && c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
  return k < 256 ? CHARS[k]! : { k: 'char', c: k };
}

/**
 * The error parseProcRegex() would return, from a scan of the parentheses
 * alone (a bracket expression and a `\x` are skipped as readClass() and
 * parseAtom() read them): `mailrules check` asks for the verdict on every
 * pattern of an rc file and needs no tree (bench/parse.mjs).
 */
export function parenError(s: string): string | null {
  const b = parenBalance(s);
  return b.unmatchedClose >= 0 ? unbalanced(b.unmatchedClose) : b.open > 0 ? MISSING_CLOSE : null;
}

/**
 * The offset of the first `)` that closes no group (-1 if none), else how
 * many groups are left open at the end, reading `(`, `)`, `[…]` and `\x` as
 * the parser does. Shared with the repair of invalid patterns
 * (src/eval/regex-condition.ts repairRegex).
 */
export function parenBalance(s: string): { unmatchedClose: number; open: number } {
  let depth = 0;
  const len = s.length;
  for (let i = 0; i < len; ) {
    const c = s.charCodeAt(i);
    if (c === 0x5c /* \ */) i += 2;
    else if (c === 0x5b /* [ */) i = classEnd(s, i);
    else {
      if (c === 0x28) depth++;
      else if (c === 0x29 && --depth < 0) return { unmatchedClose: i, open: 0 };
      i++;
    }
  }
  return { unmatchedClose: -1, open: depth };
}

/** The offset after the bracket expression at `i`, as readClass() reads it: its first `]` ends it, except one right after `[` or `[^`. */
function classEnd(s: string, i: number): number {
  i++;
  if (s.charCodeAt(i) === 0x5e) i++;
  if (s.charCodeAt(i) === 0x5d) i++;
  const close = s.indexOf(']', i);
  return close < 0 ? s.length : close + 1;
}

/**
 * A bracket expression at `i` (the `[`), as regexp.c reads it: no escapes, no
 * POSIX classes, `]`/`-` first literal, unterminated is OK. Marks `bits`;
 * returns the offset after it.
 */
function readClass(s: string, i: number, fold: boolean, bits: Uint8Array): number {
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

/** bseti(): when folding, a letter marks its other case too. */
function mark(bits: Uint8Array, c: number, on: number, fold: boolean): void {
  bits[c] = on;
  if (!fold) return;
  if (c >= 0x41 && c <= 0x5a) bits[c + 0x20] = on;
  else if (c >= 0x61 && c <= 0x7a) bits[c - 0x20] = on;
}

/** regexp.c NO_WORD_CLASS "[^a-zA-Z0-9_]" with the newline toggled back in. */
const WORD_BOUNDARY: Uint8Array = (() => {
  const b = new Uint8Array(256).fill(1);
  for (let c = 0x30; c <= 0x39; c++) b[c] = 0;
  for (let c = 0x41; c <= 0x5a; c++) b[c] = 0;
  for (let c = 0x61; c <= 0x7a; c++) b[c] = 0;
  b[0x5f] = 0;
  return b;
})();

// ---------------------------------------------------------------------------
// NFA construction, continuation-passing, in regexp.c's branch order: a
// node is built after what follows it, and gets that as its continuation.
// Written as a loop over an explicit stack of frames (what each unfinished
// part waits for), since groups may nest thousands deep.

/** The value a frame is first resumed with, before any part it waits for is built. */
const FIRST = -2;

type Frame =
  /** items[0..j] still to build, in front of `cont`. */
  | { k: 'seq'; readonly items: readonly Node[]; j: number; cont: number }
  /** A star's split, whose `next` is the body being built. */
  | { k: 'star'; readonly s: number }
  /** A plus's split, whose `alt` is the body being built (which is also the entry). */
  | { k: 'plus'; readonly s: number }
  /** An option: a split between the body being built and `cont`. */
  | { k: 'opt'; readonly cont: number }
  /** A group: alternative j is being built; `rest` is the entry of those after it. */
  | { k: 'alts'; readonly alts: readonly Node[][]; j: number; readonly cont: number; rest: number };

class NfaBuilder {
  kind: number[] = [];
  next: number[] = [];
  alt: number[] = [];
  arg: number[] = [];
  sets: Uint8Array[] = [];
  readonly fin: number;
  constructor() {
    this.fin = this.add(N_FIN, -1, -1, 0);
  }
  add(kind: number, next: number, alt: number, arg: number): number {
    this.kind.push(kind);
    this.next.push(next);
    this.alt.push(alt);
    this.arg.push(arg);
    return this.kind.length - 1;
  }

  /** The entry of the automaton for `root` followed by `cont`. */
  node(root: Node, cont: number): number {
    const frames: Frame[] = [];
    // A part to build (n before c), or null when `ret` holds the entry of the part just built.
    let n: Node | null = root;
    let c = cont;
    let ret = FIRST;
    for (;;) {
      if (n !== null) {
        const x: Node = n;
        n = null;
        switch (x.k) {
          case 'char':
            ret = this.add(N_CHAR, c, -1, x.c);
            break;
          case 'nl':
            ret = this.add(N_CHAR, c, -1, 10);
            break;
          case 'set':
            this.sets.push(x.bits);
            ret = this.add(N_SET, c, -1, this.sets.length - 1);
            break;
          case 'dot':
            ret = this.add(N_DOT, c, -1, 0);
            break;
          case 'anchor2':
            ret = this.add(c === this.fin ? N_EOT : N_BOT, c, -1, 0);
            break;
          case 'bom':
            ret = this.add(N_BOM, c, -1, 0);
            break;
          case 'star': {
            const s = this.add(N_SPLIT, -1, c, 0);
            frames.push({ k: 'star', s });
            n = x.x;
            c = s;
            continue;
          }
          case 'plus': {
            const s = this.add(N_SPLIT, c, -1, 0);
            frames.push({ k: 'plus', s });
            n = x.x;
            c = s;
            continue;
          }
          case 'opt':
            frames.push({ k: 'opt', cont: c });
            n = x.x;
            continue;
          case 'group':
            frames.push({ k: 'alts', alts: x.alts, j: x.alts.length - 1, cont: c, rest: -1 });
            ret = FIRST;
            break;
        }
      }
      const f = frames[frames.length - 1];
      if (f === undefined) return ret;
      switch (f.k) {
        case 'star':
          this.next[f.s] = ret;
          ret = f.s;
          frames.pop();
          break;
        case 'plus':
          this.alt[f.s] = ret;
          frames.pop();
          break;
        case 'opt':
          ret = this.add(N_SPLIT, ret, f.cont, 0);
          frames.pop();
          break;
        case 'seq':
          if (ret !== FIRST) f.cont = ret;
          if (f.j < 0) {
            ret = f.cont;
            frames.pop();
          } else {
            n = f.items[f.j--]!;
            c = f.cont;
          }
          break;
        case 'alts': {
          const last = f.alts.length - 1;
          if (ret !== FIRST) {
            // Alternative j, just built.
            f.rest = f.j === last ? ret : this.add(N_SPLIT, ret, f.rest, 0);
            f.j--;
          }
          while (f.j >= 0 && f.alts[f.j]!.length === 0) {
            // An empty alternative is regexp.c's "special epsilon": next alternative first, then the continuation.
            f.rest = f.j === last ? this.add(N_JUMP, f.cont, -1, 0) : this.add(N_SPLIT, f.rest, f.cont, 0);
            f.j--;
          }
          if (f.j < 0) {
            ret = f.rest;
            frames.pop();
          } else {
            const items = f.alts[f.j]!;
            frames.push({ k: 'seq', items, j: items.length - 1, cont: f.cont });
            ret = FIRST;
          }
          break;
        }
      }
    }
  }

  build(start: number): Nfa {
    return {
      // The constructors, not from(): from() walks the array as an iterable, slowly before the JIT has run.
      kind: new Uint8Array(this.kind),
      next: new Int32Array(this.next),
      alt: new Int32Array(this.alt),
      arg: new Int32Array(this.arg),
      sets: this.sets,
      start,
      size: this.kind.length,
    };
  }
}

// ---------------------------------------------------------------------------

const cacheSensitive = new Map<string, TranslateResult>();
const cacheInsensitive = new Map<string, TranslateResult>();
/** Patterns come from rc files (and `$`-expanded conditions): bound the cache so expansion can't grow it forever. */
const CACHE_MAX = 4096;

/**
 * Translate a procmail regex (docs/procmail-semantics.md §3). `caseSensitive` is the recipe's
 * `D` flag; `^FROM_DAEMON` overrides it (§3.3). Results are cached per
 * (pattern, case). An error means procmail would log `Invalid regexp`.
 */
export function translateRegex(pattern: string, opts: { caseSensitive: boolean }): TranslateResult {
  const cache = opts.caseSensitive ? cacheSensitive : cacheInsensitive;
  const hit = cache.get(pattern);
  if (hit) return hit;
  const result = translateUncached(pattern, opts.caseSensitive);
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(pattern, result);
  return result;
}

function translateUncached(pattern: string, caseSensitiveFlag: boolean): TranslateResult {
  const expanded = expandMacros(cString(pattern));
  const caseSensitive = caseSensitiveFlag && !expanded.forceCaseInsensitive;
  const alts = parseProcRegex(expanded.pattern, !caseSensitive);
  if (typeof alts === 'string') return { ok: false, error: alts };
  return { ok: true, regex: new TranslatedRegex(pattern, caseSensitive, alts, expanded.pattern.includes('\\/')) };
}

/**
 * A translation whose automaton is built on first use: most conditions of
 * an rc file fail on most messages for want of one of their required
 * strings (src/eval/regex-search.ts looks for them first), and need none (a delivery
 * translates its conditions in a new process, where building costs).
 */
class TranslatedRegex implements ProcRegex {
  // Declared and set in the constructor: as compiled, field initializers cost a call per instance.
  declare readonly pattern: string;
  declare readonly caseSensitive: boolean;
  declare readonly required: readonly (readonly string[])[];
  declare readonly hasMatchSplit: boolean;
  private declare tree: Node[][] | null;
  private declare built: Nfa | null;
  constructor(pattern: string, caseSensitive: boolean, tree: Node[][], mayHaveSplit: boolean) {
    this.pattern = pattern;
    this.caseSensitive = caseSensitive;
    this.required = requiredStrings(tree);
    this.tree = tree;
    this.built = null;
    // A `\/` in the text may be quoted (`\\/`) or in a class: only the automaton says.
    this.hasMatchSplit = mayHaveSplit && this.nfa.kind.includes(N_BOM);
  }

  get nfa(): Nfa {
    if (this.built === null) {
      const b = new NfaBuilder();
      const start = b.node({ k: 'group', alts: this.tree! }, b.fin);
      this.built = b.build(start);
      this.tree = null;
    }
    return this.built;
  }
}

/** Required strings shorter than this are not looked for: nearly every text holds them. */
const REQUIRED_MIN_LENGTH = 3;
/** How many requirements a search checks (a String#indexOf per string). */
const REQUIRED_MAX = 3;
/** Most alternatives a requirement may list. */
const REQUIRED_ALTERNATIVES = 8;

/**
 * What every match contains, in a pattern of one alternative: the runs of
 * plain characters (a `^` or `$` is a newline) among its top-level atoms,
 * and the top-level groups whose alternatives are each such a run (a match
 * contains one of them); the few most telling, folded as the pattern is.
 * Most conditions of an rc file fail on most messages for want of such a
 * string (`^Subject:.*(viagra|cialis)`), which String#indexOf finds
 * natively: the search then needs no automaton (grep and RE2 filter the
 * same way).
 */
function requiredStrings(alts: readonly Node[][]): string[][] {
  if (alts.length !== 1) return [];
  const found: string[][] = [];
  let run = '';
  const endRun = (): void => {
    if (run.length >= REQUIRED_MIN_LENGTH) found.push([run]);
    run = '';
  };
  for (const n of alts[0]!) {
    if (n.k === 'char') run += String.fromCharCode(n.c);
    else if (n.k === 'nl') run += '\n';
    else {
      endRun();
      if (n.k === 'group') {
        const words = n.alts.map(literalOf);
        if (words.length <= REQUIRED_ALTERNATIVES && words.every((w) => w !== null && w.length >= REQUIRED_MIN_LENGTH)) found.push(words as string[]);
      }
    }
  }
  endRun();
  // The rarest first, roughly: a longer shortest string.
  const shortest = (r: readonly string[]): number => Math.min(...r.map((w) => w.length));
  return found.sort((a, b) => shortest(b) - shortest(a)).slice(0, REQUIRED_MAX);
}

/** The string an alternative matches when it is plain characters only, else null. */
function literalOf(seq: readonly Node[]): string | null {
  let w = '';
  for (const n of seq) {
    if (n.k === 'char') w += String.fromCharCode(n.c);
    else if (n.k === 'nl') w += '\n';
    else return null;
  }
  return w;
}

/**
 * translateRegex()'s verdict alone: null when the pattern translates, else
 * the error. The compiler only needs the verdict, and a check of a big rc
 * file has thousands of distinct patterns, so it neither builds nor caches a
 * translation (each cached one is copied by every young-generation GC while
 * the file is read; bench/parse.mjs): the only errors are unbalanced
 * parentheses, which parenError() finds from the text. The verdict depends
 * neither on the case flag nor on anything but the pattern.
 */
export function regexError(pattern: string, opts: { caseSensitive: boolean }): string | null {
  const hit = (opts.caseSensitive ? cacheSensitive : cacheInsensitive).get(pattern);
  if (hit) return hit.ok ? null : hit.error;
  return parenError(expandMacros(cString(pattern)).pattern);
}

/** procmail works on C strings: the pattern ends at a NUL. */
function cString(pattern: string): string {
  const nul = pattern.indexOf('\0');
  return nul >= 0 ? pattern.slice(0, nul) : pattern;
}

/** A node of the parse tree: what src/sieve translates to POSIX ERE. */
export type ProcRegexNode = Node;

/**
 * The parse tree of a macro-expanded pattern (its top-level alternatives),
 * or the parse error: the one reading of procmail's dialect, shared with
 * translators to other dialects (src/sieve) so they never parse it again.
 */
export function procRegexTree(expandedPattern: string, fold: boolean): ProcRegexNode[][] | string {
  return parseProcRegex(cString(expandedPattern), fold);
}
