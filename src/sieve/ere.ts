/**
 * procmail regex tree → POSIX ERE as Pigeonhole's `:regex` match type runs
 * it (regcomp with REG_EXTENDED; REG_ICASE under the default comparator
 * i;ascii-casemap; no REG_NEWLINE, so `.` and `[^x]` match a newline and
 * `^`/`$` only anchor the ends of the string).
 *
 * The tree is compile/regex/parser.ts's reading of procmail's dialect
 * (procmailrc(5), regexp.c): every `^`/`$` there consumes one newline, real
 * or virtual (the searched text behaves as if it had a newline on each
 * side), `^^` anchors the area, `.` and `[^…]` never match a newline,
 * `\<`/`\>` consume one non-word character or a newline, and `\/` splits off
 * MATCH. The emitter below rewrites each of those for one of two subjects:
 *
 * - `text`: a string that may hold newlines (`body :raw`, a variable). A
 *   newline-consuming node becomes a real newline, or `^`/`$` where it may
 *   consume the virtual newline at that end. That is exact: only a node that
 *   can be the first (last) thing a match consumes gets the `^` (`$`)
 *   alternative, so an ERE match that uses an anchor twice always has a
 *   procmail match that reaches the same node without the first use.
 * - `field`: one header field's value, which Sieve gives unfolded and
 *   trimmed (RFC 5228 §2.4.2.2 and Pigeonhole). A newline-consuming node
 *   can only be the end of the field's line, so it becomes `$` when nothing
 *   but empty matches may follow; otherwise the pattern would go on into the
 *   next header line, which a per-field test cannot follow.
 *
 * Exactness is reported, never assumed: whatever the ERE cannot decide the
 * same way is a failure (not convertible) or a caveat, with the reason.
 */
import type { ProcRegexNode as Node } from '../compile/regex/tree.js';
import { charSet, consumesNewline, containsBom, nullable, seqNullable } from './ere-tree.js';

export type Mode = 'field' | 'text';

/** Private-use code points stand for `$\VAR` values in a pattern (see conditions.ts). */
export const PLACEHOLDER_BASE = 0xe000;

export interface EreOptions {
  readonly mode: Mode;
  /** The comparator folds ASCII case (i;ascii-casemap): the analysis of sets must too. */
  readonly fold: boolean;
  /** Placeholder code point → the Sieve variable (already regex-quoted) it stands for. */
  readonly placeholders: ReadonlyMap<number, string>;
}

export interface Ere {
  /** The ERE as a Sieve string value (encoded characters and variable references included). */
  readonly source: string;
  /** Number of the capturing group holding MATCH (the text right of `\/`), or null. */
  readonly matchGroup: number | null;
  readonly caveats: readonly string[];
}

export type EreResult = { readonly ok: true; readonly ere: Ere } | { readonly ok: false; readonly reason: string };

export const NEWLINE = '${hex:0a}';

// ---------------------------------------------------------------------------
// Emission

const ERE_SPECIAL = new Set('\\.[]()*+?{}|^$');

/** One literal character of an ERE, as a Sieve string value. */
function literal(c: number, placeholders: ReadonlyMap<number, string>): string | null {
  if (c > 255) {
    const v = placeholders.get(c);
    return v === undefined ? null : '${' + v + '}';
  }
  if (c === 0) return null;
  if (c < 0x20 || c === 0x7f) return '${hex:' + c.toString(16).padStart(2, '0') + '}';
  const s = String.fromCharCode(c);
  return ERE_SPECIAL.has(s) ? '\\' + s : s;
}

function bracketChar(c: number): string {
  return c < 0x20 || c === 0x7f ? '${hex:' + c.toString(16).padStart(2, '0') + '}' : String.fromCharCode(c);
}

/**
 * A POSIX bracket expression for `member` over bytes 1..255 (`dontCare`
 * may be either), positive or negated, whichever lists no byte above 0x7f
 * (those would not survive as UTF-8 in the script) and is shorter. `]`
 * goes first, `^` and `-` last, so none is special; a `[` is never
 * followed by `.`, `=` or `:` (members are ascending and those sort lower).
 */
