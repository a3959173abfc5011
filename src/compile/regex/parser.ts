import { readClass } from './bracket.js';
import { cString } from './c-string.js';
import { MISSING_CLOSE, unbalanced } from './paren-scan.js';
import type { ProcRegexNode as Node } from './tree.js';

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
export function parseProcRegex(s: string, fold: boolean): Node[][] | string {
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

/** regexp.c NO_WORD_CLASS "[^a-zA-Z0-9_]" with the newline toggled back in. */
const WORD_BOUNDARY: Uint8Array = (() => {
  const b = new Uint8Array(256).fill(1);
  for (let c = 0x30; c <= 0x39; c++) b[c] = 0;
  for (let c = 0x41; c <= 0x5a; c++) b[c] = 0;
  for (let c = 0x61; c <= 0x7a; c++) b[c] = 0;
  b[0x5f] = 0;
  return b;
})();

/**
 * The parse tree of a macro-expanded pattern (its top-level alternatives),
 * or the parse error: the one reading of procmail's dialect, shared with
 * translators to other dialects (src/sieve) so they never parse it again.
 */
export function procRegexTree(expandedPattern: string, fold: boolean): Node[][] | string {
  return parseProcRegex(cString(expandedPattern), fold);
}
