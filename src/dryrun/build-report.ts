import type { Outcome } from '../eval/outcome.js';
import { destinationOf, extTarget } from './destination.js';
import { noteInfos, type ExtNote } from './ext-notes.js';
import { subjectOf } from './header-fields.js';
import { assumptionOf, conditionJson, deliveryOf, notWrittenOf, programOf } from './record-json.js';
import { at, type AssumptionJson, type DeliveryJson, type ExtActionJson, type MessageReport, type NotWrittenJson, type ProgramJson, type RecipeJson, type TimelineEntry } from './report.js';

/**
 * Builds the report of one message (report.ts) from its timeline, in one
 * pass, then settles what only the whole run tells: which delivery or
 * extension action was the last to handle the message (the others were
 * copies), whether that was the fall-back DEFAULT delivery, and the
 * `destination` string.
 */
export function buildReport(id: string, message: Buffer, timeline: readonly TimelineEntry[], outcome: Outcome): MessageReport {
  const deliveries: DeliveryJson[] = [];
  const recipes: RecipeJson[] = [];
  const assignments: { at: string | null; name: string; value: string | null }[] = [];
  const programs: ProgramJson[] = [];
  const notWritten: NotWrittenJson[] = [];
  const notes: { at: string | null; text: string }[] = [];
  const assumptions: AssumptionJson[] = [];
  const exts: (ExtNote & { at: string | null; after: number })[] = [];
  /** Deliveries and extension actions in the order they happened: [list, index]. */
  const order: ['d' | 'x', number][] = [];
  let log = '';
  let assumed = false;
  const noteInfo = noteInfos(timeline);
  for (const e of timeline) {
    switch (e.kind) {
      case 'assign':
        assignments.push({ at: at(e.span), name: e.name, value: e.value });
        break;
      case 'recipe':
        recipes.push({
          at: at(e.span)!,
          file: e.span.file,
          line: e.span.line,
          flags: e.flags,
          ran: e.ran,
          why: e.why,
          depth: e.depth,
          score: e.score,
          conditions: e.conditions.map(conditionJson),
        });
        break;
      case 'note': {
        const info = noteInfo.get(e);
        if (info?.dup === true) break;
        const x = info?.x ?? null;
        if (x !== null) {
          order.push(['x', exts.length]);
          exts.push({ ...x, at: at(e.span), after: deliveries.length });
        }
        notes.push({ at: at(e.span), text: x === null ? e.text : extNoteText(x, e.text) });
        break;
      }
      case 'request':
        // The dry-run answerer records every request itself; the engine's copy adds nothing.
        break;
      case 'answered': {
        const d = deliveryOf(e);
        if (d !== null) {
          order.push(['d', deliveries.length]);
          deliveries.push(d);
        }
        const p = programOf(e);
        if (p !== null) programs.push(p);
        if (e.source === 'assumed') assumed = true;
        const a = assumptionOf(e);
        if (a !== null) assumptions.push(a);
        const nw = notWrittenOf(e);
        if (nw !== null) notWritten.push(nw);
        const req = e.request;
        if (req.kind === 'log') log += req.text;
        else if (req.kind === 'chdir' && e.answer.kind === 'ack' && !e.answer.ok && e.answer.error !== undefined) log += e.answer.error;
        if (e.logged !== undefined) log += e.logged;
        for (const text of e.notes ?? []) notes.push({ at: at(req.origin.span), text });
        break;
      }
    }
  }
  // Everything that handled the message but the last let processing continue.
  const handled = order.filter(([k, i]) => (k === 'd' ? deliveries[i]!.ok : exts[i]!.result !== 'failed'));
  const lastOk = handled.length > 0 ? handled[handled.length - 1]! : null;
  const isLast = (k: 'd' | 'x', i: number): boolean => lastOk !== null && lastOk[0] === k && lastOk[1] === i;
  const final = deliveries.map((d, i) => (d.ok && !isLast('d', i) ? { ...d, copy: true } : d));
  const extActions = exts.map((x, i) => extActionJson(x, x.result !== 'failed', x.result !== 'failed' && !isLast('x', i)));
  const last = lastOk === null ? null : lastOk[0] === 'd' ? final[lastOk[1]]! : extActions[lastOk[1]]!;
  const fellThrough = last !== null && 'fallback' in last && last.fallback;
  const destination = destinationOf(
    handled.map(([k, i]) => (k === 'd' ? final[i]!.target : extActions[i]!.target)),
    outcome,
  );
  return {
    schema: 1,
    message: id,
    size: message.length,
    subject: subjectOf(message),
    destination,
    fellThrough,
    disposition: outcome.disposition,
    exitCode: outcome.exitCode,
    lastFolder: outcome.lastFolder,
    recipe: fellThrough ? null : last?.at ?? null,
    assumed,
    assumptions,
    deliveries: final,
    extActions,
    recipes,
    assignments,
    programs,
    notWritten,
    log,
    notes,
  };
}

/** A note's text in the report: what the dry run did not do reads "would …". */
function extNoteText(x: ExtNote, original: string): string {
  switch (x.result) {
    case 'discarded':
      return 'would discard (@discard)';
    case 'rejected':
      return `would reject (@reject): ${x.text ?? ''}`;
    case 'would-send':
      return `would send @${x.verb} to ${x.to ?? ''} [not sent]`;
    default:
      return original;
  }
}

function extActionJson(x: ExtNote & { at: string | null; after: number }, handled: boolean, copy: boolean): ExtActionJson {
  const o: Record<string, unknown> = { at: x.at, verb: x.verb, result: x.result, handled, copy, target: extTarget(x, false), after: x.after };
  if (x.to !== undefined) o.to = x.to;
  if (x.reason !== undefined) o.reason = x.reason;
  if (x.text !== undefined) o.text = x.text;
  return o as unknown as ExtActionJson;
}