export function bracket(member: (c: number) => boolean, dontCare: (c: number) => boolean): string | null {
  const pos: number[] = [];
  const neg: number[] = [];
  for (let c = 1; c < 256; c++) {
    if (dontCare(c)) continue;
    (member(c) ? pos : neg).push(c);
  }
  const highPos = pos.some((c) => c > 0x7f);
  const highNeg = neg.some((c) => c > 0x7f);
  const candidates: { negated: boolean; list: number[] }[] = [];
  if (!highPos) candidates.push({ negated: false, list: pos });
  if (!highNeg) candidates.push({ negated: true, list: neg });
  if (candidates.length === 0) return null;
  candidates.sort((a, b) => a.list.length - b.list.length);
  const { negated, list } = candidates[0]!;
  if (!negated && list.length === 0) return null;
  if (negated && list.length === 0) return '.';
  if (!negated && list.length === 1) return literal(list[0]!, new Map());
  let body = '';
  const has = new Set(list);
  const plain = list.filter((c) => c !== 0x5d && c !== 0x5e && c !== 0x2d);
  for (let i = 0; i < plain.length; ) {
    let j = i;
    while (j + 1 < plain.length && plain[j + 1] === plain[j]! + 1) j++;
    if (j - i >= 2) body += bracketChar(plain[i]!) + '-' + bracketChar(plain[j]!);
    else for (let k = i; k <= j; k++) body += bracketChar(plain[k]!);
    i = j + 1;
  }
  if (!negated && body === '' && has.has(0x5e) && !has.has(0x5d) && !has.has(0x2d)) return '\\^';
  return '[' + (negated ? '^' : '') + (has.has(0x5d) ? ']' : '') + body + (has.has(0x5e) ? '^' : '') + (has.has(0x2d) ? '-' : '') + ']';
}

/** Why a translation stops; thrown inside the emitter and turned into a result. */
class Untranslatable extends Error {}

/** What the emitter knows about a position: see the header comment. */
interface At {
  /** A match can reach this node having consumed nothing. */
  readonly first: boolean;
  /** Everything after this node can match without consuming. */
  readonly last: boolean;
  /** The node ends the expression (regexp.c `opcfin`: decides what `^^` means). */
  readonly fin: boolean;
}

/** procmail searches the header with each newline before a continuation line read as a blank (procmail.c concon()); folding.ts. */
export const FOLD_CAVEAT = 'procmail reads a folded field with one blank more at each fold (the line break becomes a blank), Sieve without it, and this pattern can tell the two apart';

/** A node that can take text across a fold: `.` repeated, or a blank. */
function spansFolds(n: Node): boolean {
  switch (n.k) {
    case 'char':
      return n.c === 32 || n.c === 9;
    case 'star':
    case 'plus':
      return n.x.k === 'dot' || spansFolds(n.x);
    case 'opt':
      return spansFolds(n.x);
    case 'group':
      return n.alts.some((a) => a.some(spansFolds));
    default:
      return false;
  }
}



class Emitter {
  groups = 0;
  matchGroup: number | null = null;
  readonly caveats = new Set<string>();
  constructor(private readonly opts: EreOptions) {}

  private fail(reason: string): never {
    throw new Untranslatable(reason);
  }

  /** A sequence; the MATCH split (`\/`) is only understood at the top level (see top()). */
  seq(seq: readonly Node[], at: At): string {
    let out = '';
    let first = at.first;
    for (let i = 0; i < seq.length; i++) {
      const n = seq[i]!;
      const here: At = { first, last: at.last && seqNullable(seq.slice(i + 1)), fin: at.fin && i === seq.length - 1 };
      out += this.node(n, here).s;
      first = first && nullable(n);
    }
    return out;
  }



  /** One node as ERE text; `atom` when a postfix operator may follow it as it is. */
  node(n: Node, at: At): { s: string; atom: boolean } {
    const mode = this.opts.mode;
    switch (n.k) {
      case 'char': {
        const s = literal(n.c, this.opts.placeholders);
        if (s === null) {
          this.fail(n.c === 0 ? 'a NUL character cannot be written in a Sieve string' : '$\\VAR of a value only known when the mail arrives, inside a regex: Pigeonhole has no :quoteregex to match it as text');
        }
        return { s, atom: n.c <= 255 };
      }
      case 'dot':
        return { s: mode === 'field' ? '.' : '[^' + NEWLINE + ']', atom: true };
      case 'set':
        return { s: this.set(n.bits, at), atom: true };
      case 'nl': {
        const s = this.newline(at, '');
        return { s, atom: s !== '$' && s !== '^' };
      }
      case 'anchor2':
        if (mode === 'field') this.fail('"^^" anchors the whole header, which Sieve does not see as one text');
        if (at.fin && at.first) return { s: this.group(['^', '$']), atom: true };
        return { s: at.fin ? '$' : '^', atom: false };
      case 'bom':
        return this.fail('"\\/" inside a group or after an alternative');
      case 'group': {
        const alts = n.alts.filter((a) => a.length > 0);
        const empty = alts.length < n.alts.length;
        if (alts.length === 0) return { s: '', atom: false };
        const parts = alts.map((a) => this.seq(a, at));
        if (parts.length === 1 && !empty) return { s: parts[0]!, atom: false };
        if (empty) return { s: this.group(parts) + '?', atom: false };
        return { s: this.group(parts), atom: true };
      }
      case 'star':
      case 'plus':
      case 'opt': {
        const x = this.node(n.x, { first: at.first, last: at.last, fin: n.k === 'opt' && at.fin });
        if (x.s === '') return { s: '', atom: false };
        const operand = x.atom ? x.s : this.group([x.s]);
        return { s: operand + (n.k === 'star' ? '*' : n.k === 'plus' ? '+' : '?'), atom: false };
      }
    }
  }

