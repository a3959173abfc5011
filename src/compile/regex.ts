import { REGEX_SURE_SOURCE_LENGTH } from '../limits.js';
import { expandMacros } from './macros.js';

/**
 * procmail's regex dialect (docs/procmail-semantics.md §3; regexp.c) translated to a JS
 * RegExp plus a small Thompson NFA of the same expression.
 *
 * Every search runs over S = "\n" + area + "\n" (§3.2): procmail behaves as
 * if the area had a virtual newline on each side, and `^`/`$` each CONSUME a
 * newline. The JS RegExp answers "does it match, and where does the leftmost
 * match start" at native speed; the NFA, a re-implementation of procmail's
 * own automaton, answers the questions whose answer depends on procmail's
 * particular matching order — the MATCH (`\/`) split and the end of each
 * match when scoring — and only runs from the leftmost match on.
 *
 * The JS source never uses lookaround, backreferences or the `i`/`u` flags,
 * so V8 can always fall back to its linear engine (untrusted input cannot
 * hang delivery: docs/architecture.md §4.8, docs/node-runtime.md §5): case-insensitivity is done by lowercasing ASCII in
 * both the pattern and the searched text (§3.3).
 */
export interface ProcRegex {
  /** The pattern as written in the condition (before macro expansion). */
  readonly pattern: string;
  /** The JS source (flags: `g` only). */
  readonly source: string;
  /** Compiled with the `g` flag; callers set lastIndex before every exec. */
  readonly re: RegExp;
  /** The pattern contains `\/`: a match assigns MATCH. */
  readonly hasMatchSplit: boolean;
  /** False when the text must be searched ASCII-lowercased (the default, and always after `^FROM_DAEMON`). */
  readonly caseSensitive: boolean;
  /** The automaton used for MATCH and for scoring (src/eval/regex-search.ts). */
  readonly nfa: Nfa;
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

class Parser {
  private i = 0;
  error: string | null = null;
  constructor(
    private readonly s: string,
    private readonly fold: boolean,
  ) {}

  parseTop(): Node[][] {
    const alts = this.parseAlts(false);
    return alts;
  }

  /** por(): alternatives up to `)` or the end; empty alternatives are allowed (docs/procmail-semantics.md §3.3). */
  private parseAlts(nested: boolean): Node[][] {
    const alts: Node[][] = [];
    for (;;) {
      alts.push(this.parseSeq());
      const c = this.s.charCodeAt(this.i);
      if (c === 0x7c /* | */) {
        this.i++;
        continue;
      }
      if (c === 0x29 /* ) */) {
        // A `)` with no group open: procmail logs "Invalid regexp" (bregcomp errorno).
        if (!nested) this.error ??= `unbalanced ')' at offset ${this.i}`;
        this.i++;
        return alts;
      }
      if (nested) this.error ??= "missing ')'";
      return alts;
    }
  }

