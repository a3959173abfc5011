import { N_BOM, N_EOT, N_FIN, N_JUMP, N_SPLIT, type Nfa } from '../compile/regex/nfa.js';
import { consumes, NodeSetTable, perAutomaton, regexWork, THRASHING, UNKNOWN } from './regex-dfa.js';

/**
 * Which threads can still match, position by position: one pass over the
 * text from its end, for the MATCH (`\/`) searches of a scoring loop.
 *
 * After a `\/` pattern first matches, regexp.c goes on while any thread is
 * alive, for the longest right side (regex-search.ts runNfa()). A thread that can
 * no longer match may live to the end of the text (`\/x(x*y|)` over a line
 * of x's without a y), and a scoring loop searches again after every match:
 * procmail reads the rest of the line once per match, quadratic (22 s for a
 * 40 KB line). Dropping the threads that cannot match changes no result (a
 * thread's future depends only on its node and position) and ends each run
 * at its last match, so a scoring loop reads the text about once, plus this
 * pass.
 *
 * live[p] is the set of nodes (sorted) that, having consumed S[p-1], still
 * reach the end of the pattern at step p or later: the nodes whose
 * continuation reaches, without reading a character, the end or a node that
 * reads S[p] into a member of live[p+1]. Built right to left as a DFA on
 * those sets (NodeSetTable), one lookup per character once known.
 */
export class LiveSets extends NodeSetTable {
  /** v → the nodes whose `next` or `alt` is v without reading a character (CSR: from[v]..from[v+1] in list). */
  private readonly epsFrom: Int32Array;
  private readonly epsList: Int32Array;
  /** v → the nodes that read a character (or test an anchor) and continue at v. */
  private readonly readFrom: Int32Array;
  private readonly readList: Int32Array;
  /** `^^` nodes at the end of the pattern: no character read where the trailing virtual newline starts. */
  private readonly eotNodes: Int32Array;
  /** The end of the pattern. */
  private readonly fin: number;

  private lastS: string | null = null;
  private lastInject = -1;
  private lastLive: Int32Array[] | null = null;

  constructor(nfa: Nfa) {
    super(nfa);
    const { kind, next, alt, size } = nfa;
    const eps: [number, number][] = [];
    const reads: [number, number][] = [];
    const eot: number[] = [];
    let fin = -1;
    for (let u = 0; u < size; u++) {
      const k = kind[u]!;
      if (k === N_FIN) fin = u;
      else if (k === N_SPLIT) eps.push([next[u]!, u], [alt[u]!, u]);
      else if (k === N_JUMP || k === N_BOM) eps.push([next[u]!, u]);
      else {
        reads.push([next[u]!, u]);
        if (k === N_EOT) eot.push(u);
      }
    }
    [this.epsFrom, this.epsList] = csr(size, eps);
    [this.readFrom, this.readList] = csr(size, reads);
    this.eotNodes = Int32Array.from(eot);
    this.fin = fin;
  }

  /**
   * live[p] for p from 0 to lastInject + 2 (runNfa()'s steps), for S; null
   * when the sets are new at almost every position, so that keeping one per
   * position would cost memory in the size of the text times the pattern's
   * (runNfa then keeps every thread, as regexp.c does).
   */
  liveSets(S: string, lastInject: number): readonly Int32Array[] | null {
    if (S === this.lastS && lastInject === this.lastInject) return this.lastLive;
    this.lastS = S;
    this.lastInject = lastInject;
    this.lastLive = null;
    const epoch = this.epoch;
    const N = S.length;
    const lastStep = lastInject + 2;
    const live: Int32Array[] = new Array<Int32Array>(lastStep + 2);
    // Nothing runs after the last step.
    let h = this.empty;
    live[lastStep + 1] = this.nodesOf(h);
    let p = lastStep;
    // The steps after lastInject and at S[0] test anchors: worked out one by one.
    for (; p > lastInject; p--) live[p] = this.nodesOf((h = this.stepSlow(h, p < N ? S.charCodeAt(p) : 10, p === lastInject + 1, p === 0)));
    while (p >= 1) {
      if (this.epoch - epoch >= THRASHING) {
        regexWork.chars += lastStep - p;
        return null;
      }
      const table = this.table;
      const classOf = this.classOf;
      const nodes = this.nodes;
      const width = this.width;
      let c = 0;
      let t = UNKNOWN;
      for (; p >= 1; p--) {
        c = S.charCodeAt(p);
        t = c < 256 ? table[h + classOf[c]!]! : UNKNOWN;
        if (t < 0) break;
        h = t;
        live[p] = nodes[h / width]!;
      }
      if (p < 1) break;
      h = c < 256 ? this.fill(h, classOf[c]!) : this.stepSlow(h, c, false, false);
      live[p--] = this.nodesOf(h);
    }
    if (p === 0) live[0] = this.nodesOf(this.stepSlow(h, S.charCodeAt(0), lastInject === -1, true));
    regexWork.chars += lastStep + 1;
    this.lastLive = live;
    return live;
  }

  private fill(h: number, k: number): number {
    const epoch = this.epoch;
    const next = this.intern(this.back(this.nodesOf(h), this.sample[k]!, false, false));
    this.remember(h, k, next, epoch);
    return next;
  }

  private stepSlow(h: number, ch: number, eotOk: boolean, atZero: boolean): number {
    return this.intern(this.back(this.nodesOf(h), ch, eotOk, atZero));
  }

  /** live[p] from live[p+1] (`later`) and S[p] = ch, into found[0..n); returns n. */
  private back(later: Int32Array, ch: number, eotOk: boolean, atZero: boolean): number {
    const nfa = this.nfa;
    const seen = this.seen;
    const stack = this.stack;
    const gen = this.nextGen();
    let sp = 0;
    // What reaches the end at this step, or reads ch into a thread that still can.
    const fin = this.fin;
    seen[fin] = gen;
    stack[sp++] = fin;
    if (eotOk) {
      for (const u of this.eotNodes) {
        seen[u] = gen;
        stack[sp++] = u;
      }
    }
    for (const y of later) {
      if (seen[y] !== gen && consumes(nfa, y, ch, atZero)) {
        seen[y] = gen;
        stack[sp++] = y;
      }
    }
    // Everything that gets there without reading a character.
    let n = 0;
    const out = this.found;
    while (sp > 0) {
      const v = stack[--sp]!;
      for (let i = this.epsFrom[v]!; i < this.epsFrom[v + 1]!; i++) {
        const u = this.epsList[i]!;
        if (seen[u] !== gen) {
          seen[u] = gen;
          stack[sp++] = u;
        }
      }
      // The threads continuing at v.
      for (let i = this.readFrom[v]!; i < this.readFrom[v + 1]!; i++) out[n++] = this.readList[i]!;
    }
    return n;
  }
}

/** Edges [to, from] as compressed rows: from[v]..from[v+1] index the sources of v in list. */
function csr(size: number, edges: readonly [number, number][]): [Int32Array, Int32Array] {
  const from = new Int32Array(size + 1);
  for (const [v] of edges) from[v + 1]!++;
  for (let v = 0; v < size; v++) from[v + 1]! += from[v]!;
  const at = from.slice(0, size);
  const list = new Int32Array(edges.length);
  for (const [v, u] of edges) list[at[v]!++] = u;
  return [from, list];
}

/** The backward pass of an automaton. */
export const liveSetsOf = perAutomaton((nfa) => new LiveSets(nfa));
