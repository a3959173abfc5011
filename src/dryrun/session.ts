import type { CompiledRecipe, CompiledRc, Step } from '../compile/compiled-rc.js';
import { driveSync } from '../eval/drive.js';
import { evaluate } from '../eval/evaluate.js';
import type { EngineInput } from '../eval/input.js';
import type { Outcome } from '../eval/outcome.js';
import type { Origin, ProgramAnswer, Request } from '../eval/requests.js';
import type { TraceEvent } from '../eval/trace.js';
import type { Span } from '../source/span.js';
import { applyFromLine } from '../deliver/from-line.js';
import { inFileOrder } from '../syntax/walk.js';
import { DryRunAnswerer, type DryRunAnswererOptions, type DryRunRecord } from './answerer.js';
import { buildReport } from './build-report.js';
import { at, type MessageReport, type OtherwiseJson, type TimelineEntry } from './report.js';

/**
 * One dry run of one rc over many messages: the same engine delivery uses,
 * stepped synchronously with the recording answerer (no promise per
 * message, which matters when replaying 100,000 of them).
 */
export interface SessionConfig {
  readonly rc: CompiledRc;
  readonly env: Readonly<Record<string, string>>;
  /** Command-line `VAR=value` arguments, applied with their effects before the rcfile, as procmail does. */
  readonly assignments?: readonly { readonly name: string; readonly value: string }[];
  readonly hostname: string;
  readonly pid: number;
  readonly answerer: Omit<DryRunAnswererOptions, 'conditionSpanFor' | 'initialDir'>;
  /** Where procmail would start (MAILDIR). */
  readonly initialDir: string;
  /** procmail's command line: -a arguments ($1…), -Y, -t, -m, and `$0`. */
  readonly args?: readonly string[];
  readonly berkeley?: boolean;
  readonly tempfail?: boolean;
  readonly filterMode?: boolean;
  readonly argv0?: string;
  /** -f: the From_ line made as the delivery agent makes it (src/deliver/from-line.ts). */
  readonly envelope?: { readonly from: string; readonly invoker: string; readonly now: () => number } | null;
  /** The Public Suffix List, as delivery reads it (EngineInput.publicSuffixes). */
  readonly publicSuffixes?: EngineInput['publicSuffixes'];
  /** The charsets Node lacks, decoded as delivery decodes them (EngineInput.charsetFallback). */
  readonly charsetFallback?: EngineInput['charsetFallback'];
}

export interface MessageRun {
  readonly report: MessageReport;
  readonly timeline: readonly TimelineEntry[];
  readonly outcome: Outcome;
}

export class DryRunSession {
  private readonly answerer: DryRunAnswerer;
  private timeline: TimelineEntry[] = [];
  private readonly trace = (e: TraceEvent): void => {
    // The answerer records every request with its answer (and more); the
    // engine's own copy of it would only be skipped by every reader.
    if (e.kind !== 'request') this.timeline.push(e);
  };
  private readonly recipes = new Map<string, CompiledRecipe>();

  constructor(private readonly config: SessionConfig) {
    indexRecipes(config.rc.items, this.recipes);
    this.answerer = new DryRunAnswerer({
      ...config.answerer,
      ...(config.berkeley === true ? { berkeley: true } : {}),
      initialDir: config.initialDir,
      conditionSpanFor: (command, origin) => this.conditionSpanFor(command, origin),
    });
    this.answerer.onRecord = (r) => this.timeline.push(r);
  }