  /** A node that consumes one newline (`^`, `$`), or a set that may: `also` is the set's other characters. */
  private newline(at: At, also: string): string {
    if (this.opts.mode === 'field') {
      if (at.last) return also === '' ? '$' : this.group([also, '$']);
      if (also === '') this.fail('the pattern goes on past the end of the header line; Sieve tests one field at a time');
      this.caveats.add('"\\<" or "\\>" also matches the end of the header line, where procmail goes on matching the next line; Sieve tests within the field');
      return also;
    }
    const alts = [also === '' ? NEWLINE : also];
    if (at.first) alts.push('^');
    if (at.last) alts.push('$');
    return alts.length === 1 ? alts[0]! : this.group(alts);
  }

  private group(alts: string[]): string {
    this.groups++;
    return '(' + alts.join('|') + ')';
  }

  private set(bits: Uint8Array, at: At): string {
    const s = this.setBody(bits, at);
    // A negated bracket matches NUL as procmail's does; a positive one cannot list it.
    if (bits[0] === 1 && !s.includes('[^') && !s.startsWith('.')) this.caveats.add('a bracket expression that matches the NUL byte: Sieve strings cannot hold one');
    return s;
  }

  private setBody(bits: Uint8Array, at: At): string {
    const withNewline = bits[10] === 1;
    if (this.opts.mode === 'field') {
      const b = bracket((c) => bits[c] === 1, (c) => c === 10);
      if (b === null) this.fail(bits.some((v, c) => v === 1 && c > 0x7f && c !== 10) ? 'a bracket expression with bytes above 0x7f' : 'a bracket expression that matches nothing');
      return withNewline ? this.newline(at, b) : b;
    }
    if (withNewline) {
      // The newline stays in the set (a real one); the virtual ones at the ends are the anchors.
      const b = bracket((c) => bits[c] === 1, () => false);
      if (b === null) this.fail('a bracket expression with bytes above 0x7f');
      const alts = [b];
      if (at.first) alts.push('^');
      if (at.last) alts.push('$');
      return alts.length === 1 ? alts[0]! : this.group(alts);
    }
    // Not a member, so a negated bracket lists the newline: procmail's `[^…]` never matches one.
    const b = bracket((c) => bits[c] === 1, () => false);
    if (b === null) this.fail(bits.some((v, c) => v === 1 && c > 0x7f) ? 'a bracket expression with bytes above 0x7f' : 'a bracket expression that matches nothing');
    return b;
  }

  /**
   * The whole expression: its alternatives, with the MATCH split of the
   * single alternative that has one. `anchored` puts `^` in front (a
   * field's remainder starts right after the colon).
   */
  top(alts: readonly (readonly Node[])[], anchored: boolean): string {
    const at: At = { first: true, last: true, fin: true };
    const withBom = alts.filter(containsBom);
    if (withBom.length > 0) {
      if (alts.length !== 1) this.fail('"\\/" in a pattern with alternatives at the top level');
      const seq = alts[0]!;
      const k = seq.findIndex((n) => n.k === 'bom');
      if (k < 0 || containsBom(seq.slice(k + 1)) || containsBom(seq.slice(0, k))) this.fail('"\\/" inside a group');
      return (anchored ? '^' : '') + this.split(seq.slice(0, k), seq.slice(k + 1), at);
    }
    const parts = alts.map((a) => this.seq(a, at));
    if (parts.length === 1) return (anchored ? '^' : '') + parts[0]!;
    if (!anchored) return parts.join('|');
    this.groups++;
    return '^(' + parts.join('|') + ')';
  }

