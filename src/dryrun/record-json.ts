import type { ConditionResult } from '../eval/trace.js';
import { DRYRUN_OUTPUT_SHOWN_BYTES } from '../limits.js';
import type { DryRunRecord } from './answerer.js';
import { at, type AssumptionJson, type ConditionJson, type DeliveryJson, type FolderJson, type NotWrittenJson, type ProgramJson } from './report.js';

/**
 * One timeline entry as the report's JSON: a delivery, a program, a thing
 * not written, a condition. build-report.ts collects them; the --trace
 * renderer words the same values, so the two outputs cannot disagree.
 */

/** Program output as shown: latin1, cut at DRYRUN_OUTPUT_SHOWN_BYTES (a filter's output is the whole message). */
function cut(b: Buffer | string): string {
  const s = typeof b === 'string' ? b : b.toString('latin1');
  return s.length > DRYRUN_OUTPUT_SHOWN_BYTES ? `${s.slice(0, DRYRUN_OUTPUT_SHOWN_BYTES)}…[${s.length - DRYRUN_OUTPUT_SHOWN_BYTES} more bytes]` : s;
}

/** A deliver, pipe or forward request as a delivery (`copy` is settled once all are known); null for other requests. */
export function deliveryOf(rec: DryRunRecord): DeliveryJson | null {
  const req = rec.request;
  const base = { at: at(req.origin.span), copy: false };
  switch (req.kind) {
    case 'deliver': {
      const ok = rec.answer.kind === 'delivered' && rec.answer.ok;
      const folders = (rec.folders ?? []).map((f): FolderJson =>
        f.written ? { folder: f.folder, type: f.type, stored: f.stored, file: f.file } : { folder: f.folder, type: f.type, stored: f.stored, file: f.file, written: false },
      );
      return { kind: 'folder', target: req.folders.join(' '), ok, fallback: req.fallback, folders, ...base };
    }
    case 'pipe':
      return withAssumed({ kind: 'pipe', target: `| ${req.command.text.trim()}`, ok: programOk(rec, req.wait !== null), fallback: false, ...base }, rec);
    case 'forward':
      return withAssumed({ kind: 'forward', target: `! ${req.addresses.join(' ')}`, ok: programOk(rec, req.wait !== null), fallback: false, ...base, argv: req.call.argv }, rec);
    default:
      return null;
  }
}

function programOk(rec: DryRunRecord, waited: boolean): boolean {
  if (!waited) return true;
  return rec.answer.kind === 'program' && rec.answer.exitCode === 0;
}

/** A pipe or forward whose success rests on an assumed exit status says so. */
function withAssumed(d: DeliveryJson, rec: DryRunRecord): DeliveryJson {
  return rec.source === 'assumed' ? { ...d, assumed: true } : d;
}

/** A `?` condition's, filter's or capture's program; null for other requests. */
export function programOf(rec: DryRunRecord): ProgramJson | null {
  const req = rec.request;
  if (req.kind !== 'run-condition' && req.kind !== 'filter' && req.kind !== 'capture') return null;
  const a = rec.answer.kind === 'program' ? rec.answer : null;
  const p: Record<string, unknown> = {
    at: at(req.kind === 'run-condition' ? rec.conditionSpan ?? req.origin.span : req.origin.span),
    kind: req.kind === 'run-condition' ? 'condition' : req.kind,
    command: req.command.text.trim(),
    exitCode: a?.exitCode ?? null,
    source: rec.source === 'ran' || rec.source === 'answers-file' ? rec.source : 'assumed',
  };
  if (a !== null && a.output.length > 0 && req.kind !== 'run-condition') p.output = cut(a.output);
  if (rec.stderr !== undefined) p.stderr = cut(rec.stderr);
  return p as unknown as ProgramJson;
}

/** A program answer the dry run did not observe (assumed, or given with --answers); null otherwise. */
export function assumptionOf(rec: DryRunRecord): AssumptionJson | null {
  if (rec.source !== 'assumed' && rec.source !== 'answers-file') return null;
  const req = rec.request;
  const exitCode = rec.answer.kind === 'program' ? rec.answer.exitCode : null;
  const source = rec.source;
  switch (req.kind) {
    case 'pipe':
    case 'filter':
    case 'capture':
    case 'trap':
      return { at: at(req.origin.span), kind: req.kind, command: req.command.text.trim(), exitCode, source };
    case 'run-condition':
      return { at: at(rec.conditionSpan ?? req.origin.span), kind: 'condition', command: req.command.text.trim(), exitCode, source };
    case 'forward':
      return { at: at(req.origin.span), kind: 'forward', command: req.call.argv.join(' '), exitCode, source };
    default:
      return null;
  }
}

/** What a dry run deliberately did not do for this request; null when it did it (or there was nothing to do). */
export function notWrittenOf(rec: DryRunRecord): NotWrittenJson | null {
  const req = rec.request;
  const where = at(req.origin.span);
  switch (req.kind) {
    case 'open-log':
      return { at: where, kind: 'open-log', text: `LOGFILE ${req.path === '' ? '/dev/null' : req.path}` };
    case 'global-lock':
      return req.acquire !== null ? { at: where, kind: 'lock', text: `LOCKFILE ${req.acquire}` } : null;
    case 'send':
      return { at: where, kind: 'send', text: `${req.what} to ${req.to}` };
    case 'trap':
      return { at: where, kind: 'trap', text: `TRAP ${req.command.text.trim()}` };
    case 'pipe':
      return { at: where, kind: 'pipe', text: `| ${req.command.text.trim()}` };
    case 'forward':
      return { at: where, kind: 'forward', text: req.call.argv.join(' ') };
    default:
      return null;
  }
}

export function conditionJson(c: ConditionResult): ConditionJson {
  // The common shapes as literals (one hidden class each, no property-by-property growth).
  if (c.expanded === undefined && c.added === undefined && c.total === undefined && c.exitCode === undefined && c.match === undefined && c.ext === undefined) {
    if (c.skipped !== undefined && c.matched === undefined) return { at: at(c.span)!, text: c.text, held: c.held, skipped: c.skipped };
    if (c.matched !== undefined) return { at: at(c.span)!, text: c.text, held: c.held, matched: c.matched };
    return { at: at(c.span)!, text: c.text, held: c.held };
  }
  const o: Record<string, unknown> = { at: at(c.span), text: c.text };
  if (c.expanded !== undefined) o.expanded = c.expanded;
  o.held = c.held;
  if (c.skipped !== undefined) o.skipped = c.skipped;
  if (c.matched !== undefined) o.matched = c.matched;
  if (c.match !== undefined) o.match = c.match;
  if (c.added !== undefined) o.added = c.added;
  if (c.total !== undefined) o.total = c.total;
  if (c.exitCode !== undefined) o.exitCode = c.exitCode;
  if (c.ext !== undefined) o.ext = c.ext;
  return o as unknown as ConditionJson;
}
