import type { Outcome } from '../eval/outcome.js';
import type { Request } from '../eval/requests.js';
import type { ConditionResult, TraceEvent } from '../eval/trace.js';
import type { Span } from '../source/span.js';
import { DRYRUN_OUTPUT_SHOWN_BYTES } from '../limits.js';
import type { DryRunRecord, FolderType } from './answerer.js';
import type { DecodedFields, HeaderFields } from './decode.js';

/**
 * The dry-run report for one message, built from what the engine traced
 * (recipes, conditions, assignments, notes) and what the dry-run answerer
 * recorded (every request and its answer), in the order they happened.
 *
 * JSON schema (`mailrules test --json`, one object per line; version 1).
 * Fields are only ever added, never renamed; `schema` changes if that rule
 * ever has to break.
 *
 *   schema        1
 *   message       the message's name: its path, `path#N` for the Nth message of an mbox, `-` for stdin
 *   size          bytes
 *   subject       the first Subject: header's value (raw, unfolded), or null
 *   subjectDecoded (added; --json only, as are the four below) the subject
 *                 as a person reads it — RFC 2047 encoded words and charsets
 *                 (ISO-2022-JP, Big5, windows-1252…) decoded by mailparser;
 *                 present only when it differs from `subject`. The rc's
 *                 regexes never see it: they match the raw `subject` bytes,
 *                 exactly as procmail does. Raw strings hold one char per
 *                 byte (latin1), so raw UTF-8 reads as mojibake there.
 *   from, to      (added) the first From: / To: field's value (raw, unfolded), or null
 *   fromDecoded, toDecoded  (added) like subjectDecoded, for From: and To:
 *                 (mailparser's address form `"Name" <addr>`; comments dropped)
 *   destination   where the message ended up, the string --expect compares:
 *                 folders as the rc named them (several with ` ` between them,
 *                 as on the action line), `! addr…` for a forward, `| command`
 *                 for a pipe; the extension actions (extActions[]) as
 *                 `@discard`, `@bounce → addr` / `@reply → addr` for a notice
 *                 that would be sent, `@bounce refused (reason)` /
 *                 `@reply refused (reason)` for one that refuses (and still
 *                 counts as handled), `@reject` for an @reject (earlier
 *                 reports said `reject`, and `nothing` for @discard and the
 *                 notices); everything that handled the message in order,
 *                 `c` copies and the final one joined by ` + `
 *                 (`@reply → a@b + quarantine/`); `bounce` / `requeue` when
 *                 nothing could be delivered, `nothing` when nothing was
 *                 delivered nor handled (HOST mismatch)
 *   fellThrough   true when the message fell off the end of the rc (DEFAULT/ORGMAIL delivery)
 *   disposition   Outcome.disposition: delivered | bounced | requeued | host-mismatch | rejected | exitcode
 *   exitCode      what the delivery agent would return to the MTA (sysexits)
 *   lastFolder    LASTFOLDER at the end, or null
 *   recipe        `file:line` of the recipe that made the last delivery or
 *                 extension action (an @reject's, a final @discard's…), or null
 *   assumed       true when any program answer was assumed (--no-exec) or given (--answers)
 *   deliveries[]  { kind: folder|pipe|forward, target, at, ok, copy, fallback,
 *                   folders?: [{ folder, type: mbox|maildir|mh|directory|null, stored }],
 *                   command?, to? }
 *   extActions[]  (added) the `@` actions taken, in order:
 *                 { at, verb: discard|reject|bounce|reply,
 *                   result: discarded|rejected|would-send|refused|failed,
 *                   handled, copy, target, after, to?, reason?, text? }
 *                 handled: it counts as the message's handling (ends processing
 *                 unless `c`); every result but `failed` (a send that failed or
 *                 a reply cache that could not be read: the message goes on to
 *                 later recipes). copy: processing went on after it. target: its
 *                 part of `destination`. after: how many deliveries[] came
 *                 before it (merges the two lists in order). to: a notice's
 *                 recipient; reason: why a notice was refused or failed; text:
 *                 an @reject's text. A dry run sends nothing: `would-send`.
 *   recipes[]     in the order reached: { at, file, line, flags, ran, why, depth, score,
 *                   conditions: [{ at, text, expanded?, held, skipped?, matched?, match?,
 *                                  added?, total?, exitCode? }] }
 *   assignments[] { at, name, value }   (value null for an unset)
 *   programs[]    `?` conditions, filters, captures:
 *                 { at, kind: condition|filter|capture, command, exitCode, source: ran|answers-file|assumed,
 *                   output?, stderr? }   (output/stderr cut at 2,048 bytes)
 *   notWritten[]  what was deliberately not done: { at, kind: log|open-log|lock|send|trap|pipe|forward, text }
 *   log           the text that would have gone to LOGFILE (or stderr)
 *   notes[]       { at, text }: include/switch, HOST mismatch, limits, extension
 *                 actions (`would discard (@discard)`, `would send @bounce to
 *                 a@b [not sent]`, `would reject (@reject): text`, `Not sending
 *                 @reply: why`)
 *
 * `at` is always `file:line` (null when no rc line is responsible).
 */