  /**
   * pnorm(): atoms, each optionally followed by ONE postfix operator. A second
   * operator is not an operator: psimp() reads it as a literal character, so
   * `a**` is `a*` then a literal `*`, and a leading `*` or `+` is literal
   * (verified against procmail; see test/regex/procmail-golden.json).
   */
  private parseSeq(): Node[] {
    const seq: Node[] = [];
    const s = this.s;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c === 0x7c || c === 0x29) break;
      let atom = this.parseAtom();
      const op = s.charCodeAt(this.i);
      if (op === 0x2a) atom = { k: 'star', x: atom };
      else if (op === 0x2b) atom = { k: 'plus', x: atom };
      else if (op === 0x3f) atom = { k: 'opt', x: atom };
      if (atom.k === 'star' || atom.k === 'plus' || atom.k === 'opt') this.i++;
      seq.push(atom);
    }
    return seq;
  }

  private char(c: number): Node {
    const k = this.fold && c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
    return k < 256 ? CHARS[k]! : { k: 'char', c: k };
  }

  /** psimp(). */
  private parseAtom(): Node {
    const s = this.s;
    const c = s.charCodeAt(this.i);
    switch (c) {
      case 0x28 /* ( */: {
        this.i++;
        return { k: 'group', alts: this.parseAlts(true) };
      }
      case 0x5b /* [ */:
        return this.parseClass();
      case 0x2e /* . */:
        this.i++;
        return DOT;
      case 0x5e /* ^ */:
        if (s.charCodeAt(this.i + 1) === 0x5e) {
          this.i += 2;
          return ANCHOR2;
        }
        this.i++;
        return NL;
      case 0x24 /* $ */:
        this.i++;
        return NL;
      case 0x5c /* \ */: {
        if (this.i + 1 >= s.length) {
          // Nothing to quote: a literal backslash.
          this.i++;
          return this.char(c);
        }
        const d = s.charCodeAt(this.i + 1);
        this.i += 2;
        if (d === 0x2f /* / */) return BOM;
        // \< and \> consume one non-word character or a newline; not zero-width (docs/procmail-semantics.md §3.3).
        if (d === 0x3c || d === 0x3e) return { k: 'set', bits: WORD_BOUNDARY };
        return this.char(d);
      }
      default:
        this.i++;
        return this.char(c);
    }
  }

  private parseClass(): Node {
    const bits = new Uint8Array(256);
    this.i = readClass(this.s, this.i, this.fold, bits);
    return { k: 'set', bits };
  }
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
// JS emission. `fin` = the continuation of this node is the end of the whole
// expression, which is what turns `^^` into the end anchor (regexp.c:
// `e==opcfin ? OPC_EOTEXT : OPC_BOTEXT`).

function hex(c: number): string {
  return '\\x' + (c < 16 ? '0' : '') + c.toString(16);
}

function jsChar(c: number): string {
  const alnum = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
  return alnum || c === 0x20 || c === 0x5f || c === 0x3a || c === 0x40 || c === 0x2c ? String.fromCharCode(c) : hex(c);
}

function jsSet(bits: Uint8Array): string {
  let out = '';
  let count = 0;
  for (let c = 0; c < 256; ) {
    if (!bits[c]) {
      c++;
      continue;
    }
    let e = c;
    while (e + 1 < 256 && bits[e + 1]) e++;
    out += e === c ? jsChar(c) : e === c + 1 ? jsChar(c) + jsChar(e) : jsChar(c) + '-' + jsChar(e);
    count += e - c + 1;
    c = e + 1;
  }
  if (count === 0) return '[]';
  return '[' + out + ']';
}

function jsSeq(seq: readonly Node[], fin: boolean): string {
  let out = '';
  for (let j = 0; j < seq.length; j++) out += jsNode(seq[j]!, fin && j === seq.length - 1);
  return out;
}

function jsNode(n: Node, fin: boolean): string {
  switch (n.k) {
    case 'char':
      return jsChar(n.c);
    case 'set':
      return jsSet(n.bits);
    case 'dot':
      return '[^\\n]';
    case 'nl':
      return '\\n';
    case 'anchor2':
      // The end anchor sits before the trailing virtual newline; consuming that
      // newline instead is equivalent since nothing follows (and the engine's
      // linear mode rejects lookahead). At the very start regexp.c lets an
      // end anchor fall through to the start-anchor test, hence `^\n`.
      return fin ? '(?:\\n$|^\\n)' : '^\\n';
    case 'bom':
      return '';
    case 'group':
      return '(?:' + n.alts.map((a) => jsSeq(a, fin)).join('|') + ')';
    case 'star':
      return '(?:' + jsNode(n.x, false) + ')*';
    case 'plus':
      return '(?:' + jsNode(n.x, false) + ')+';
    case 'opt':
      return '(?:' + jsNode(n.x, fin) + ')?';
  }
}

/**
 * The JS source straight from the pattern: one pass that reads it exactly as
 * Parser does and returns what jsSeq()/jsNode() give for Parser's tree,
 * without building the tree (a check translates every pattern of an rc file
 * and builds no automaton; bench/parse.mjs). Only for patterns without `^^`:
 * what an end anchor becomes depends on what follows it (`fin`), which takes
 * the tree. Any other difference from Parser would be a bug: test/regex
 * compares both on the recorded cases and on generated patterns.
 */