  /**
   * `left \/ right`. procmail takes the earliest split that lets the rest
   * match, then the longest right side (regexp.c; procmailsc CAVEATS);
   * POSIX takes the longest match overall. They agree when the split is
   * forced; `.*c\/S…` is rewritten so that it is.
   */
  private split(left: readonly Node[], right: readonly Node[], at: At): string {
    const rightAt: At = { first: at.first && seqNullable(left), last: true, fin: true };
    const leftAt: At = { first: true, last: seqNullable(right), fin: false };
    if (right.some(consumesNewline)) this.caveats.add('MATCH may differ at a line end: procmail puts the newline a "$" consumes into MATCH');
    // A fold puts one more blank into procmail's MATCH. `.*` and blanks take text across folds; a bracket
    // expression takes one token (an address, a List-Id), and RFC 5322 folds only between tokens.
    if (this.opts.mode === 'field' && right.some(spansFolds)) this.caveats.add('MATCH from a folded field: ' + FOLD_CAVEAT);
    const rewritten = this.earliestSplit(left, right);
    const l = rewritten ?? this.seq(left, leftAt);
    if (rewritten === null && !forcedSplit(left, right, this.opts.fold)) {
      this.caveats.add('MATCH may differ: procmail splits at the earliest place after which the rest matches, Sieve\'s POSIX regex takes the longest match');
    }
    this.groups++;
    this.matchGroup = this.groups;
    const r = this.seq(right, rightAt);
    return l + '(' + r + ')';
  }

  /**
   * `P .* c \/ S…` with P fixed-length, S one character class and the rest
   * of the right side optional: the earliest split is after the first `c`
   * that a character of S follows, and "no earlier `c` is followed by an S
   * character" is regular, so the left side is written as exactly that.
   */
  private earliestSplit(left: readonly Node[], right: readonly Node[]): string | null {
    if (left.length < 2) return null;
    const c = left[left.length - 1]!;
    const dotStar = left[left.length - 2]!;
    if (c.k !== 'char' || c.c > 255 || dotStar.k !== 'star' || dotStar.x.k !== 'dot') return null;
    const prefix = left.slice(0, -2);
    if (!prefix.every((n) => charSet(n) !== null)) return null;
    const head = right[0];
    const headSet = folded(head === undefined ? null : head.k === 'plus' ? charSet(head.x) : charSet(head), this.opts.fold);
    if (headSet === null || !seqNullable(right.slice(1))) return null;
    const text = this.opts.mode === 'text';
    const cc = this.opts.fold && c.c >= 0x41 && c.c <= 0x5a ? c.c + 0x20 : c.c;
    const notNl = (x: number): boolean => !text || x !== 10;
    const dontCare = (x: number): boolean => !text && x === 10;
    const notC = bracket((x) => x !== cc && notNl(x), dontCare);
    const p = this.seq(prefix, { first: true, last: false, fin: false });
    const ch = literal(cc, this.opts.placeholders);
    if (notC === null || ch === null) return null;
    if (headSet[cc] === 1) {
      const notS = bracket((x) => headSet[x] !== 1 && notNl(x), dontCare);
      if (notS === null) return null;
      this.groups++;
      return `${p}(${notC}|${ch}${notS})*${ch}`;
    }
    const notCS = bracket((x) => x !== cc && headSet[x] !== 1 && notNl(x), dontCare);
    if (notCS === null) return null;
    this.groups++;
    return `${p}(${notC}|${ch}+${notCS})*${ch}+`;
  }
}

/** A set with both cases of each letter, when the comparator folds case. */
function folded(bits: Uint8Array | null, fold: boolean): Uint8Array | null {
  if (bits === null || !fold) return bits;
  const b = Uint8Array.from(bits);
  for (let c = 0x41; c <= 0x5a; c++) if (b[c] === 1 || b[c + 0x20] === 1) b[c] = b[c + 0x20] = 1;
  return b;
}

/**
 * The split is the same for every match from a given start when the left
 * side has a fixed length, or is a fixed part then `S*` where the right
 * side must start with a character outside S.
 */
function forcedSplit(left: readonly Node[], right: readonly Node[], fold: boolean): boolean {
  if (left.every((n) => charSet(n) !== null)) return true;
  const last = left[left.length - 1];
  if (last?.k !== 'star' || !left.slice(0, -1).every((n) => charSet(n) !== null)) return false;
  const s = folded(charSet(last.x), fold);
  const head = right[0];
  const h = folded(head === undefined ? null : head.k === 'plus' ? charSet(head.x) : charSet(head), fold);
  if (s === null || h === null) return false;
  for (let c = 0; c < 256; c++) if (s[c] === 1 && h[c] === 1 && c !== 10) return false;
  return true;
}

