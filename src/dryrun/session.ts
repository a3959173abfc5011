import type { CompiledRecipe, Program, Step } from '../compile/program.js';
import { driveSync } from '../eval/drive.js';
import { evaluate } from '../eval/evaluate.js';
import type { EngineInput } from '../eval/input.js';
import type { Outcome } from '../eval/outcome.js';
import type { Origin } from '../eval/requests.js';
import type { TraceEvent } from '../eval/trace.js';
import type { Span } from '../source/span.js';
import { DryRunAnswerer, type DryRunAnswererOptions } from './answerer.js';
import { buildReport } from './build-report.js';
import type { MessageReport, TimelineEntry } from './report.js';

/**
 * One dry run of one rc over many messages: the same engine delivery uses,
 * stepped synchronously with the recording answerer (no promise per
 * message, which matters when replaying 100,000 of them).
 */
export interface SessionConfig {
  readonly program: Program;
  readonly env: Readonly<Record<string, string>>;
  readonly hostname: string;
  readonly pid: number;
  readonly answerer: Omit<DryRunAnswererOptions, 'conditionSpanFor' | 'initialDir'>;
  /** Where procmail would start (MAILDIR). */
  readonly initialDir: string;
  /** The Public Suffix List, as delivery reads it (EngineInput.publicSuffixes). */
  readonly publicSuffixes?: EngineInput['publicSuffixes'];
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
    indexRecipes(config.program.items, this.recipes);
    this.answerer = new DryRunAnswerer({
      ...config.answerer,
      initialDir: config.initialDir,
      conditionSpanFor: (command, origin) => this.conditionSpanFor(command, origin),
    });
    this.answerer.onRecord = (r) => this.timeline.push(r);
  }

  run(id: string, message: Buffer): MessageRun {
    this.timeline = [];
    this.answerer.begin();
    const input: EngineInput = {
      programs: [this.config.program],
      message,
      env: this.config.env,
      args: [],
      argv0: 'procmail',
      hostname: this.config.hostname,
      pid: this.config.pid,
      tempfail: false,
      filterMode: false,
      trace: this.trace,
      ...(this.config.publicSuffixes !== undefined ? { publicSuffixes: this.config.publicSuffixes } : {}),
    };
    const outcome = driveSync(evaluate(input), this.answerer);
    const timeline = this.timeline;
    return { report: buildReport(id, message, timeline, outcome), timeline, outcome };
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

function spanKey(s: Span): string {
  return `${s.file}\0${s.start}`;
}

function indexRecipes(items: readonly Step[], into: Map<string, CompiledRecipe>): void {
  for (const it of items) {
    if (it.kind !== 'recipe') continue;
    into.set(spanKey(it.span), it);
    if (it.action.kind === 'block') indexRecipes(it.action.items, into);
  }
}