export interface FolderJson {
  readonly folder: string;
  readonly type: FolderType;
  readonly stored: string;
}

export interface DeliveryJson {
  readonly kind: 'folder' | 'pipe' | 'forward';
  readonly target: string;
  readonly at: string | null;
  readonly ok: boolean;
  /** Processing went on after it (a `c` copy, or a later delivery followed). */
  readonly copy: boolean;
  readonly fallback: boolean;
  readonly folders?: readonly FolderJson[];
}

export type ExtVerb = 'discard' | 'reject' | 'bounce' | 'reply';
export type ExtActionResult = 'discarded' | 'rejected' | 'would-send' | 'refused' | 'failed';

export interface ExtActionJson {
  readonly at: string | null;
  readonly verb: ExtVerb;
  readonly result: ExtActionResult;
  readonly handled: boolean;
  readonly copy: boolean;
  readonly target: string;
  readonly after: number;
  readonly to?: string;
  readonly reason?: string;
  readonly text?: string;
}

export interface ConditionJson {
  readonly at: string;
  readonly text: string;
  readonly expanded?: string;
  readonly held: boolean;
  readonly skipped?: boolean;
  readonly matched?: string;
  readonly match?: string;
  readonly added?: number;
  readonly total?: number;
  readonly exitCode?: number | null;
}

export interface RecipeJson {
  readonly at: string;
  readonly file: string;
  readonly line: number;
  readonly flags: string;
  readonly ran: boolean;
  readonly why: string;
  readonly depth: number;
  readonly score: number;
  readonly conditions: readonly ConditionJson[];
}

export interface ProgramJson {
  readonly at: string | null;
  readonly kind: 'condition' | 'filter' | 'capture';
  readonly command: string;
  readonly exitCode: number | null;
  readonly source: 'ran' | 'answers-file' | 'assumed';
  readonly output?: string;
  readonly stderr?: string;
}

export interface NotWrittenJson {
  readonly at: string | null;
  readonly kind: 'log' | 'open-log' | 'lock' | 'send' | 'trap' | 'pipe' | 'forward';
  readonly text: string;
}

export interface MessageReport {
  readonly schema: 1;
  readonly message: string;
  readonly size: number;
  readonly subject: string | null;
  /** --json/--trace only (withHeaderFields): the decoded texts where they differ from the raw ones. */
  readonly subjectDecoded?: string;
  readonly from?: string | null;
  readonly fromDecoded?: string;
  readonly to?: string | null;
  readonly toDecoded?: string;
  readonly destination: string;
  readonly fellThrough: boolean;
  readonly disposition: Outcome['disposition'];
  readonly exitCode: number;
  readonly lastFolder: string | null;
  readonly recipe: string | null;
  readonly assumed: boolean;
  readonly deliveries: readonly DeliveryJson[];
  readonly extActions: readonly ExtActionJson[];
  readonly recipes: readonly RecipeJson[];
  readonly assignments: readonly { at: string | null; name: string; value: string | null }[];
  readonly programs: readonly ProgramJson[];
  readonly notWritten: readonly NotWrittenJson[];
  readonly log: string;
  readonly notes: readonly { at: string | null; text: string }[];
}