export class SourceEmitter {
  // Declared, and set in the constructor: field initializers cost a call per
  // instance as compiled (ES2022 class fields), and there is one per pattern.
  private declare i: number;
  declare error: string | null;
  private declare readonly s: string;
  private declare readonly fold: boolean;
  constructor(s: string, fold: boolean) {
    this.s = s;
    this.fold = fold;
    this.i = 0;
    this.error = null;
  }

  /** translateUncached()'s source: a single alternative is not wrapped. */
  top(): string {
    const alts = this.alts(false);
    return alts.length === 1 ? alts[0]! : '(?:' + alts.join('|') + ')';
  }

  /** Parser.parseAlts(). */
  private alts(nested: boolean): string[] {
    const alts: string[] = [];
    for (;;) {
      alts.push(this.seq());
      const c = this.s.charCodeAt(this.i);
      if (c === 0x7c /* | */) {
        this.i++;
        continue;
      }
      if (c === 0x29 /* ) */) {
        if (!nested) this.error ??= `unbalanced ')' at offset ${this.i}`;
        this.i++;
        return alts;
      }
      if (nested) this.error ??= "missing ')'";
      return alts;
    }
  }

  /** Parser.parseSeq(), with jsSeq() applied. */
  private seq(): string {
    let out = '';
    const s = this.s;
    const len = s.length;
    while (this.i < len) {
      const c = s.charCodeAt(this.i);
      if (c === 0x7c || c === 0x29) break;
      // A run of characters jsChar() keeps as they are, none of them followed
      // by an operator, is copied as one slice (the usual case: words).
      // (Found by a sticky regex: compiled code from its second use, while a
      // loop over the characters runs unoptimized for most of a check.)
      JS_LITERAL_RUN.lastIndex = this.i;
      JS_LITERAL_RUN.test(s);
      let j = JS_LITERAL_RUN.lastIndex;
      if (j < len && j > this.i && isPostfix(s.charCodeAt(j))) j--;
      if (j > this.i) {
        const run = s.slice(this.i, j);
        out += this.fold ? run.toLowerCase() : run;
        this.i = j;
        continue;
      }
      const atom = this.atom();
      const op = s.charCodeAt(this.i);
      if (op === 0x2a) out += '(?:' + atom + ')*';
      else if (op === 0x2b) out += '(?:' + atom + ')+';
      else if (op === 0x3f) out += '(?:' + atom + ')?';
      else {
        out += atom;
        continue;
      }
      this.i++;
    }
    return out;
  }

  /** Parser.parseAtom(), with jsNode() applied. */
  private atom(): string {
    const s = this.s;
    const c = s.charCodeAt(this.i);
    switch (c) {
      case 0x28 /* ( */:
        this.i++;
        return '(?:' + this.alts(true).join('|') + ')';
      case 0x5b /* [ */: {
        const bits = new Uint8Array(256);
        this.i = readClass(s, this.i, this.fold, bits);
        return jsSet(bits);
      }
      case 0x2e /* . */:
        this.i++;
        return '[^\\n]';
      case 0x5e /* ^ */:
      case 0x24 /* $ */:
        // Never `^^`: the caller sends those patterns to Parser.
        this.i++;
        return '\\n';
      case 0x5c /* \ */: {
        if (this.i + 1 >= s.length) {
          this.i++;
          return jsChar(c);
        }
        const d = s.charCodeAt(this.i + 1);
        this.i += 2;
        if (d === 0x2f /* / */) return '';
        if (d === 0x3c || d === 0x3e) return WORD_BOUNDARY_JS;
        return jsChar(this.folded(d));
      }
      default:
        this.i++;
        return jsChar(this.folded(c));
    }
  }

  /** Parser.char()'s code. */
  private folded(c: number): number {
    return this.fold && c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
  }
}

const WORD_BOUNDARY_JS = jsSet(WORD_BOUNDARY);

