import type { ConditionResult } from '../eval/trace.js';
import type { Span } from '../source/span.js';
import type { DryRunRecord } from './answerer.js';
import { assumptionFlag, describeWhere, folderTypeLabel } from './describe.js';
import { decodedForPeople, extDetailLines } from './ext-detail.js';
import { noteInfos, type NoteInfo } from './ext-notes.js';
import { notWrittenOf, programOf } from './record-json.js';
import { DRYRUN_TRACE_SHOWN_BYTES } from '../limits.js';
import { at, type MessageReport, type ProgramJson, type TimelineEntry } from './report.js';

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
    // An INCLUDERC/SWITCHRC shows once, as the include it makes (describeRecord).
    if (e.kind === 'assign' && e.value !== null && e.value !== '' && (e.name === 'INCLUDERC' || e.name === 'SWITCHRC')) return;
    if (e.kind === 'assign') out.push(`  ${pad(where)}${ind}${e.value === null ? `unset ${e.name}` : `${e.name}=${e.value}`}`);
    else if (e.kind === 'answered') {
      const line = describeRecord(e);
      if (line !== null) out.push(`  ${pad(where)}${ind}${line}`);
      for (const n of e.notes ?? []) out.push(`  ${pad(where)}${ind}  note: ${n}`);
    }
  };
  const flush = (): void => {
    for (const h of held) print(h, '');
    held = [];
  };
  const notes = noteInfos(timeline);
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
        if (INCLUDE_NOTE.test(e.text)) continue;
        const line = noteLine(e.text, notes.get(e), r.exitCode);
        if (line !== null) out.push(`  ${pad(at(e.span))}${line.ext ? actionIndent : 'note: '}${line.text}`);
      } else print(e, e.kind === 'answered' && (e.request.kind === 'include' || e.request.kind === 'chdir') ? '' : actionIndent);
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
      out.push(`  ${pad(at(c.span))}${ind}  * ${decodedForPeople(c, c.text)}  → ${conditionOutcome(c)}`);
      // Shown at the condition's line: that is the line that made it.
      for (const h of under.get(c) ?? []) print(h, `${ind}    `, at(c.span));
      for (const l of extDetailLines(c)) out.push(`  ${pad(at(c.span))}${ind}    ${l}`);
    }
    for (const h of rest) print(h, `${ind}    `);
  }
  flush();
  if (r.log !== '') for (const l of r.log.replace(/\n$/, '').split('\n')) out.push(`  log: ${l}`);
  const by = r.fellThrough ? ' (fell off the end: DEFAULT)' : r.recipe !== null ? ` (by ${r.recipe})` : '';
  out.push(`  ⇒ ${describeWhere(r)}${by}; exit ${r.exitCode}${r.lastFolder !== null ? `; LASTFOLDER=${r.lastFolder}` : ''}${assumptionFlag(r)}`);
  return `${out.join('\n')}\n`;
}

