/**
 * What a condition searches or feeds (docs/procmail-semantics.md §3.1): the header, the
 * body or both (unfolded for H and HB), or a variable for `VAR ??`.
 */
import type { Area, CompiledRecipe } from '../compile/compiled-rc.js';
import type { State } from './state.js';

/** The text a condition searches (docs/procmail-semantics.md §3.1): the area's flag or prefix, unfolded for H and HB. */
export function areaString(st: State, r: CompiledRecipe, area: Area | null): string {
  const m = st.message;
  const kind = area ? area.kind : r.flags.B ? (r.flags.H ? 'HB' : 'B') : 'H';
  switch (kind) {
    case 'H':
      return m.headerUnfolded;
    case 'B':
      return m.body;
    case 'HB':
      return m.wholeUnfolded;
    default:
      return st.vars.str((area as { name: string }).name);
  }
}

/** The area as text and as the bytes a `?` program is fed (`raw` built only here: regexes need the text alone). */
export function areaText(st: State, r: CompiledRecipe, area: Area | null): { text: string; raw: Buffer; explicit: boolean } {
  const m = st.message;
  const kind = area ? area.kind : r.flags.B ? (r.flags.H ? 'HB' : 'B') : 'H';
  const text = areaString(st, r, area);
  switch (kind) {
    case 'H':
      return { text, raw: m.part({ header: true, body: false }), explicit: area !== null };
    case 'B':
      return { text, raw: m.part({ header: false, body: true }), explicit: area !== null };
    case 'HB':
      return { text, raw: m.part({ header: true, body: true }), explicit: area !== null };
    default:
      return { text, raw: Buffer.from(text, 'latin1'), explicit: true };
  }
}