/** Characters jsChar() returns unchanged (and that mean nothing to Parser): letters, digits, ` _:@,`. */
const JS_LITERAL_RUN = /[0-9A-Za-z _:@,]*/y;

function isPostfix(c: number): boolean {
  return c === 0x2a || c === 0x2b || c === 0x3f;
}

// ---------------------------------------------------------------------------
// NFA construction, continuation-passing, in regexp.c's branch order.

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
  seq(items: readonly Node[], cont: number): number {
    for (let j = items.length - 1; j >= 0; j--) cont = this.node(items[j]!, cont);
    return cont;
  }
  node(n: Node, cont: number): number {
    switch (n.k) {
      case 'char':
        return this.add(N_CHAR, cont, -1, n.c);
      case 'nl':
        return this.add(N_CHAR, cont, -1, 10);
      case 'set':
        this.sets.push(n.bits);
        return this.add(N_SET, cont, -1, this.sets.length - 1);
      case 'dot':
        return this.add(N_DOT, cont, -1, 0);
      case 'anchor2':
        return this.add(cont === this.fin ? N_EOT : N_BOT, cont, -1, 0);
      case 'bom':
        return this.add(N_BOM, cont, -1, 0);
      case 'group': {
        const alts = n.alts;
        const last = alts[alts.length - 1]!;
        let rest = last.length === 0 ? this.add(N_JUMP, cont, -1, 0) : this.seq(last, cont);
        for (let j = alts.length - 2; j >= 0; j--) {
          const a = alts[j]!;
          // An empty alternative is regexp.c's "special epsilon": next alternative first, then the continuation.
          rest = a.length === 0 ? this.add(N_SPLIT, rest, cont, 0) : this.add(N_SPLIT, this.seq(a, cont), rest, 0);
        }
        return rest;
      }
      case 'star': {
        const s = this.add(N_SPLIT, -1, cont, 0);
        this.next[s] = this.node(n.x, s);
        return s;
      }
      case 'plus': {
        const s = this.add(N_SPLIT, cont, -1, 0);
        const body = this.node(n.x, s);
        this.alt[s] = body;
        return body;
      }
      case 'opt': {
        const body = this.node(n.x, cont);
        return this.add(N_SPLIT, body, cont, 0);
      }
    }
  }
  build(start: number): Nfa {
    return {
      kind: Uint8Array.from(this.kind),
      next: Int32Array.from(this.next),
      alt: Int32Array.from(this.alt),
      arg: Int32Array.from(this.arg),
      sets: this.sets,
      start,
      size: this.kind.length,
    };
  }
}

// ---------------------------------------------------------------------------

let linearFlagSupported: boolean | null = null;

/** Whether the `l` flag is available (only once enableLinearRegexFallback() ran). */
function linearSupported(): boolean {
  if (linearFlagSupported === null) {
    try {
      new RegExp('a', 'l');
      linearFlagSupported = true;
    } catch {
      linearFlagSupported = false;
    }
  }
  return linearFlagSupported;
}

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
  const source = jsSource(expanded.pattern, !caseSensitive);
  if (source.error !== null) return { ok: false, error: source.error };
  let re: RegExp | null = null;
  try {
    if (linearSupported()) checkLinear(source.js);
    else re = new RegExp(source.js, 'g');
  } catch (e) {
    return { ok: false, error: compileError(e) };
  }
  return { ok: true, regex: new TranslatedRegex(pattern, source.js, re, caseSensitive, expanded.pattern) };
}

/**
 * translateRegex()'s verdict alone: null when the pattern translates, else
 * the error. The compiler only needs the verdict, and a check of a big rc
 * file has thousands of distinct patterns, so it neither builds nor caches a
 * translation (each cached one is copied by every young-generation GC while
 * the file is read; bench/parse.mjs). It does the same steps, so the verdict
 * is the same; the engine translates a pattern when it first searches with it.
 */
