import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import { compileRc } from '../compile/compile.js';
import type { CompiledRc } from '../compile/compiled-rc.js';
import { formatDiagnostic } from '../source/diagnostic.js';
import { readRcText } from './rc-text.js';
import { EX_CONFIG, EX_NOINPUT, EX_OK, EX_SOFTWARE, EX_USAGE } from '../sysexits.js';
import { nodeDryRunFs, type DryRunFs } from '../dryrun/answerer.js';
import { parseAnswerBook, type AnswerBook } from '../dryrun/answers.js';
import { dryRunEnv, passwdUser, splitAssignments, type DryRunUser } from '../dryrun/env.js';
import { ExpectChecker, parseExpectFile } from '../dryrun/expect.js';
import { spawnProgramRunner, type ProgramRunner } from '../dryrun/programs.js';
import { Progress } from '../dryrun/progress.js';
import { decodeHeaderFields, libmimeHeaderParser, needsDecoding, type DecodedFields, type HeaderParser } from '../dryrun/decode.js';
import { describeDestination } from '../dryrun/describe.js';
import { rawHeaderFields, type HeaderFields } from '../dryrun/header-fields.js';
import { renderJson, withHeaderFields } from '../dryrun/render-json.js';
import { renderShort } from '../dryrun/render-short.js';
import { renderTrace } from '../dryrun/render-trace.js';
import type { MessageReport } from '../dryrun/report.js';
import type { MessageRun } from '../dryrun/session.js';
import { DRYRUN_DECODE_BATCH, DRYRUN_SCRATCH_DEPTH, DRYRUN_SCRATCH_FILE_BYTES, DRYRUN_SCRATCH_TOTAL_BYTES } from '../limits.js';
import { DryRunSession, type SessionConfig } from '../dryrun/session.js';
import { Scratch } from '../dryrun/scratch.js';
import { iconvDecode } from '../deliver/iconv-fallback.js';
import { publicSuffixLoader } from '../deliver/public-suffix-file.js';
import { nodeSourceFs, readSources, resolveInputs, type Source, type SourceFs, type SourceMessage } from '../dryrun/sources.js';
import { Summary } from '../dryrun/summary.js';

/**
 * `mailrules test RCFILE [VAR=value]... MESSAGE...` — the dry run.
 *
 * Options (commander passes them as `opts`):
 *   trace: boolean      --trace            every recipe and condition, assignments, programs
 *   json: boolean       --json             one JSON object per message (schema in src/dryrun/report.ts)
 *   exec: boolean       --no-exec          (exec=false) assume answers for `?`, `f`, backticks, `VAR=|`
 *   answers: string     --answers FILE     program answers as JSON (src/dryrun/answers.ts)
 *   expect: string      --expect FILE      regression test (src/dryrun/expect.ts); exit 1 on mismatch
 *   compare: string     --compare OLD.rc   list the messages whose fate differs under OLD.rc (exit 1 if any;
 *                                          with --trace, trace only those)
 *   changesOk: boolean  --changes-ok       with --compare, exit 0 even when fates change
 *   scratch: boolean    --scratch          run pipes and programs in a scratch copy of MAILDIR (src/dryrun/scratch.ts)
 *   oneMessage: boolean --one-message      each file is one message, as the MTA hands it over (no mbox splitting)
 * and procmail's own command line, so a message can be tried as the MTA
 * would hand it over:
 *   from: string        -f SENDER          make the From_ line as the delivery agent does
 *   arg: string[]       -a ARG             $1, $2, …
 *   berkeley, tempfail, preserve, filter   -Y, -t, -p, -m
 * (`noExec: true` is accepted as a synonym of `exec: false`.)
 *
 * Exit: 0 ok; 1 an expectation failed, or with --compare a fate changed;
 * 64 usage; 66 a message, rc or option file is missing. An rc with errors
 * is tested all the same, as delivery runs it (procmail skips what it
 * cannot read), with the diagnostics printed first. The exit code the
 * delivery agent would return for each message is in the report.
 *
 * Nothing is delivered, forwarded, piped, bounced, locked, logged or
 * cached: see src/dryrun/answerer.ts.
 *
 * --trace and --json show Subject/From/To decoded (src/dryrun/decode.ts).
 * The engine run stays synchronous; decoding is async, so those modes hold
 * up to DRYRUN_DECODE_BATCH messages while it runs and print them in order.
 * libmime is loaded only for a message whose fields need decoding, and
 * never in the default short mode.
 */