/**
 * A header line under the `==` line: the decoded text for people, and then
 * the raw text, which is what the rc's regexes match (docs/procmail-semantics.md §3.1).
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
function noteLine(text: string, info: NoteInfo | undefined, exitCode: number): { ext: boolean; text: string } | null {
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
  if (c.matched !== undefined) parts.push(`matched ${q(decodedForPeople(c, c.matched))}`);
  if (c.match !== undefined) parts.push(`MATCH=${q(decodedForPeople(c, c.match))}`);
  if (c.added !== undefined) parts.push(`score ${c.added >= 0 ? '+' : ''}${c.added} = ${c.total ?? ''}`);
  return parts.join(', ');
}

/** An answered request's trace line, the same values the JSON report has (record-json.ts) in words; null: nothing to show. */
function describeRecord(e: DryRunRecord): string | null {
  const req = e.request;
  switch (req.kind) {
    case 'deliver': {
      const ok = e.answer.kind === 'delivered' && e.answer.ok;
      const folders = (e.folders ?? []).map((f) => `${f.folder} (${folderTypeLabel(f.type)}) → ${f.stored}${f.written ? '' : ' (not written)'}`).join(', ');
      const why = e.logged === undefined ? '' : `: ${e.logged.replace(/\n$/, '').split('\n').map((l) => l.replace(/^procmail: /, '')).join('; ')}`;
      if (!ok) return `${req.fallback ? 'fall-back delivery to' : 'delivery to'} ${folders} would fail${why}`;
      return `${req.fallback ? 'fall-back delivery to' : 'would deliver to'} ${folders} [not written]${why === '' ? '' : ` (${why.slice(2)})`}`;
    }
    case 'pipe':
      if (e.source === 'ran') return `${notWritten(e)} → exit ${e.answer.kind === 'program' ? (e.answer.exitCode ?? 'none') : '?'} (ran in the scratch copy)`;
      return `would pipe to ${notWritten(e)} [not run]${e.source === 'assumed' || e.source === 'answers-file' ? ` → exit ${e.answer.kind === 'program' ? e.answer.exitCode : '?'} (${SOURCE_TAG[e.source]})` : ''}`;
    case 'forward':
      return `would forward: ${notWritten(e)} [not sent]`;
    case 'trap':
      return `${notWritten(e)} [not run]`;
    case 'send':
      return `would send a ${notWritten(e)} [not sent]`;
    case 'open-log':
      return `${notWritten(e)} [not opened]`;
    case 'global-lock':
      return req.acquire !== null ? `${notWritten(e)} [not taken]` : null;
    case 'run-condition':
    case 'filter':
    case 'capture': {
      // The condition line already shows a `?` program's exit status; say more only when there is more.
      if (req.kind === 'run-condition' && e.source === 'ran' && e.stderr === undefined) return null;
      const p = programOf(e)!;
      const what = req.kind === 'run-condition' ? '? ' : req.kind === 'filter' ? 'filter | ' : req.form === 'backtick' ? '`' : 'capture | ';
      const close = req.kind === 'capture' && req.form === 'backtick' ? '`' : '';
      let s = `${what}${p.command}${close} → exit ${p.exitCode ?? 'none'} (${SOURCE_TAG[p.source]})`;
      if (e.answer.kind === 'program' && e.answer.output.length > 0 && req.kind !== 'run-condition') s += ` output ${shownText(e.answer.output.toString('latin1'))}`;
      if (e.stderr !== undefined) s += ` stderr ${shownText(e.stderr)}`;
      return s;
    }
    case 'include':
      return `${req.mode === 'include' ? 'INCLUDERC' : 'SWITCHRC'} ${req.path}${e.answer.kind === 'include' && e.answer.text === null ? ' (could not read)' : ''}`;
    case 'chdir':
      return `chdir ${req.dir}${e.answer.kind === 'ack' && !e.answer.ok ? ' (no such directory)' : ''}`;
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
    case 'comsat':
      return null;
  }
}

/** Texts from the message or a program, quoted as JSON strings so blanks, quotes and control bytes stay visible. */
function q(s: string): string {
  return JSON.stringify(s);
}

/** A program's output or stderr in a trace line: quoted, and when long cut, with its whole size said. */
function shownText(s: string): string {
  if (s.length <= DRYRUN_TRACE_SHOWN_BYTES) return q(s);
  return `(${s.length} bytes, the first ${DRYRUN_TRACE_SHOWN_BYTES} shown) ${q(s.slice(0, DRYRUN_TRACE_SHOWN_BYTES))}…`;
}

/** The engine's note for an include (src/eval/rcfiles.ts): the include's own line says it. */
const INCLUDE_NOTE = /^(?:INCLUDERC|SWITCHRC) "/;

/** The JSON report's notWritten text of a request the trace words as "would …". */
function notWritten(e: DryRunRecord): string {
  return notWrittenOf(e)?.text ?? '';
}

/** Where a program's answer came from, as the trace says it. */
const SOURCE_TAG: Record<ProgramJson['source'], string> = { ran: 'ran', 'answers-file': 'ASSUMED from --answers', assumed: 'ASSUMED' };
