import type { Outcome } from '../eval/outcome.js';
import type { ExtConditionDetail, TraceEvent } from '../eval/trace.js';
import type { Span } from '../source/span.js';
import type { DryRunRecord, FolderType } from './answerer.js';

/**
 * The dry-run report of one message: the model every output is made from.
 * build-report.ts fills it from what the engine traced (recipes,
 * conditions, assignments, notes) and what the dry-run answerer recorded
 * (every request and its answer), in the order they happened. The short
 * line (render-short.ts), the summary and --expect read it; --trace
 * (render-trace.ts) also walks the timeline itself; --json
 * (render-json.ts) prints it as it is, so these types are the JSON schema,
 * documented here beside them.
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
 *                 (ISO-2022-JP, Big5, windows-1252…) decoded by libmime;
 *                 present only when it differs from `subject`. The rc's
 *                 regexes never see it: they match the raw `subject` bytes,
 *                 exactly as procmail does. Raw strings hold one char per
 *                 byte (latin1), so raw UTF-8 reads as mojibake there.
 *   from, to      (added) the first From: / To: field's value (raw, unfolded), or null
 *   fromDecoded, toDecoded  (added) like subjectDecoded, for From: and To:
 *                 (the address form `"Name" <addr>`; comments dropped)
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
 *   assumed       true when the outcome rests on a program answer the dry run assumed:
 *                 a waited (`w`/`W`) delivering pipe it did not run, a `?` condition,
 *                 filter, backtick or TRAP under --no-exec (answers given with
 *                 --answers are not assumptions; `assumptions[]` lists both)
 *   assumptions[] (added) every program answer that was not observed, in order:
 *                 { at, kind: pipe|forward|condition|filter|capture|trap, command,
 *                   exitCode, source: assumed|answers-file }
 *   otherwise     (added) present when the outcome rests on an assumed program
 *                 answer: where the message would go with the other answer to
 *                 the first one: { at, assumed: "exit 0", other: "exit 1",
 *                 destination, exitCode, recipe }
 *   deliveries[]  { kind: folder|pipe|forward, target, at, ok, copy, fallback,
 *                   folders?: [{ folder, type: mbox|maildir|mh|directory|null, stored,
 *                                file (stored as an absolute path),
 *                                written? (false: skipped, or the write would fail) }],
 *                   assumed? (true: a pipe or forward whose success rests on an
 *                   assumed exit status), argv? (a forward's "$SENDMAIL" … argv) }
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
  /** `stored` as an absolute path: the file delivery would write. */
  readonly file: string;
  /** Present (false) when nothing would be written there: skipped, or the write would fail. */
  readonly written?: false;
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
  /** A pipe or forward whose success rests on an exit status the dry run assumed. */
  readonly assumed?: true;
  /** A forward's full argv: "$SENDMAIL" $SENDMAILFLAGS addresses… */
  readonly argv?: readonly string[];
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
  /** What an extension condition looked at: decoded text, the trusted Authentication-Results, why a listed sender did not count. */
  readonly ext?: ExtConditionDetail;
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

export interface AssumptionJson {
  readonly at: string | null;
  readonly kind: 'pipe' | 'forward' | 'condition' | 'filter' | 'capture' | 'trap';
  readonly command: string;
  readonly exitCode: number | null;
  readonly source: 'assumed' | 'answers-file';
}

export interface OtherwiseJson {
  readonly at: string | null;
  /** The answer assumed (`exit 0`, `exit 1`, `its input not read`)… */
  readonly assumed: string;
  /** …and the other one explored. */
  readonly other: string;
  readonly destination: string;
  readonly exitCode: number;
  readonly recipe: string | null;
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
  readonly assumptions: readonly AssumptionJson[];
  readonly otherwise?: OtherwiseJson;
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

/**
 * `at` in the report: the `file:line` of the rc line responsible, or null
 * when none is.
 */
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