export interface TestOptions {
  readonly trace?: boolean;
  readonly json?: boolean;
  readonly exec?: boolean;
  readonly noExec?: boolean;
  readonly answers?: string;
  readonly expect?: string;
  readonly compare?: string;
  readonly scratch?: boolean;
  readonly oneMessage?: boolean;
  /** With --compare: exit 0 even when fates change. */
  readonly changesOk?: boolean;
  readonly from?: string;
  readonly arg?: readonly string[];
  readonly berkeley?: boolean;
  readonly tempfail?: boolean;
  readonly preserve?: boolean;
  readonly filter?: boolean;
}

export interface TestIo {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  readonly stderrIsTTY: boolean;
  /** Resolves --expect paths; the process's cwd in real runs. */
  readonly cwd: string;
  readonly readText: (path: string) => string;
  readonly readBytes: (path: string) => Buffer;
  readonly sourceFs: SourceFs;
  readonly dryFs: DryRunFs;
  readonly runner: ProgramRunner;
  readonly user: DryRunUser;
  readonly pid: number;
  /** A monotonic clock for the progress line (ms). */
  readonly now: () => number;
  /** The wall clock (ms since the epoch): the reply cache's freshness, the date of a -f From_ line. */
  readonly wallClock?: () => number;
  /** The environment -p keeps. */
  readonly inherited?: Readonly<Record<string, string | undefined>>;
  /** Decodes a header for --trace/--json (default: libmime, loaded on first use). */
  readonly headerParser?: HeaderParser;
}

export function defaultTestIo(): TestIo {
  const u = passwdUser();
  return {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    stderrIsTTY: process.stderr.isTTY === true,
    cwd: process.cwd(),
    readText: (p) => readFileSync(p, 'latin1'),
    readBytes: (p) => readFileSync(p),
    sourceFs: nodeSourceFs,
    dryFs: nodeDryRunFs,
    runner: spawnProgramRunner,
    user: { ...u, hostname: hostname(), tz: process.env.TZ },
    pid: process.pid,
    now: () => performance.now(),
    wallClock: () => Date.now(),
    inherited: process.env,
  };
}



