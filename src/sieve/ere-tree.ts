import type { ProcRegexNode as Node } from '../compile/regex/tree.js';

/**
 * Questions about a procmail regex tree (compile/regex/tree.ts) that the ERE
 * emitter (ere.ts) and the header-pattern reader ask: what a node may
 * match or consume, and whether two trees are the same.
 */

/** Matches the empty string without consuming (anchors `^^` count as consuming: see the header comment). */
export function nullable(n: Node): boolean {
  switch (n.k) {
    case 'bom':
    case 'star':
    case 'opt':
      return true;
    case 'plus':
      return nullable(n.x);
    case 'group':
      return n.alts.some(seqNullable);
    default:
      return false;
  }
}

export function seqNullable(seq: readonly Node[]): boolean {
  return seq.every(nullable);
}

/** The characters a single-character node can consume, or null for other nodes. */
export function charSet(n: Node): Uint8Array | null {
  if (n.k === 'char') {
    if (n.c > 255) return null;
    const b = new Uint8Array(256);
    b[n.c] = 1;
    return b;
  }
  if (n.k === 'set') return n.bits;
  if (n.k === 'dot') {
    const b = new Uint8Array(256).fill(1);
    b[10] = 0;
    return b;
  }
  return null;
}

export function containsBom(seq: readonly Node[]): boolean {
  return seq.some((n) => {
    switch (n.k) {
      case 'bom':
        return true;
      case 'group':
        return n.alts.some(containsBom);
      case 'star':
      case 'plus':
      case 'opt':
        return containsBom([n.x]);
      default:
        return false;
    }
  });
}

/** Whether a node can consume a newline (so MATCH right of `\/` could hold one). */
export function consumesNewline(n: Node): boolean {
  switch (n.k) {
    case 'nl':
    case 'anchor2':
      return true;
    case 'set':
      return n.bits[10] === 1;
    case 'group':
      return n.alts.some((a) => a.some(consumesNewline));
    case 'star':
    case 'plus':
    case 'opt':
      return consumesNewline(n.x);
    default:
      return false;
  }
}

export function sameNode(a: Node, b: Node): boolean {
  if (a === b) return true;
  if (a.k !== b.k) return false;
  switch (a.k) {
    case 'char':
      return a.c === (b as typeof a).c;
    case 'set': {
      const bb = (b as typeof a).bits;
      for (let i = 0; i < 256; i++) if (a.bits[i] !== bb[i]) return false;
      return true;
    }
    case 'group': {
      const ba = (b as typeof a).alts;
      return a.alts.length === ba.length && a.alts.every((x, i) => sameSeq(x, ba[i]!));
    }
    case 'star':
    case 'plus':
    case 'opt':
      return sameNode(a.x, (b as typeof a).x);
    default:
      return true;
  }
}

export function sameSeq(a: readonly Node[], b: readonly Node[]): boolean {
  return a.length === b.length && a.every((n, i) => sameNode(n, b[i]!));
}

/**
 * The tree without groups that only wrap: a group of one alternative is its
 * sequence, and an alternative that is one group is that group's
 * alternatives (`((a))` is `a`, `(x|(y|z))` is `(x|y|z)`; procmail has no
 * capturing groups, so neither changes what matches or what `\/` takes).
 * Iterative where wrapping nests, so a pattern of thousands of such groups
 * is read without deep recursion; null when what remains still nests deeper
 * than `limit`.
 */
export function flattenGroups(alts: readonly (readonly Node[])[], limit: number): Node[][] | null {
  return flatAlts(alts, limit, 0);
}

function flatAlts(alts: readonly (readonly Node[])[], limit: number, depth: number): Node[][] | null {
  if (depth > limit) return null;
  const out: Node[][] = [];
  const queue: (readonly Node[])[] = [...alts].reverse();
  while (queue.length > 0) {
    const a = queue.pop()!;
    const only = a.length === 1 ? a[0]! : null;
    if (only !== null && only.k === 'group') {
      for (let k = only.alts.length - 1; k >= 0; k--) queue.push(only.alts[k]!);
      continue;
    }
    const seq = flatSeq(a, limit, depth);
    if (seq === null) return null;
    out.push(seq);
  }
  return out;
}

function flatSeq(seq: readonly Node[], limit: number, depth: number): Node[] | null {
  const out: Node[] = [];
  const work: Node[] = [...seq].reverse();
  while (work.length > 0) {
    const n = work.pop()!;
    if (n.k === 'group' && n.alts.length === 1) {
      const inner = n.alts[0]!;
      for (let k = inner.length - 1; k >= 0; k--) work.push(inner[k]!);
      continue;
    }
    if (n.k === 'group') {
      const alts = flatAlts(n.alts, limit, depth + 1);
      if (alts === null) return null;
      out.push({ k: 'group', alts });
    } else if (n.k === 'star' || n.k === 'plus' || n.k === 'opt') {
      const x = flatSeq([n.x], limit, depth + 1);
      if (x === null) return null;
      out.push({ k: n.k, x: x.length === 1 ? x[0]! : { k: 'group', alts: [x] } });
    } else out.push(n);
  }
  return out;
}