export function regexError(pattern: string, opts: { caseSensitive: boolean }): string | null {
  const hit = (opts.caseSensitive ? cacheSensitive : cacheInsensitive).get(pattern);
  if (hit) return hit.ok ? null : hit.error;
  if (surelyValid(pattern) || validPatterns.has(pattern)) return null;
  const expanded = expandMacros(cString(pattern));
  const caseSensitive = opts.caseSensitive && !expanded.forceCaseInsensitive;
  const source = jsSource(expanded.pattern, !caseSensitive);
  if (source.error !== null) return source.error;
  if (!compilesSurely(source.js)) {
    try {
      if (linearSupported()) checkLinear(source.js);
      else new RegExp(source.js, 'g');
    } catch (e) {
      return compileError(e);
    }
  }
  if (validPatterns.size >= CACHE_MAX) validPatterns.clear();
  validPatterns.add(pattern);
  return null;
}

/**
 * Patterns regexError() found valid: an rc file repeats some on many recipes
 * (`!^X-Loop: me`). The verdict depends neither on the case flag nor on
 * anything but the pattern (surelyValid() says why), so one set serves both.
 */
const validPatterns = new Set<string>();

/** A pattern made of what SourceEmitter never fails on: no class, no NUL, no `\<`/`\>` (long in JS). Parentheses are counted apart. */
const PLAIN_PATTERN = /^(?:[^[\\\0]|\\[^<>\0])*$/;
/** A parenthesis, or an escape (skipped: `\(` is a literal). */
const PAREN_OR_ESCAPE = /\\[^]|[()]/g;
/** No source character becomes more than this many in JS (`(` gives at most `(?:(?:`, `.*` gives `(?:[^\n])*`). */
const JS_CHARS_PER_PATTERN_CHAR = 8;

/**
 * Whether a pattern surely translates and compiles, decided from the pattern
 * alone, without translating it (a check of a big rc file asks thousands of
 * times; bench/parse.mjs). The only translation error is an unbalanced
 * parenthesis (Parser, SourceEmitter), and compilesSurely() accepts any
 * source within REGEX_SURE_SOURCE_LENGTH with at most four `+`: every `+`
 * in the JS comes from a `+` in the pattern. Macros (`^TO_` …) expand to
 * more than the bound allows, so they go the long way. test/regex/sure
 * compares this with the full translation.
 */
export function surelyValid(pattern: string): boolean {
  if (pattern.length * JS_CHARS_PER_PATTERN_CHAR > REGEX_SURE_SOURCE_LENGTH) return false;
  if (!PLAIN_PATTERN.test(pattern) || pattern.includes('^TO') || pattern.includes('^FROM_')) return false;
  let plus = 0;
  for (let i = pattern.indexOf('+'); i >= 0; i = pattern.indexOf('+', i + 1)) if (++plus > 4) return false;
  if (!pattern.includes('(') && !pattern.includes(')')) return true;
  let depth = 0;
  PAREN_OR_ESCAPE.lastIndex = 0;
  for (let m = PAREN_OR_ESCAPE.exec(pattern); m !== null; m = PAREN_OR_ESCAPE.exec(pattern)) {
    const c = m[0];
    if (c === '(') depth++;
    else if (c === ')' && --depth < 0) return false;
  }
  return depth === 0;
}

/**
 * Whether V8 surely accepts a translated source, both with `g` and with `l`,
 * without building a RegExp to find out (V8 keeps every one it builds in its
 * compilation cache until a full GC; a check of a big file builds thousands).
 * The emitter writes only literal letters, digits and ` _:@,`, `\xNN`,
 * classes of ascending ranges, `(?:`…`)`, `|`, `*`, `+`, `?`, `^`, `$` and
 * `\n`: valid JavaScript, and nothing the linear engine refuses but
 * quantifiers nested so deep that it would copy a body more than 16 times
 * (V8 experimental-compiler.cc, kMaxReplicationFactor): a `+` body counts
 * twice and `*` or `?` once, so that takes five `+` (every `+` in the source
 * is a quantifier: a literal one is written `\x2b`). test/regex compares
 * this with building the RegExp.
 */
export function compilesSurely(js: string): boolean {
  if (js.length > REGEX_SURE_SOURCE_LENGTH) return false;
  let plus = 0;
  for (let i = js.indexOf('+'); i >= 0; i = js.indexOf('+', i + 1)) if (++plus > 4) return false;
  return true;
}

/** procmail works on C strings: the pattern ends at a NUL. */
function cString(pattern: string): string {
  const nul = pattern.indexOf('\0');
  return nul >= 0 ? pattern.slice(0, nul) : pattern;
}

function compileError(e: unknown): string {
  return `cannot be compiled: ${(e as Error).message}`;
}

/** The JS source of a macro-expanded pattern, or the parse error. */
export function jsSource(pattern: string, fold: boolean): { js: string; error: string | null } {
  if (pattern.includes('^^')) return jsSourceFromTree(pattern, fold);
  const e = new SourceEmitter(pattern, fold);
  const js = e.top();
  return { js, error: e.error };
}

/** jsSource() always through Parser's tree (for tests: the emitter must give the same). */
export function jsSourceFromTree(pattern: string, fold: boolean): { js: string; error: string | null } {
  const alts = parseProcRegex(pattern, fold);
  if (typeof alts === 'string') return { js: '', error: alts };
  return { js: alts.length === 1 ? jsSeq(alts[0]!, true) : jsNode({ k: 'group', alts }, true), error: null };
}

/**
 * The pattern must compile both as the `g` RegExp searches use and with the
 * `l` flag (V8's linear engine, the fallback that keeps a pattern from
 * hanging delivery: docs/architecture.md §4.8). Every pattern the `l` flag accepts is also a
 * valid `g` pattern, so one compilation checks both; only when it fails is
 * the `g` one tried, for its message, which is the one reported when both
 * fail. The `g` RegExp itself is made on first search (TranslatedRegex.re).
 */
function checkLinear(source: string): void {
  try {
    new RegExp(source, 'gl');
  } catch (linear) {
    new RegExp(source, 'g');
    throw linear;
  }
}

/** The alternatives of a procmail regex, or the parse error. */
function parseProcRegex(pattern: string, fold: boolean): Node[][] | string {
  const parser = new Parser(pattern, fold);
  const alts = parser.parseTop();
  return parser.error ?? alts;
}

/**
 * The automaton is built on first use: `mailrules check` validates every
 * pattern of an rc but never searches, and building it was about 40% of a
 * translation (the 10,000-recipe check of bench/parse.mjs). Nor does a translation
 * keep its parse tree or a `g` RegExp until a search needs them: the cache
 * holds thousands of translations while an rc file is checked, and every
 * object they keep is copied by each young-generation GC (bench/parse.mjs).
 */
class TranslatedRegex implements ProcRegex {
  // Declared and set in the constructor, as in SourceEmitter (one per pattern).
  private declare built: { nfa: Nfa; hasMatchSplit: boolean } | null;
  declare readonly pattern: string;
  declare readonly source: string;
  private declare searchRe: RegExp | null;
  declare readonly caseSensitive: boolean;
  /** The pattern after macro expansion, parsed again for the automaton. */
  private declare readonly expanded: string;
  constructor(pattern: string, source: string, searchRe: RegExp | null, caseSensitive: boolean, expanded: string) {
    this.pattern = pattern;
    this.source = source;
    this.searchRe = searchRe;
    this.caseSensitive = caseSensitive;
    this.expanded = expanded;
    this.built = null;
  }

  get re(): RegExp {
    return (this.searchRe ??= new RegExp(this.source, 'g'));
  }

  get nfa(): Nfa {
    return this.automaton().nfa;
  }

  get hasMatchSplit(): boolean {
    return this.automaton().hasMatchSplit;
  }

  private automaton(): { nfa: Nfa; hasMatchSplit: boolean } {
    if (this.built === null) {
      // It parsed when the translation was made, and parsing is deterministic.
      const alts = parseProcRegex(this.expanded, !this.caseSensitive) as Node[][];
      const b = new NfaBuilder();
      const start = b.node({ k: 'group', alts }, b.fin);
      this.built = { hasMatchSplit: b.kind.includes(N_BOM), nfa: b.build(start) };
    }
    return this.built;
  }
}