/** Translate alternatives to an ERE (see the header comment for the two modes). */
export function toEre(alts: readonly (readonly Node[])[], anchored: boolean, opts: EreOptions): EreResult {
  const e = new Emitter(opts);
  try {
    const source = e.top(alts, anchored);
    return { ok: true, ere: { source, matchGroup: e.matchGroup, caveats: [...e.caveats] } };
  } catch (err) {
    if (err instanceof Untranslatable) return { ok: false, reason: err.message };
    throw err;
  }
}

/**
 * The tree with groups that change nothing removed: `()` and `(|)` match
 * the empty string, and a one-alternative group in a sequence is its
 * sequence (procmail's `$\VAR` puts a `()` in front of the value).
 */
export function simplify(alts: readonly (readonly Node[])[]): Node[][] {
  return alts.map(simplifySeq);
}

function simplifySeq(seq: readonly Node[]): Node[] {
  const out: Node[] = [];
  for (const n of seq) {
    if (n.k === 'group') {
      const alts = simplify(n.alts);
      if (alts.every((a) => a.length === 0)) continue;
      if (alts.length === 1) out.push(...alts[0]!);
      else out.push({ k: 'group', alts });
    } else if (n.k === 'star' || n.k === 'plus' || n.k === 'opt') {
      let x = n.x;
      if (x.k === 'group') {
        const alts = simplify(x.alts);
        if (alts.every((a) => a.length === 0)) continue;
        x = alts.length === 1 && alts[0]!.length === 1 ? alts[0]![0]! : { k: 'group', alts };
      }
      out.push({ k: n.k, x });
    } else out.push(n);
  }
  return out;
}

/**
 * The pattern as one literal string, when it is nothing but characters
 * (and optionally a final line end): what `:contains`, `:matches` and `:is`
 * can say without a regex. null otherwise.
 */
export function literalRun(seq: readonly Node[]): { text: string; toEnd: boolean } | null {
  let text = '';
  for (let i = 0; i < seq.length; i++) {
    const n = seq[i]!;
    // Placeholders (`$\VAR` values) are text too.
    if (n.k === 'char' && n.c > 0 && n.c !== 10) text += String.fromCharCode(n.c);
    else if (n.k === 'nl' && i === seq.length - 1) return { text, toEnd: true };
    else return null;
  }
  return { text, toEnd: false };
}

/**
 * Whether the text-mode ERE of `alts` matches the empty string, which is
 * whether procmail's pattern matches an empty area (only its virtual
 * newlines): a node that consumes a newline matches there through the `^`
 * or `$` the emitter gives it where it may be first or last; `^^` always.
 */
export function matchesEmptyText(alts: readonly (readonly Node[])[]): boolean {
  return alts.some((a) => emptySeq(a, true, true));
}

function emptySeq(seq: readonly Node[], first: boolean, last: boolean): boolean {
  return seq.every((n, i) => emptyNode(n, first && seqNullable(seq.slice(0, i)), last && seqNullable(seq.slice(i + 1))));
}

function emptyNode(n: Node, first: boolean, last: boolean): boolean {
  switch (n.k) {
    case 'nl':
      return first || last;
    case 'set':
      return n.bits[10] === 1 && (first || last);
    case 'anchor2':
    case 'bom':
    case 'star':
    case 'opt':
      return true;
    case 'plus':
      return emptyNode(n.x, first, last);
    case 'group':
      return n.alts.some((a) => emptySeq(a, first, last));
    default:
      return false;
  }
}

/** How deep groups and postfix operators nest in the tree, found without recursion. */
export function treeDepth(alts: readonly (readonly Node[])[]): number {
  let max = 0;
  const stack: { nodes: readonly Node[]; depth: number }[] = alts.map((a) => ({ nodes: a, depth: 1 }));
  while (stack.length > 0) {
    const { nodes, depth } = stack.pop()!;
    if (depth > max) max = depth;
    for (const n of nodes) {
      if (n.k === 'group') for (const a of n.alts) stack.push({ nodes: a, depth: depth + 1 });
      else if (n.k === 'star' || n.k === 'plus' || n.k === 'opt') stack.push({ nodes: [n.x], depth: depth + 1 });
    }
  }
  return max;
}