/** One entry of a message's timeline: an engine trace event or an answered request. */
export type TimelineEntry = TraceEvent | DryRunRecord;

export function at(span: Span | null | undefined): string | null {
  if (span === null || span === undefined) return null;
  // The same rc spans come back for every message of a replay: reuse one
  // string each, which also makes the Summary's map lookups cheap.
  let s = atCache.get(span);
  if (s === undefined) {
    s = `${span.file}:${span.line}`;
    atCache.set(span, s);
  }
  return s;
}

const atCache = new WeakMap<Span, string>();

function cut(b: Buffer | string): string {
  const s = typeof b === 'string' ? b : b.toString('latin1');
  return s.length > DRYRUN_OUTPUT_SHOWN_BYTES ? `${s.slice(0, DRYRUN_OUTPUT_SHOWN_BYTES)}…[${s.length - DRYRUN_OUTPUT_SHOWN_BYTES} more bytes]` : s;
}

/** The first Subject: field of the header, unfolded (display only). */
export function subjectOf(message: Buffer): string | null {
  const end = headerEnd(message);
  const head = message.toString('latin1', 0, end);
  const m = /(?:^|\n)subject:[ \t]*((?:[^\n]*)(?:\n[ \t][^\n]*)*)/i.exec(head);
  if (!m) return null;
  return m[1]!.replace(/\r?\n[ \t]+/g, ' ').replace(/\r$/, '').trim();
}

const LF_LF = Buffer.from('\n\n', 'latin1');
const LF_CRLF = Buffer.from('\n\r\n', 'latin1');

function headerEnd(message: Buffer): number {
  const a = message.indexOf(LF_LF);
  const limit = a < 0 ? message.length : a;
  // Most headers have no CR at all: one byte search settles it.
  const cr = message.indexOf(13);
  if (cr < 0 || cr >= limit) return limit;
  // A CRLF message's blank line can come first; only one wholly inside the LF header counts.
  const b = message.indexOf(LF_CRLF);
  return b >= 0 && b + LF_CRLF.length <= limit ? b : limit;
}

function deliveryOf(rec: DryRunRecord): DeliveryJson | null {
  const req = rec.request;
  const base = { at: at(req.origin.span), copy: false };
  switch (req.kind) {
    case 'deliver': {
      const ok = rec.answer.kind === 'delivered' && rec.answer.ok;
      const folders = (rec.folders ?? []).map((f) => ({ folder: f.folder, type: f.type, stored: f.stored }));
      return { kind: 'folder', target: req.folders.join(' '), ok, fallback: req.fallback, folders, ...base };
    }
    case 'pipe':
      return { kind: 'pipe', target: `| ${req.command.text.trim()}`, ok: programOk(rec, req.wait !== null), fallback: false, ...base };
    case 'forward':
      return { kind: 'forward', target: `! ${forwardAddresses(req.argv, req.vars).join(' ')}`, ok: programOk(rec, req.wait !== null), fallback: false, ...base };
    default:
      return null;
  }
}

function programOk(rec: DryRunRecord, waited: boolean): boolean {
  if (!waited) return true;
  return rec.answer.kind === 'program' && rec.answer.exitCode === 0;
}

/** The addresses of a forward: argv is "$SENDMAIL" $SENDMAILFLAGS addresses… */
function forwardAddresses(argv: readonly string[], vars: Request['vars']): string[] {
  const flags = (vars.SENDMAILFLAGS ?? '').split(/[ \t\n]+/).filter((f) => f !== '');
  return argv.slice(1 + flags.length);
}

