import { readFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { dirname, resolve } from 'node:path';
import { compileRc } from '../compile/compile.js';
import type { Program } from '../compile/program.js';
import { formatDiagnostic } from '../source/diagnostic.js';
import { readRcText } from './rc-text.js';
import { EX_CONFIG, EX_NOINPUT, EX_OK, EX_SOFTWARE, EX_USAGE } from '../sysexits.js';
import { nodeDryRunFs, type DryRunFs } from '../dryrun/answerer.js';
import { parseAnswerBook, type AnswerBook } from '../dryrun/answers.js';
import { dryRunEnv, splitAssignments, type DryRunUser } from '../dryrun/env.js';
import { ExpectChecker, parseExpectFile } from '../dryrun/expect.js';
import { spawnProgramRunner, type ProgramRunner } from '../dryrun/programs.js';
import { Progress } from '../dryrun/progress.js';
import { decodeHeaderFields, mailparserHeaderParser, needsDecoding, type DecodedFields, type HeaderParser } from '../dryrun/decode.js';
import { describeDestination } from '../dryrun/describe.js';
import { rawHeaderFields, type HeaderFields } from '../dryrun/header-fields.js';
import { renderJson, withHeaderFields } from '../dryrun/render-json.js';
import { renderShort } from '../dryrun/render-short.js';
import { renderTrace } from '../dryrun/render-trace.js';
import type { MessageReport } from '../dryrun/report.js';
import type { MessageRun } from '../dryrun/session.js';
import { DRYRUN_DECODE_BATCH } from '../limits.js';
import { DryRunSession } from '../dryrun/session.js';
import { publicSuffixLoader } from '../ext/public-suffix-file.js';
import { nodeSourceFs, readSources, resolveInputs, type SourceFs, type SourceMessage } from '../dryrun/sources.js';
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
 *   compare: string     --compare OLD.rc   list the messages whose fate differs under OLD.rc
 * (`noExec: true` is accepted as a synonym of `exec: false`.)
 *
 * Exit: 0 ok; 1 an expectation failed; 64 usage; 66 a message, rc or
 * option file is missing; 78 the rc (or OLD.rc) has errors. The exit code
 * the delivery agent would return for each message is in the report.
 *
 * Nothing is delivered, forwarded, piped, bounced, locked, logged or
 * cached: see src/dryrun/answerer.ts.
 *
 * --trace and --json show Subject/From/To decoded (src/dryrun/decode.ts).
 * The engine run stays synchronous; decoding is async, so those modes hold
 * up to DRYRUN_DECODE_BATCH messages while it runs and print them in order.
 * mailparser is loaded only for a message whose fields need decoding, and
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
  readonly now: () => number;
  /** Decodes a header for --trace/--json (default: mailparser, loaded on first use). */
  readonly headerParser?: HeaderParser;
}

export function defaultTestIo(): TestIo {
  const u = safeUserInfo();
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
  };
}

function safeUserInfo(): { logname: string; home: string; shell: string } {
  try {
    const u = userInfo();
    return { logname: u.username, home: u.homedir, shell: u.shell ?? '/bin/sh' };
  } catch {
    // procmail's fallback for a uid without a passwd entry (procmail.md §5.1).
    return { logname: `#${process.getuid?.() ?? 0}`, home: '/', shell: '/bin/sh' };
  }
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

type Loaded = { ok: true; program: Program } | { ok: false; code: number };

function loadRc(path: string, io: TestIo): Loaded {
  const read = readRcText(path, io.readText);
  if (!read.ok) {
    io.stderr(`${formatDiagnostic(read.diagnostic)}\n`);
    return { ok: false, code: read.why === 'unreadable' ? EX_NOINPUT : EX_CONFIG };
  }
  const text = read.text;
  const program = compileRc(text, path);
  const errors = program.diagnostics.filter((d) => d.severity === 'error');
  for (const d of program.diagnostics) io.stderr(`${formatDiagnostic(d, text)}\n`);
  if (errors.length > 0) {
    io.stderr(`mailrules test: ${path} has ${errors.length} error${errors.length === 1 ? '' : 's'}; nothing was tested\n`);
    return { ok: false, code: EX_CONFIG };
  }
  return { ok: true, program };
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
  let old: Program | null = null;
  if (opts.compare !== undefined) {
    const o = loadRc(opts.compare, io);
    if (!o.ok) return o.code;
    old = o.program;
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

  const env: Record<string, string> = dryRunEnv(io.user);
  for (const [k, v] of assignments) env[k] = v;
  const initialDir = resolve(io.cwd, env.MAILDIR ?? '.');
  const answererOpts = { exec, answers, runner: io.runner, fs: io.dryFs };
  // The delivery agent's Public Suffix List (for `authenticated`), read once for all messages and both rcs.
  const publicSuffixes = publicSuffixLoader({ readFileSync: (p) => io.readBytes(p) });
  const common = { env, hostname: io.user.hostname, pid: io.pid, answerer: answererOpts, initialDir, publicSuffixes };
  const session = new DryRunSession({ program: rc.program, ...common });
  const oldSession = old === null ? null : new DryRunSession({ program: old, ...common });

  const out = new BufferedOut(io.stdout);
  const summary = new Summary();
  const progress = new Progress(io.stderr, io.stderrIsTTY, io.now);
  // With --expect or --compare the default output is the differences; --trace/--json still show every message.
  const quietByDefault = checker !== null || oldSession !== null;
  let differ = 0;
  let n = 0;
  const emit = (msg: SourceMessage, r: MessageReport, run: MessageRun): void => {
    if (opts.json === true) {
      if (oldSession === null) out.push(renderJson(r));
    } else if (opts.trace === true) out.push(renderTrace(r, run.timeline));
    else if (!quietByDefault) out.push(renderShort(r));
    if (checker !== null) {
      const res = checker.check(r);
      if (res !== 'ok' && res !== 'unlisted') {
        const e = res.expectation;
        out.push(`MISMATCH ${r.message} (${opts.expect}:${e.line})\n  expected: ${e.expected}\n  got:      ${r.destination}  [${describeDestination(r)}${r.recipe !== null ? `, by ${r.recipe}` : r.fellThrough ? ', fell off the end' : ''}]\n`);
      }
    }
    if (oldSession !== null) {
      const before = oldSession.run(msg.id, msg.data).report;
      if (!sameFate(before, r)) {
        differ++;
        if (opts.json === true) out.push(`${JSON.stringify({ schema: 1, message: r.message, old: fate(before), new: fate(r) })}\n`);
        else out.push(`${r.message}: ${describeFate(before)} → ${describeFate(r)}\n`);
      }
    }
  };
  // Only the modes that print a message's report show its header fields.
  const showHeaders = opts.trace === true || (opts.json === true && oldSession === null);
  const parser = io.headerParser ?? mailparserHeaderParser;
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
  for (const msg of readSources(resolved.sources, io.sourceFs)) {
    const run = session.run(msg.id, msg.data);
    summary.add(run.report);
    if (!showHeaders) emit(msg, run.report, run);
    else {
      const raw = rawHeaderFields(msg.data, run.report.subject);
      // Plain ASCII fields read the same decoded: no mailparser for them.
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

function describeFate(r: MessageReport): string {
  const by = r.fellThrough ? ' (fell off the end)' : r.recipe !== null ? ` (${r.recipe})` : '';
  return `${describeDestination(r)}${by}`;
}
