import { setFlagsFromString } from 'node:v8';
import { REGEX_BACKTRACKS_BEFORE_FALLBACK } from './limits.js';

/**
 * Regexes from rc files run on mail from strangers (habit 8). V8 can switch
 * a regex to its linear-time engine once it backtracks too much; these flags
 * must be set before the first regex is compiled and are refused in
 * NODE_OPTIONS, so every entry point calls this first (node-stack.md §5).
 * Patterns the linear engine cannot run (the `i` flag, backreferences,
 * lookaround) never fall back, which is why the regex translator folds case
 * itself and emits none of them.
 */
export function enableLinearRegexFallback(): void {
  setFlagsFromString('--enable-experimental-regexp-engine');
  setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
  setFlagsFromString(`--regexp-backtracks-before-fallback=${REGEX_BACKTRACKS_BEFORE_FALLBACK}`);
}
