import type * as V8Module from 'node:v8';
import { REGEX_BACKTRACKS_BEFORE_FALLBACK } from './limits.js';

/**
 * The V8 switches that let a regex fall back to V8's linear-time engine once
 * it backtracks too much. Patterns from rc files never reach V8's engine
 * (src/eval/regex-dfa.ts runs them; the fallback does not catch a greedy
 * loop's backtracking, which made `.*zz` quadratic on a long line); the
 * switches remain a safety net for the code's own regexes, which also read
 * mail from strangers. Every entry point sets them before the first regex
 * is compiled.
 */
export const LINEAR_REGEX_FLAGS: readonly string[] = [
  '--enable-experimental-regexp-engine',
  '--enable-experimental-regexp-engine-on-excessive-backtracks',
  `--regexp-backtracks-before-fallback=${REGEX_BACKTRACKS_BEFORE_FALLBACK}`,
];

/**
 * Sets LINEAR_REGEX_FLAGS unless node was started with them. bin/mailrules
 * passes them on node's command line (they are refused in NODE_OPTIONS):
 * loading node:v8 to set them costs ~2.5 ms of every delivery, a tenth of
 * the delivery agent's start-up budget (bench/startup.mjs).
 */
export function enableLinearRegexFallback(): void {
  const given = process.execArgv;
  if (LINEAR_REGEX_FLAGS.every((f) => given.includes(f))) return;
  const v8 = require('node:v8') as typeof V8Module;
  for (const f of LINEAR_REGEX_FLAGS) v8.setFlagsFromString(f);
}