  run(id: string, raw: Buffer): MessageRun {
    this.timeline = [];
    const records = this.answerer.begin();
    const c = this.config;
    const e = c.envelope ?? null;
    const message = e === null ? raw : applyFromLine(raw, { generate: true, from: e.from, invoker: e.invoker, now: new Date(e.now()) });
    const input: EngineInput = {
      rcfiles: [c.rc],
      message,
      env: c.env,
      ...(c.assignments !== undefined ? { assignments: c.assignments } : {}),
      args: c.args ?? [],
      argv0: c.argv0 ?? 'procmail',
      hostname: c.hostname,
      pid: c.pid,
      berkeley: c.berkeley === true,
      tempfail: c.tempfail === true,
      filterMode: c.filterMode === true,
      trace: this.trace,
      ...(this.config.publicSuffixes !== undefined ? { publicSuffixes: this.config.publicSuffixes } : {}),
      ...(this.config.charsetFallback !== undefined ? { charsetFallback: this.config.charsetFallback } : {}),
    };
    const outcome = driveSync(evaluate(input), this.answerer);
    const timeline = this.timeline;
    const report = buildReport(id, raw, timeline, outcome);
    const k = records.findIndex(flippable);
    if (k < 0) return { report, timeline, outcome };
    return { report: { ...report, otherwise: this.otherwise(id, raw, input, records, k) }, timeline, outcome };
  }

  /**
   * Where the message would go had the first assumed program answer been the
   * other one (exit 1 instead of 0 and the reverse; a big message not read
   * in full): the same message run again, every program before it answered
   * as in the first run, so an assumed pipe never hides the recipes after it
   * without the report saying where they lead.
   */
  private otherwise(id: string, raw: Buffer, input: EngineInput, records: readonly DryRunRecord[], k: number): OtherwiseJson {
    const rec = records[k]!;
    const a = rec.answer as ProgramAnswer;
    const flipped: ProgramAnswer = a.exitCode === 0 && rec.request.kind === 'pipe' && rec.request.wait === null ? { ...a, wroteAll: false } : { ...a, exitCode: a.exitCode === 0 ? 1 : 0 };
    const given = new Map<number, DryRunRecord>();
    records.forEach((r, i) => {
      if (i < k && PROGRAMS.has(r.request.kind)) given.set(i, r);
    });
    given.set(k, { ...rec, answer: flipped });
    const main = this.timeline;
    this.timeline = [];
    try {
      this.answerer.begin(given);
      const outcome = driveSync(evaluate(input), this.answerer);
      const r = buildReport(id, raw, this.timeline, outcome);
      const what = (x: ProgramAnswer): string => (x.wroteAll ? `exit ${x.exitCode ?? 'none'}` : 'its input not read');
      return { at: at(rec.request.origin.span), assumed: what(a), other: what(flipped), destination: r.destination, exitCode: r.exitCode, recipe: r.recipe };
    } finally {
      this.timeline = main;
    }
  }

  /**
   * Which `?` condition a run-condition request came from: the first program
   * condition of its recipe with that command text that is not among the
   * conditions already held. Lets --answers key on the condition's own line.
   */
  private conditionSpanFor(command: string, origin: Origin): Span | undefined {
    if (origin.span === null) return undefined;
    const recipe = this.recipes.get(spanKey(origin.span));
    // The engine names the condition itself as the origin of a `?` program.
    if (recipe === undefined) return origin.span;
    const held = new Set(origin.conditions.map(spanKey));
    const open = recipe.conditions.filter((c) => !held.has(spanKey(c.span)));
    const exact = open.find((c) => c.test.kind === 'program' && c.test.command.trim() === command.trim());
    return (exact ?? open.find((c) => c.test.kind === 'expand'))?.span;
  }
}

/** Requests whose answers a branch run replays (programs that may have run, or were assumed). */
const PROGRAMS = new Set<Request['kind']>(['run-condition', 'filter', 'capture', 'pipe', 'forward', 'trap']);

/** An assumed exit status (or a big input assumed read) that has another answer to explore. */
function flippable(r: DryRunRecord): boolean {
  if (r.source !== 'assumed' || r.answer.kind !== 'program') return false;
  const k = r.request.kind;
  return k === 'pipe' || k === 'forward' || k === 'run-condition' || k === 'trap';
}

function spanKey(s: Span): string {
  return `${s.file}\0${s.start}`;
}

function indexRecipes(items: readonly Step[], into: Map<string, CompiledRecipe>): void {
  for (const { item } of inFileOrder(items)) if (item.kind === 'recipe') into.set(spanKey(item.span), item);
}