/** The text of an --answers or --expect file, or null after saying on stderr that it cannot be read. */
function readOptionFile(io: TestIo, path: string, what: string): string | null {
  try {
    return io.readText(path);
  } catch {
    io.stderr(`mailrules test: cannot read ${what} file "${path}"\n`);
    return null;
  }
}
/** Many small writes cost more than the dry run itself; batch them. */
class BufferedOut {
  private parts: string[] = [];
  private size = 0;
  constructor(private readonly write: (s: string) => void) {}
  push(s: string): void {
    this.parts.push(s);
    this.size += s.length;
    if (this.size >= 65536) this.flush();
  }
  flush(): void {
    if (this.parts.length === 0) return;
    this.write(this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }
}

type Loaded = { ok: true; rc: CompiledRc } | { ok: false; code: number };

/**
 * Reads and compiles an rc, printing its diagnostics. Errors do not stop the
 * test: delivery runs such an rc too, skipping what procmail cannot read
 * (`Skipped`, `Missing action`…), and the test shows what it would do.
 */
function loadRc(path: string, io: TestIo): Loaded {
  const read = readRcText(path, io.readText);
  if (!read.ok) {
    io.stderr(`${formatDiagnostic(read.diagnostic)}\n`);
    return { ok: false, code: read.why === 'unreadable' ? EX_NOINPUT : EX_CONFIG };
  }
  const text = read.text;
  const compiled = compileRc(text, path);
  const errors = compiled.diagnostics.filter((d) => d.severity === 'error');
  for (const d of compiled.diagnostics) io.stderr(`${formatDiagnostic(d, text)}\n`);
  if (errors.length > 0) {
    io.stderr(`mailrules test: ${path} has ${errors.length} error${errors.length === 1 ? '' : 's'}; testing what delivery would do with it (procmail skips what it cannot read)\n`);
  }
  return { ok: true, rc: compiled };
}

export async function runTest(rcfile: string, inputs: readonly string[], opts: TestOptions, io: TestIo = defaultTestIo()): Promise<number> {
  try {
    return await runTestAsync(rcfile, inputs, opts, io);
  } catch (err) {
    io.stderr(`mailrules test: internal error: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    return EX_SOFTWARE;
  }
}

/** A message whose report waits for its header to be decoded (or for one before it). */
interface Pending {
  readonly msg: SourceMessage;
  readonly run: MessageRun;
  readonly raw: HeaderFields;
  readonly decoded: Promise<DecodedFields | { error: string }> | null;
}

async function runTestAsync(rcfile: string, inputs: readonly string[], opts: TestOptions, io: TestIo): Promise<number> {
  const { assignments, rest: messages } = splitAssignments(inputs);
  if (messages.length === 0) {
    io.stderr('mailrules test: no messages given (name files, mboxes, maildirs, MH folders, directories, globs, or - for stdin)\n');
    return EX_USAGE;
  }
  const exec = opts.exec !== false && opts.noExec !== true;

  const rc = loadRc(rcfile, io);
  if (!rc.ok) return rc.code;
  let old: CompiledRc | null = null;
  if (opts.compare !== undefined) {
    const o = loadRc(opts.compare, io);
    if (!o.ok) return o.code;
    old = o.rc;
  }

  let answers: AnswerBook | null = null;
  if (opts.answers !== undefined) {
    const text = readOptionFile(io, opts.answers, 'answers');
    if (text === null) return EX_NOINPUT;
    const base = dirname(resolve(io.cwd, opts.answers));
    const parsed = parseAnswerBook(text, (rel) => io.readBytes(resolve(base, rel)));
    if (!parsed.ok) {
      io.stderr(`mailrules test: ${opts.answers}: ${parsed.error}\n`);
      return EX_USAGE;
    }
    answers = parsed.book;
  }

  let checker: ExpectChecker | null = null;
  if (opts.expect !== undefined) {
    const text = readOptionFile(io, opts.expect, 'expect');
    if (text === null) return EX_NOINPUT;
    const parsed = parseExpectFile(text, opts.expect, io.cwd);
    if (!parsed.ok) {
      io.stderr(`mailrules test: ${parsed.error}\n`);
      return EX_USAGE;
    }
    checker = new ExpectChecker(parsed.expectations, io.cwd);
  }

  const resolved = resolveInputs(messages, io.sourceFs);
  if (resolved.missing.length > 0) {
    for (const m of resolved.missing) io.stderr(`mailrules test: no such message, mailbox or glob match: ${m}\n`);
    return EX_NOINPUT;
  }

  const filter = opts.filter === true;
  const env = dryRunEnv(io.user, { preserve: opts.preserve === true, filter, rcfile, ...(io.inherited !== undefined ? { inherited: io.inherited } : {}) });
  // A MAILDIR given on the command line is taken relative to where mailrules runs (procmail would take
  // it relative to $HOME, its first directory): it is where the dry run starts. The other assignments
  // act as procmail's do (DEFAULT, LOGFILE…), in order.
  const maildir = assignments.filter(([k]) => k === 'MAILDIR').pop()?.[1];
  if (maildir !== undefined) env.MAILDIR = maildir;
  const initialDir = resolve(io.cwd, env.MAILDIR ?? '.');
  const wallClock = io.wallClock ?? (() => Date.now());
  // --scratch: each rc gets its own copy, as each would have its own files in delivery.
  const scratches = opts.scratch === true ? [new Scratch(), new Scratch()] : [];
  const answererOpts = { exec, answers, runner: io.runner, fs: io.dryFs, now: wallClock, scratch: scratches[0] ?? null };
  const common = {
    env,
    assignments: assignments.filter(([k]) => k !== 'MAILDIR').map(([name, value]) => ({ name, value })),
    hostname: io.user.hostname,
    pid: io.pid,
    answerer: answererOpts,
    initialDir,
    args: opts.arg ?? [],
    berkeley: opts.berkeley === true,
    tempfail: opts.tempfail === true,
    filterMode: filter,
    argv0: rcfile,
    envelope: opts.from !== undefined ? { from: opts.from, invoker: io.user.logname, now: wallClock } : null,
    // The delivery agent's Public Suffix List (for `authenticated`), read once for all messages and both rcs.
    publicSuffixes: publicSuffixLoader({ readFileSync: (p) => io.readBytes(p) }),
    charsetFallback: iconvDecode,
  };
  try {
    return await runSessions(rcfile, opts, io, common, rc.rc, old, checker, resolved.sources, scratches[1] ?? null);
  } finally {
    const skipped = scratches.reduce((n, s) => n + s.skipped, 0);
    if (skipped > 0) io.stderr(`mailrules test: --scratch left ${skipped} file${skipped === 1 ? '' : 's'} out of its copies (each over ${DRYRUN_SCRATCH_FILE_BYTES} bytes, over ${DRYRUN_SCRATCH_TOTAL_BYTES} bytes in all, or deeper than ${DRYRUN_SCRATCH_DEPTH} directories)\n`);
    for (const s of scratches) s.dispose();
  }
}

async function runSessions(
  rcfile: string,
  opts: TestOptions,
  io: TestIo,
  common: Omit<SessionConfig, 'rc'>,
  rc: CompiledRc,
  old: CompiledRc | null,
  checker: ExpectChecker | null,
  sources: Source[],
  oldScratch: Scratch | null,
): Promise<number> {
  const session = new DryRunSession({ rc, ...common });
  const oldSession = old === null ? null : new DryRunSession({ rc: old, ...common, answerer: { ...common.answerer, scratch: oldScratch } });

  const out = new BufferedOut(io.stdout);
  const summary = new Summary();
  const progress = new Progress(io.stderr, io.stderrIsTTY, io.now);
  // With --expect or --compare the default output is the differences; --trace/--json still show every message.
  const quietByDefault = checker !== null || oldSession !== null;
  let differ = 0;
  let n = 0;
  const emit = (msg: SourceMessage, r: MessageReport, run: MessageRun): void => {
    // With --compare, a message is shown (traced) only when its fate changes.
    const before = oldSession === null ? null : oldSession.run(msg.id, msg.data).report;
    const changed = before !== null && !sameFate(before, r);
    if (opts.json === true) {
      if (oldSession === null) out.push(renderJson(r));
    } else if (opts.trace === true) {
      if (oldSession === null || changed) out.push(renderTrace(r, run.timeline));
    } else if (!quietByDefault) out.push(renderShort(r));
    if (checker !== null) {
      const res = checker.check(r);
      if (res !== 'ok' && res !== 'unlisted') {
        const e = res.expectation;
        out.push(`MISMATCH ${r.message} (${opts.expect}:${e.line})\n  expected: ${e.expected}\n  got:      ${r.destination}  [${describeDestination(r)}${r.recipe !== null ? `, by ${r.recipe}` : r.fellThrough ? ', fell off the end' : ''}]\n`);
      }
    }
    if (before !== null && changed) {
      differ++;
      if (opts.json === true) out.push(`${JSON.stringify({ schema: 1, message: r.message, old: fate(before), new: fate(r) })}\n`);
      else out.push(`${messageName(r)}: ${describeFate(before)} → ${describeFate(r)}\n`);
    }
  };
  // Only the modes that print a message's report show its header fields.
  const showHeaders = opts.trace === true || (opts.json === true && oldSession === null);
  const parser = io.headerParser ?? libmimeHeaderParser;
  let decodeError: string | null = null;
  let pending: Pending[] = [];
  const drain = async (): Promise<void> => {
    const batch = pending;
    pending = [];
    const results = await Promise.all(batch.map((p) => p.decoded));
    batch.forEach((p, i) => {
      const d = results[i] ?? {};
      if ('error' in d) {
        decodeError ??= d.error;
        emit(p.msg, withHeaderFields(p.run.report, p.raw, {}), p.run);
      } else emit(p.msg, withHeaderFields(p.run.report, p.raw, d), p.run);
    });
  };
  for (const msg of readSources(sources, io.sourceFs, { oneMessage: opts.oneMessage === true })) {
    const run = session.run(msg.id, msg.data);
    summary.add(run.report);
    if (!showHeaders) emit(msg, run.report, run);
    else {
      const raw = rawHeaderFields(msg.data, run.report.subject);
      // Plain ASCII fields read the same decoded: no libmime for them.
      const decoded = needsDecoding(raw) ? decodeHeaderFields(msg.data, raw, parser) : null;
      if (decoded === null && pending.length === 0) emit(msg, withHeaderFields(run.report, raw, {}), run);
      else {
        pending.push({ msg, run, raw, decoded });
        if (pending.length >= DRYRUN_DECODE_BATCH) await drain();
      }
    }
    progress.tick(++n);
  }
  await drain();
  if (decodeError !== null) io.stderr(`mailrules test: could not decode some headers (${decodeError}); they are shown raw\n`);
  progress.end();

  let code = EX_OK;
  if (opts.json !== true) {
    if (oldSession !== null) out.push(`-- ${differ} of ${n} message${n === 1 ? '' : 's'} would go elsewhere under ${rcfile} than under ${opts.compare}\n`);
    if (n > 1 && !quietByDefault) out.push(summary.render());
  }
  // A changed fate fails --compare, as a mismatch fails --expect, unless --changes-ok.
  if (oldSession !== null && differ > 0 && opts.changesOk !== true) code = 1;
  if (checker !== null) {
    const missing = checker.missing();
    for (const e of missing) out.push(`MISSING ${e.path} (${opts.expect}:${e.line}): listed, but no such message was tested\n`);
    const failed = checker.mismatches.length + missing.length;
    const tail = `${checker.matched} matched, ${checker.mismatches.length} mismatched, ${missing.length} missing${checker.unlisted > 0 ? `, ${checker.unlisted} not listed` : ''}`;
    if (failed > 0) {
      code = 1;
      io.stderr(`mailrules test: FAILED against ${opts.expect}: ${tail}\n`);
    } else if (opts.json !== true) out.push(`ok: ${tail}\n`);
  }
  out.flush();
  return code;
}

function fate(r: MessageReport): { destination: string; recipe: string | null; exitCode: number } {
  return { destination: r.destination, recipe: r.recipe, exitCode: r.exitCode };
}

function sameFate(a: MessageReport, b: MessageReport): boolean {
  return a.destination === b.destination && a.exitCode === b.exitCode;
}

/** A message as the short line names it (an mbox message with its subject). */
function messageName(r: MessageReport): string {
  return renderShort(r).split(' → ')[0]!;
}

function describeFate(r: MessageReport): string {
  const by = r.fellThrough ? ' (fell off the end)' : r.recipe !== null ? ` (${r.recipe})` : '';
  return `${describeDestination(r)}${by}`;
}
