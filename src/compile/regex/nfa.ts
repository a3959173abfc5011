/**
 * The automaton a procmail regex compiles to (procmailrc(5); regexp.c): a
 * small Thompson NFA in flat arrays, built once per pattern
 * (nfa-builder.ts) and run by src/eval/regex-dfa.ts and
 * src/eval/regex-search.ts in time linear in the text searched.
 *
 * Every search runs over S = "\n" + area + "\n" (regexp.c, misc.c): procmail
 * behaves as if the area had a virtual newline on each side, and `^`/`$`
 * each CONSUME a newline; hence the two kinds of `^^` below.
 */
export interface Nfa {
  readonly kind: Uint8Array;
  readonly next: Int32Array;
  readonly alt: Int32Array;
  readonly arg: Int32Array;
  readonly sets: readonly Uint8Array[];
  readonly start: number;
  readonly size: number;
}

// Node kinds (Nfa.kind):
export const N_CHAR = 0; // arg = byte
export const N_SET = 1; // arg = index into sets
export const N_DOT = 2;
export const N_BOT = 3; // `^^` not at the end: consumes the leading virtual newline only
export const N_EOT = 4; // `^^` whose continuation is the end: before the trailing virtual newline
export const N_BOM = 5; // `\/`
export const N_SPLIT = 6; // try next[], then alt[]
export const N_JUMP = 7;
export const N_FIN = 8;
