import type { Outcome } from '../eval/outcome.js';
import type { ExtNote } from './ext-notes.js';
import type { MessageReport } from './report.js';

/**
 * The report's `destination`: the one string --expect compares, so its
 * wording is part of the JSON schema (render-json.ts) and of every expect
 * file written against it.
 */

/** `targets`: what handled the message, in order (deliveries that worked, extension actions but failed ones). */
export function destinationOf(targets: readonly string[], outcome: Outcome): string {
  switch (outcome.disposition) {
    case 'bounced':
      return 'bounce';
    case 'requeued':
      return 'requeue';
    case 'rejected':
      // `c` copies made before the @reject are still stored.
      return targets.includes('@reject') ? targets.join(' + ') : [...targets, '@reject'].join(' + ');
    default:
      return targets.length === 0 ? 'nothing' : targets.join(' + ');
  }
}

/** An extension action's part of `destination`; `short` leaves out the reason (--expect may). */
export function extTarget(x: ExtNote, short: boolean): string {
  switch (x.result) {
    case 'discarded':
      return '@discard';
    case 'rejected':
      return '@reject';
    case 'would-send':
      return `@${x.verb} → ${x.to ?? ''}`;
    case 'refused':
    case 'failed':
      return short ? `@${x.verb} ${x.result}` : `@${x.verb} ${x.result} (${x.reason ?? ''})`;
  }
}

/**
 * `destination` without the reasons of refused or failed notices
 * (`@reply refused + quarantine/`): --expect accepts either form, so an
 * expect file need not repeat a refusal's wording.
 */
export function shortDestination(r: MessageReport): string {
  let d = r.destination;
  for (const x of r.extActions ?? []) {
    if (x.handled && x.reason !== undefined) d = d.replace(x.target, extTarget(x, true));
  }
  return d;
}
