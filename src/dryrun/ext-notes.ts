import { at, type ExtActionResult, type ExtVerb, type TimelineEntry } from './report.js';

/**
 * An extension action's outcome, read from the lines src/eval/ext-conditions.ts's
 * extAction returns in ExtResult.log, which the engine passes on as notes
 * at the recipe's span ("for the trace and dry-run report"). Only a note of
 * the recipe whose action just ran counts, so another note cannot be
 * mistaken for one. The texts are the engine's: golden tests catch a change.
 */
export interface ExtNote {
  readonly verb: ExtVerb;
  readonly result: ExtActionResult;
  readonly to?: string;
  readonly reason?: string;
  readonly text?: string;
}

export function extNoteOf(text: string): ExtNote | null {
  if (text === 'discarded') return { verb: 'discard', result: 'discarded' };
  let m = /^rejected: ([\s\S]*)$/.exec(text);
  if (m) return { verb: 'reject', result: 'rejected', text: m[1]! };
  m = /^sent @(bounce|reply) to ([\s\S]*)$/.exec(text);
  if (m) return { verb: m[1] as ExtVerb, result: 'would-send', to: m[2]! };
  // A reply cache that cannot be read is not "handled": the message goes on.
  m = /^Not sending @(bounce|reply): (reply cache: [\s\S]*)$/.exec(text);
  if (m) return { verb: m[1] as ExtVerb, result: 'failed', reason: m[2]! };
  m = /^Not sending @(bounce|reply): ([\s\S]*)$/.exec(text);
  if (m) return { verb: m[1] as ExtVerb, result: 'refused', reason: m[2]! };
  m = /^Failed to send @(bounce|reply) to ([^:]*)(?:: ([\s\S]*))?$/.exec(text);
  if (m) return { verb: m[1] as ExtVerb, result: 'failed', to: m[2]!, reason: m[3] ?? 'failed' };
  return null;
}

/** What a timeline note is: an extension action's (x) or not (null), and whether it repeats the one before (dup). */
export interface NoteInfo {
  readonly x: ExtNote | null;
  readonly dup: boolean;
}

/**
 * The timeline's notes, each with its NoteInfo. The report and the trace
 * both read notes through this, so they agree on which notes are
 * extension actions.
 */
export function noteInfos(timeline: readonly TimelineEntry[]): Map<TimelineEntry, NoteInfo> {
  const infos = new Map<TimelineEntry, NoteInfo>();
  let ranAt: string | null = null;
  let prev: { at: string | null; text: string } | null = null;
  for (const e of timeline) {
    if (e.kind === 'recipe') {
      ranAt = e.ran ? at(e.span) : null;
      prev = null;
    } else if (e.kind === 'note') {
      const where = at(e.span);
      const x = where !== null && where === ranAt ? extNoteOf(e.text) : null;
      // The engine traces an @reject's line twice (ExtResult.log and its own note).
      const dup = x !== null && x.result === 'rejected' && prev !== null && prev.at === where && prev.text === e.text;
      infos.set(e, { x, dup });
      prev = { at: where, text: e.text };
    }
  }
  return infos;
}
