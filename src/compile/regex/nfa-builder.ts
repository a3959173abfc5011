import { N_BOM, N_BOT, N_CHAR, N_DOT, N_EOT, N_FIN, N_JUMP, N_SET, N_SPLIT, type Nfa } from './nfa.js';
import type { ProcRegexNode as Node } from './tree.js';

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

export class NfaBuilder {
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
