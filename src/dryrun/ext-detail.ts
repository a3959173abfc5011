import type { ConditionResult } from '../eval/trace.js';
import { fromUtf8Bytes } from '../eval/mail/decoded-text.js';

/**
 * The --trace lines under an extension condition: what `@decoded`
 * searched (raw and decoded, where decoding changed it), the trusted
 * Authentication-Results field `@auth` and `authenticated` used, and what
 * decided. Empty for every other condition.
 */
export function extDetailLines(c: ConditionResult): string[] {
  const x = c.ext;
  if (x === undefined) return [];
  const out: string[] = [];
  if (x.decoded !== undefined) {
    if (x.decoded.changes.length === 0) out.push(`searched the decoded ${x.decoded.area} (nothing in it needed decoding)`);
    else out.push(`searched the decoded ${x.decoded.area}:`);
    for (const ch of x.decoded.changes) {
      // A header field is one line; a body part is an excerpt, quoted so its line ends show.
      const part = ch.what.startsWith('part ');
      out.push(part ? `  ${ch.what}: ${q(ch.raw)}` : `  raw:     ${ch.raw}`, part ? `    decoded: ${q(ch.decoded)}` : `  decoded: ${ch.decoded}`);
    }
  }
  if (x.trusted !== undefined && x.trusted.ids.length > 0) {
    const others = x.trusted.ignored === 0 ? '' : ` (${x.trusted.ignored} other Authentication-Results ignored)`;
    if (x.trusted.fields.length === 0) out.push(`no Authentication-Results field from ${x.trusted.ids.join(', ')}${others}`);
    // Unfolded fields keep their folding blanks (often tabs): one space reads better.
    for (const f of x.trusted.fields) out.push(`trusted ${f.replace(/[ \t]+/g, ' ')}${others}`);
  }
  for (const n of x.notes ?? []) out.push(n);
  return out;
}

/** The condition text and its matches as people read them: a `@decoded` condition's are UTF-8. */
export function decodedForPeople(c: ConditionResult, text: string): string {
  return c.ext?.decoded !== undefined ? fromUtf8Bytes(text) : text;
}

function q(s: string): string {
  return JSON.stringify(s);
}