function conditionJson(c: ConditionResult): ConditionJson {
  // The common shapes as literals (one hidden class each, no property-by-property growth).
  if (c.expanded === undefined && c.added === undefined && c.total === undefined && c.exitCode === undefined && c.match === undefined) {
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
  return o as unknown as ConditionJson;
}

/**
 * An extension action's outcome, read from the lines src/ext/engine.ts's
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

/** An extension action's part of `destination`; `short` leaves out the reason (--expect may). */
function extTarget(x: ExtNote, short: boolean): string {
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

/**
 * Walks the timeline's notes and picks out the extension actions' ones:
 * calls `f` with each note and its ExtNote (null for other notes, and for
 * the engine's second copy of an @reject's line, which is dropped).
 */
function eachNote(timeline: readonly TimelineEntry[], f: (e: TimelineEntry & { kind: 'note' }, x: ExtNote | null, dup: boolean) => void): void {
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
      f(e, x, dup);
      prev = { at: where, text: e.text };
    }
  }
}

/** Builds the report of one message. */
export function buildReport(id: string, message: Buffer, timeline: readonly TimelineEntry[], outcome: Outcome): MessageReport {
  const deliveries: DeliveryJson[] = [];
  const recipes: RecipeJson[] = [];
  const assignments: { at: string | null; name: string; value: string | null }[] = [];
  const programs: ProgramJson[] = [];
  const notWritten: NotWrittenJson[] = [];
  const notes: { at: string | null; text: string }[] = [];
  const exts: (ExtNote & { at: string | null; after: number })[] = [];
  /** Deliveries and extension actions in the order they happened: [list, index]. */
  const order: ['d' | 'x', number][] = [];
  let log = '';
  let assumed = false;
  const noteInfo = new Map<TimelineEntry, { x: ExtNote | null; dup: boolean }>();
  eachNote(timeline, (e, x, dup) => noteInfo.set(e, { x, dup }));
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
        const req = e.request;
        const d = deliveryOf(e);
        if (d !== null) {
          order.push(['d', deliveries.length]);
          deliveries.push(d);
        }
        if (req.kind === 'run-condition' || req.kind === 'filter' || req.kind === 'capture') {
          const a = e.answer.kind === 'program' ? e.answer : null;
          if (e.source !== 'ran') assumed = true;
          const p: Record<string, unknown> = {
            at: at(req.kind === 'run-condition' ? e.conditionSpan ?? req.origin.span : req.origin.span),
            kind: req.kind === 'run-condition' ? 'condition' : req.kind,
            command: req.command.text.trim(),
            exitCode: a?.exitCode ?? null,
            source: e.source === 'ran' || e.source === 'answers-file' ? e.source : 'assumed',
          };
          if (a !== null && a.output.length > 0 && req.kind !== 'run-condition') p.output = cut(a.output);
          if (e.stderr !== undefined) p.stderr = cut(e.stderr);
          programs.push(p as unknown as ProgramJson);
        }
        const where = at(req.origin.span);
        switch (req.kind) {
          case 'log':
            log += req.text;
            break;
          case 'open-log':
            notWritten.push({ at: where, kind: 'open-log', text: `LOGFILE ${req.path === '' ? '/dev/null' : req.path}` });
            break;
          case 'global-lock':
            if (req.acquire !== null) notWritten.push({ at: where, kind: 'lock', text: `LOCKFILE ${req.acquire}` });
            break;
          case 'send':
            notWritten.push({ at: where, kind: 'send', text: `${req.what} to ${req.to}` });
            break;
          case 'trap':
            notWritten.push({ at: where, kind: 'trap', text: `TRAP ${req.command.text.trim()}` });
            break;
          case 'pipe':
            notWritten.push({ at: where, kind: 'pipe', text: `| ${req.command.text.trim()}` });
            break;
          case 'forward':
            notWritten.push({ at: where, kind: 'forward', text: req.argv.join(' ') });
            break;
          case 'chdir':
            if (e.answer.kind === 'ack' && !e.answer.ok && e.answer.error !== undefined) log += e.answer.error;
            break;
          default:
            break;
        }
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

function extActionJson(x: ExtNote & { at: string | null; after: number }, handled: boolean, copy: boolean): ExtActionJson {
  const o: Record<string, unknown> = { at: x.at, verb: x.verb, result: x.result, handled, copy, target: extTarget(x, false), after: x.after };
  if (x.to !== undefined) o.to = x.to;
  if (x.reason !== undefined) o.reason = x.reason;
  if (x.text !== undefined) o.text = x.text;
  return o as unknown as ExtActionJson;
}

/** `targets`: what handled the message, in order (deliveries that worked, extension actions but failed ones). */
function destinationOf(targets: readonly string[], outcome: Outcome): string {
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

/**
 * The report with the From/To fields and the decoded texts (--json and
 * --trace; the short form and replays never pay for them). Keys keep the
 * schema's order: each decoded text follows its raw one.
 */
export function withHeaderFields(r: MessageReport, raw: HeaderFields, decoded: DecodedFields): MessageReport {
  // One literal in schema order: one hidden class, cheap to stringify
  // (an undefined decoded text is left out of the JSON).
  return {
    schema: r.schema,
    message: r.message,
    size: r.size,
    subject: r.subject,
    subjectDecoded: decoded.subject,
    from: raw.from,
    fromDecoded: decoded.from,
    to: raw.to,
    toDecoded: decoded.to,
    destination: r.destination,
    fellThrough: r.fellThrough,
    disposition: r.disposition,
    exitCode: r.exitCode,
    lastFolder: r.lastFolder,
    recipe: r.recipe,
    assumed: r.assumed,
    deliveries: r.deliveries,
    extActions: r.extActions,
    recipes: r.recipes,
    assignments: r.assignments,
    programs: r.programs,
    notWritten: r.notWritten,
    log: r.log,
    notes: r.notes,
  };
}

/** The JSON Lines form: one line, stable key order. */
export function renderJson(r: MessageReport): string {
  return `${JSON.stringify(r)}\n`;
}

const TYPE_LABEL: Record<FolderType, string> = { mbox: 'mbox', maildir: 'maildir', mh: 'MH', directory: 'directory', null: 'discarded' };

function describeDelivery(d: DeliveryJson): string {
  if (d.kind !== 'folder') return d.kind === 'pipe' ? `${d.target} (pipe, not run)` : `${d.target} (forward, not sent)`;
  const types = [...new Set((d.folders ?? []).map((f) => TYPE_LABEL[f.type]))].join(', ');
  return types === '' ? d.target : `${d.target} (${types})`;
}

function describeExt(x: ExtActionJson): string {
  switch (x.result) {
    case 'discarded':
      return '@discard (nothing stored)';
    case 'rejected':
      return 'rejected (@reject)';
    case 'would-send':
      return `${x.target} (would be sent)`;
    default:
      return x.target;
  }
}

/** What handled the message, in order, for people: deliveries with folder types, extension actions. */
function handledText(r: MessageReport): string[] {
  const out: string[] = [];
  const exts = (r.extActions ?? []).filter((x) => x.handled);
  let k = 0;
  r.deliveries.forEach((d, i) => {
    for (; k < exts.length && exts[k]!.after <= i; k++) out.push(describeExt(exts[k]!));
    if (d.ok) out.push(describeDelivery(d));
  });
  for (; k < exts.length; k++) out.push(describeExt(exts[k]!));
  return out;
}

/** Where the message went, for people, without the exit code. */
function describeWhere(r: MessageReport): string {
  switch (r.disposition) {
    case 'bounced':
      return 'bounced: nothing could be delivered';
    case 'requeued':
      return 'requeued: nothing could be delivered';
    case 'host-mismatch':
      return 'nothing delivered (HOST mismatch)';
    case 'rejected': {
      const h = handledText(r);
      return h.some((t) => t.endsWith('(@reject)')) ? h.join(' + ') : [...h, 'rejected (@reject)'].join(' + ');
    }
    default: {
      const h = handledText(r);
      return h.length === 0 ? 'nothing delivered' : h.join(' + ');
    }
  }
}

/** A destination with folder types, for people; the exit code when it is not 0 (or EXITCODE decided it). */
export function describeDestination(r: MessageReport): string {
  const text = describeWhere(r);
  return r.exitCode !== 0 || r.disposition !== 'delivered' ? `${text}, exit ${r.exitCode}` : text;
}

/** The reason shown after the destination: the deciding recipe and its held conditions. */
function because(r: MessageReport): string {
  const assumed = r.assumed ? ' [assumed answers]' : '';
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

/** The default, short form: one line per message. */
export function renderShort(r: MessageReport): string {
  const why = because(r);
  return `${r.message} → ${describeDestination(r)}${why === '' ? '' : ` ${why}`}\n`;
}

function q(s: string): string {
  return JSON.stringify(s);
}

/**
 * --trace: every recipe reached, every condition with its outcome, the
 * assignments, programs and what was not done, then the result.
 */
export function renderTrace(r: MessageReport, timeline: readonly TimelineEntry[]): string {
  const out: string[] = [];
  out.push(`== ${r.message} (${r.size} bytes)`);
  headerLine(out, 'From', r.from, r.fromDecoded);
  headerLine(out, 'To', r.to, r.toDecoded);
  headerLine(out, 'Subject', r.subject, r.subjectDecoded);
  let width = 0;
  for (const e of timeline) width = Math.max(width, (at(spanOf(e)) ?? '-').length);
  const pad = (s: string | null): string => `${(s ?? '-').padEnd(width)}  `;
  // The engine reports a recipe after testing its conditions, so `?`
  // programs, backticks and MATCH assignments made while testing come
  // first: hold them and print them under their recipe.
  let held: TimelineEntry[] = [];
  let actionIndent = '';
  const print = (e: TimelineEntry, ind: string, where: string | null = at(spanOf(e))): void => {
    if (e.kind === 'assign') out.push(`  ${pad(where)}${ind}${e.value === null ? `unset ${e.name}` : `${e.name}=${e.value}`}`);
    else if (e.kind === 'answered') {
      const line = describeRecord(e);
      if (line !== null) out.push(`  ${pad(where)}${ind}${line}`);
    }
  };
  const flush = (): void => {
    for (const h of held) print(h, '');
    held = [];
  };
  const notes = new Map<TimelineEntry, { x: ExtNote | null; dup: boolean }>();
  eachNote(timeline, (e, x, dup) => notes.set(e, { x, dup }));
  for (const e of timeline) {
    if (e.kind === 'assign' || (e.kind === 'answered' && (e.request.kind === 'run-condition' || e.request.kind === 'capture' || e.request.kind === 'lookup'))) {
      held.push(e);
      continue;
    }
    if (e.kind === 'request') continue;
    // Log text (an unreadable list's error, VERBOSE lines) prints nothing
    // here: it must not push held condition entries above their recipe.
    if (e.kind === 'answered' && describeRecord(e) === null) continue;
    if (e.kind !== 'recipe') {
      flush();
      if (e.kind === 'note') {
        const line = noteLine(e.text, notes.get(e), r.exitCode);
        if (line !== null) out.push(`  ${pad(at(e.span))}${line.ext ? actionIndent : 'note: '}${line.text}`);
      } else print(e, actionIndent);
      continue;
    }
    const ind = '  '.repeat(e.depth);
    actionIndent = `${ind}  `;
    const mine = held.filter((h) => within(spanOf(h), e.span));
    held = held.filter((h) => !mine.includes(h));
    flush();
    const flags = e.flags === '' ? ':0' : `:0 ${e.flags}`;
    const scored = e.conditions.some((c) => c.added !== undefined);
    out.push(`  ${pad(at(e.span))}${ind}${flags}  ${e.ran ? 'RAN' : 'skipped'}: ${e.why}${scored ? ` (score ${e.score})` : ''}`);
    const { under, rest } = underConditions(e.conditions, mine);
    for (const c of e.conditions) {
      out.push(`  ${pad(at(c.span))}${ind}  * ${c.text}  → ${conditionOutcome(c)}`);
      // Shown at the condition's line: that is the line that made it.
      for (const h of under.get(c) ?? []) print(h, `${ind}    `, at(c.span));
    }
    for (const h of rest) print(h, `${ind}    `);
  }
  flush();
  if (r.log !== '') for (const l of r.log.replace(/\n$/, '').split('\n')) out.push(`  log: ${l}`);
  const by = r.fellThrough ? ' (fell off the end: DEFAULT)' : r.recipe !== null ? ` (by ${r.recipe})` : '';
  out.push(`  ⇒ ${describeWhere(r)}${by}; exit ${r.exitCode}${r.lastFolder !== null ? `; LASTFOLDER=${r.lastFolder}` : ''}${r.assumed ? ' [assumed answers]' : ''}`);
  return `${out.join('\n')}\n`;
}

/**
 * A header line under the `==` line: the decoded text for people, and then
 * the raw text, which is what the rc's regexes match (procmail.md §3.1).
 */
function headerLine(out: string[], name: string, raw: string | null | undefined, decoded: string | undefined): void {
  if (raw === null || raw === undefined) return;
  if (decoded === undefined) out.push(`   ${name}: ${raw}`);
  else out.push(`   ${name}: ${decoded}`, `   ${' '.repeat(name.length)}  [decoded; the rc's regexes match the raw text: ${raw}]`);
}

/**
 * A note's trace line. Extension actions print as actions of their recipe,
 * in "would" form; a notice's "sent" line is left out, since the send
 * request's own line already says `would send … [not sent]`.
 */
function noteLine(text: string, info: { x: ExtNote | null; dup: boolean } | undefined, exitCode: number): { ext: boolean; text: string } | null {
  const x = info?.x ?? null;
  if (info?.dup === true) return null;
  if (x === null) return { ext: false, text };
  switch (x.result) {
    case 'discarded':
      return { ext: true, text: 'would discard the message (@discard) [nothing stored]' };
    case 'rejected':
      return { ext: true, text: `would reject (@reject): exit ${exitCode}, stderr ${q(x.text ?? '')}` };
    case 'would-send':
      return null;
    default:
      return { ext: true, text };
  }
}

/**
 * Which held entries (programs, lookups, assignments made while testing)
 * belong under which condition line: those the engine files under the
 * condition's own span (a `?` program), and list lookups, which the engine
 * files under the recipe: each goes to the next evaluated `@sender`/
 * `@address` condition naming its list file. The rest print after the
 * conditions.
 */
function underConditions(
  conds: readonly ConditionResult[],
  mine: readonly TimelineEntry[],
): { under: Map<ConditionResult, TimelineEntry[]>; rest: TimelineEntry[] } {
  const under = new Map<ConditionResult, TimelineEntry[]>();
  const rest: TimelineEntry[] = [];
  let cursor = 0;
  for (const h of mine) {
    const sp = spanOf(h);
    let c = conds.find((x) => sp !== null && x.span.file === sp.file && x.span.start === sp.start);
    if (c === undefined && h.kind === 'answered' && h.request.kind === 'lookup') {
      const file = h.request.file;
      for (; cursor < conds.length; cursor++) {
        const x = conds[cursor]!;
        if (x.skipped !== true && namesList(x, file)) {
          c = x;
          cursor++;
          break;
        }
      }
    }
    if (c === undefined) rest.push(h);
    else {
      const list = under.get(c);
      if (list === undefined) under.set(c, [h]);
      else list.push(h);
    }
  }
  return { under, rest };
}

/** Whether a condition is an `@sender`/`@address … in FILE` that may have looked FILE up (`$` in the name: cannot tell, so yes). */
function namesList(c: ConditionResult, file: string): boolean {
  const m = /@(?:sender|address)\b.*?\bin[ \t]+(\S.*?)[ \t]*$/.exec(c.expanded ?? c.text);
  if (!m) return false;
  const w = m[1]!.replace(/^(["'])(.*)\1$/, '$2');
  return w === file || w.includes('$');
}

function spanOf(e: TimelineEntry): Span | null {
  switch (e.kind) {
    case 'assign':
    case 'recipe':
      return e.span;
    case 'note':
      return e.span;
    case 'request':
      return e.request.origin.span;
    case 'answered':
      return e.request.kind === 'run-condition' ? e.conditionSpan ?? e.request.origin.span : e.request.origin.span;
  }
}

function within(s: Span | null, outer: Span): boolean {
  return s !== null && s.file === outer.file && s.start >= outer.start && s.start < Math.max(outer.end, outer.start + 1);
}

function conditionOutcome(c: ConditionResult): string {
  if (c.skipped === true) return 'not evaluated';
  const parts: string[] = [];
  if (c.expanded !== undefined) parts.push(`expanded to ${q(c.expanded)}`);
  if (c.exitCode !== undefined) parts.push(`exit ${c.exitCode === null ? 'none' : c.exitCode}`);
  parts.push(c.held ? 'held' : 'failed');
  if (c.matched !== undefined) parts.push(`matched ${q(c.matched)}`);
  if (c.match !== undefined) parts.push(`MATCH=${q(c.match)}`);
  if (c.added !== undefined) parts.push(`score ${c.added >= 0 ? '+' : ''}${c.added} = ${c.total ?? ''}`);
  return parts.join(', ');
}

function describeRecord(e: DryRunRecord): string | null {
  const req = e.request;
  const tag = e.source === 'ran' ? 'ran' : e.source === 'answers-file' ? 'ASSUMED from --answers' : e.source === 'assumed' ? 'ASSUMED' : '';
  switch (req.kind) {
    case 'deliver': {
      const folders = (e.folders ?? []).map((f) => `${f.folder} (${TYPE_LABEL[f.type]}) → ${f.stored}`).join(', ');
      return `${req.fallback ? 'fall-back delivery to' : 'would deliver to'} ${folders} [not written]`;
    }
    case 'pipe':
      return `would pipe to | ${req.command.text.trim()} [not run]`;
    case 'forward':
      return `would forward: ${req.argv.join(' ')} [not sent]`;
    case 'trap':
      return `TRAP ${req.command.text.trim()} [not run]`;
    case 'send':
      return `would send a ${req.what} to ${req.to} [not sent]`;
    case 'run-condition':
    case 'filter':
    case 'capture': {
      const a = e.answer.kind === 'program' ? e.answer : null;
      // The condition line already shows a `?` program's exit status; say more only when there is more.
      if (req.kind === 'run-condition' && e.source === 'ran' && e.stderr === undefined) return null;
      const what = req.kind === 'run-condition' ? '? ' : req.kind === 'filter' ? 'filter | ' : req.form === 'backtick' ? '`' : 'capture | ';
      const close = req.kind === 'capture' && req.form === 'backtick' ? '`' : '';
      let s = `${what}${req.command.text.trim()}${close} → exit ${a?.exitCode ?? 'none'} (${tag})`;
      if (a !== null && a.output.length > 0 && req.kind !== 'run-condition') s += ` output ${q(cut(a.output))}`;
      if (e.stderr !== undefined) s += ` stderr ${q(cut(e.stderr))}`;
      return s;
    }
    case 'include':
      return `${req.mode === 'include' ? 'INCLUDERC' : 'SWITCHRC'} ${req.path}${e.answer.kind === 'include' && e.answer.text === null ? ' (could not read)' : ''}`;
    case 'chdir':
      return `chdir ${req.dir}${e.answer.kind === 'ack' && !e.answer.ok ? ' (no such directory)' : ''}`;
    case 'open-log':
      return `LOGFILE ${req.path === '' ? '/dev/null' : req.path} [not opened]`;
    case 'global-lock':
      return req.acquire !== null ? `LOCKFILE ${req.acquire} [not taken]` : null;
    case 'lookup': {
      const a = e.answer.kind === 'lookup' ? e.answer : null;
      const found = a?.matched != null ? `found (${a.entry})` : a?.error !== undefined ? `error: ${a.error}` : 'not found';
      return `lookup ${req.addresses.join(', ')} in ${req.file} → ${found}`;
    }
    case 'reply-cache': {
      const a = e.answer.kind === 'reply-cache' ? e.answer : null;
      return `reply cache ${req.file}: ${req.sender} ${a?.recent === true ? 'replied recently' : 'not replied recently'} [not updated]`;
    }
    case 'log':
    case 'umask':
      return null;
  }
}
