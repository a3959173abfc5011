import type { Vars } from './requests.js';
import { fieldValues, type ParsedHeader } from './mail/header.js';

/**
 * The loop identifier: $LOOPID when the rc sets it, else `$LOGNAME@$HOST`
 * (the canonical procmail idiom `* !^X-Loop: me@host` + `formail -A
 * "X-Loop: me@host"`, docs/procmail-semantics.md §10 and §11.10, built in).
 */
export function loopId(vars: Vars): string {
  const explicit = vars['LOOPID'];
  if (explicit !== undefined && explicit.trim() !== '') return explicit.trim();
  return `${vars['LOGNAME'] ?? ''}@${vars['HOST'] ?? ''}`;
}

/**
 * True when the message carries an `X-Loop:` field equal to `id`. Equality
 * is on the trimmed value, ASCII case-insensitive (procmail's default regex
 * matching is case-insensitive, docs/procmail-semantics.md §3.3), and a value that merely
 * contains the id (`X-Loop: me@host.evil`) does not count — the `^X-Loop:
 * me@host` regex idiom gets that wrong.
 */
export function hasLoop(header: ParsedHeader, id: string): boolean {
  const want = id.trim().toLowerCase();
  if (want === '') return false;
  return fieldValues(header, 'X-Loop').some((v) => v.trim().toLowerCase() === want);
}
