import { assumptionFlag, describeDestination } from './describe.js';
import type { MessageReport, RecipeJson } from './report.js';

/**
 * The default output of `mailrules test`: one line per message, where it
 * went and why — the deciding recipe and the conditions that held.
 */
export function renderShort(r: MessageReport): string {
  const why = because(r);
  return `${nameOf(r)} → ${describeDestination(r)}${why === '' ? '' : ` ${why}`}\n`;
}

/** The message's name; for the Nth message of an mbox (`box#N`, which says little) its subject too. */
function nameOf(r: MessageReport): string {
  const m = r.message;
  // `box#12`: a digit last and a `#` before the digits (a cheap test, done for every message).
  const last = m.charCodeAt(m.length - 1);
  if (!(last >= 48 && last <= 57) || !/#\d+$/.test(m)) return m;
  const s = r.subject === null ? '(no subject)' : JSON.stringify(r.subject.length > SUBJECT_SHOWN ? `${r.subject.slice(0, SUBJECT_SHOWN - 1)}…` : r.subject);
  return `${r.message} ${s}`;
}

/** Characters of an mbox message's subject on its short line. */
const SUBJECT_SHOWN = 50;

/** The reason shown after the destination: the deciding recipe and its held conditions. */
function because(r: MessageReport): string {
  const assumed = assumptionFlag(r);
  if (r.fellThrough) return `(fell off the end: DEFAULT)${assumed}`;
  if (r.recipe === null) return assumed.trim();
  const conds = decidingChain(r).flatMap((x) => x.conditions.filter((c) => c.held && c.skipped !== true).map((c) => `* ${c.text}`));
  let detail = conds.join(' ');
  if (detail.length > 60) detail = `${detail.slice(0, 59)}…`;
  return `(${r.recipe}${detail === '' ? '' : `: ${detail}`})${assumed}`;
}

/** The deciding recipe and the blocks around it, outermost first. */
function decidingChain(r: MessageReport): RecipeJson[] {
  let i = -1;
  for (let k = r.recipes.length - 1; k >= 0; k--) {
    if (r.recipes[k]!.at === r.recipe && r.recipes[k]!.ran) {
      i = k;
      break;
    }
  }
  if (i < 0) return [];
  const chain = [r.recipes[i]!];
  let depth = r.recipes[i]!.depth;
  for (let k = i - 1; k >= 0 && depth > 0; k--) {
    const x = r.recipes[k]!;
    if (x.depth === depth - 1 && x.ran) {
      chain.unshift(x);
      depth--;
    }
  }
  return chain;
}
