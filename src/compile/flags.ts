/**
 * Recipe flags (procmailrc(5) "Flags"; docs/procmail-semantics.md §2): the letters as
 * written become effective Flags, with procmail's own adjustments and the
 * messages it logs for them (`Extraneous … ignored`, `Conflicting …
 * suppressed`). Those messages are warnings: procmail carries on.
 */
import { diagnostic, type Diagnostic } from '../source/diagnostic.js';
import type { Action, RecipeHeader } from '../syntax/ast.js';
import type { Flags } from './compiled-rc.js';

export interface DecodedFlags {
  readonly flags: Flags;
  readonly diagnostics: Diagnostic[];
}

/** What flag decoding needs of the action: its kind, and for a pipe whether it captures (`VAR=|`). */
export type ActionShape = Pick<Action, 'kind'> & { readonly capture?: string | null };

export function decodeFlags(header: RecipeHeader, action: ActionShape | null): DecodedFlags {
  const diagnostics: Diagnostic[] = [];
  return { flags: decodeFlagsInto(header, action, diagnostics), diagnostics };
}

/** decodeFlags() with the diagnostics appended to `diagnostics` (the compiler collects them in one list). */
export function decodeFlagsInto(header: RecipeHeader, action: ActionShape | null, diagnostics: Diagnostic[]): Flags {
  // One pass over the letters as written (this runs once per recipe: keep it allocation-free).
  let H = false, B = false, D = false, A = false, a = false, E = false, e = false;
  let h = false, b = false, f = false, c = false, w = false, W = false, i = false, r = false;
  const letters = header.flags;
  for (let k = 0; k < letters.length; k++) {
    switch (letters[k]) {
      case 'H': H = true; break;
      case 'B': B = true; break;
      case 'D': D = true; break;
      case 'A': A = true; break;
      case 'a': a = true; break;
      case 'E': E = true; break;
      case 'e': e = true; break;
      case 'h': h = true; break;
      case 'b': b = true; break;
      case 'f': f = true; break;
      case 'c': c = true; break;
      case 'w': w = true; break;
      case 'W': W = true; break;
      case 'i': i = true; break;
      case 'r': r = true; break;
    }
  }
  const span = header.span;
  // misc.c conditions(): `e` wins over `E` and `a`.
  if (e && E) {
    diagnostics.push(diagnostic('warning', 'conflicting-flag', 'Conflicting else-if-flag suppressed', span));
    E = false;
  }
  if (e && a) {
    diagnostics.push(diagnostic('warning', 'conflicting-flag', 'Conflicting also-if-succeeded-flag suppressed', span));
    a = false;
  }
  const kind = action?.kind;
  if (kind === 'block') {
    // procmail.c: on a block these are reported in this order and have no effect.
    if (header.hasLock && !c) diagnostics.push(extraneous('Extraneous locallockfile ignored', span));
    if (b) diagnostics.push(extraneous('Extraneous deliver-body flag ignored', span));
    if (h) diagnostics.push(extraneous('Extraneous deliver-head flag ignored', span));
    if (i) diagnostics.push(extraneous('Extraneous ignore-write-error flag ignored', span));
    if (r) diagnostics.push(extraneous('Extraneous raw-mode flag ignored', span));
  }
  if (f && (kind === 'folder' || kind === 'block')) {
    // A folder gets the whole message; a block is not fed anything.
    if (kind === 'folder') diagnostics.push(extraneous('Extraneous filter-flag ignored', span));
    f = false;
  }
  if (c && (f || (kind === 'pipe' && action?.capture !== null && action?.capture !== undefined))) {
    diagnostics.push(extraneous('Extraneous copy-flag ignored', span));
    c = false;
  }
  // Neither h nor b means both; neither H nor B means H (docs/procmail-semantics.md §2).
  if (!h && !b) h = b = true;
  if (!B) H = true;
  return interned(H, B, D, A, a, E, e, h, b, f, c, w, W, i, r);
}

/**
 * Effective flags are shared, frozen values: a big rc file has thousands of
 * recipes but only a handful of distinct flag sets, and the program keeps one
 * per recipe (bench/parse.mjs).
 */
const FLAG_SETS = new Map<number, Flags>();

function interned(
  H: boolean, B: boolean, D: boolean, A: boolean, a: boolean, E: boolean, e: boolean, h: boolean,
  b: boolean, f: boolean, c: boolean, w: boolean, W: boolean, i: boolean, r: boolean,
): Flags {
  const key = +H | (+B << 1) | (+D << 2) | (+A << 3) | (+a << 4) | (+E << 5) | (+e << 6) | (+h << 7)
    | (+b << 8) | (+f << 9) | (+c << 10) | (+w << 11) | (+W << 12) | (+i << 13) | (+r << 14);
  let flags = FLAG_SETS.get(key);
  if (flags === undefined) {
    flags = Object.freeze({ H, B, D, A, a, E, e, h, b, f, c, w, W, i, r });
    FLAG_SETS.set(key, flags);
  }
  return flags;
}

function extraneous(message: string, span: RecipeHeader['span']): Diagnostic {
  return diagnostic('warning', 'extraneous-flag', message, span);
}
