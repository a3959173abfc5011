import { compileRc } from '../../src/compile/compile.js';
import { driveSync } from '../../src/eval/drive.js';
import { evaluate } from '../../src/eval/evaluate.js';
import type { EngineInput } from '../../src/eval/input.js';
import type { Outcome } from '../../src/eval/outcome.js';
import type { Answer, Answerer, AnswerFor, Request } from '../../src/eval/requests.js';
import type { TraceEvent } from '../../src/eval/trace.js';

/** A program's scripted outcome: exit status (null: could not run), signal, stdout. */
export interface ScriptedProgram {
  exit?: number | null;
  signal?: number;
  out?: string;
}

export interface Script {
  /** Folder names whose delivery fails. */
  failFolders?: string[];
  /** Outcomes by command text (shell, trimmed) or argv joined by spaces. */
  programs?: Record<string, ScriptedProgram>;
  /** Included files by path. */
  files?: Record<string, string>;
  failChdir?: boolean;
}

/**
 * Records every request the engine makes and answers from a script, so
 * engine tests check what the engine asked for, not how it is wired.
 */
export class ScriptedAnswerer implements Answerer {
  readonly requests: Request[] = [];
  constructor(private readonly s: Script = {}) {}

  answer<R extends Request>(req: R): AnswerFor[R['kind']] {
    this.requests.push(req);
    return this.reply(req) as AnswerFor[R['kind']];
  }

  private reply(req: Request): Answer {
    const prog = (text: string): ScriptedProgram => this.s.programs?.[text] ?? {};
    const programAnswer = (p: ScriptedProgram, bytes: number): Answer => ({
      kind: 'program',
      exitCode: p.exit === undefined ? 0 : p.exit,
      signal: p.signal ?? null,
      wroteAll: true,
      output: Buffer.from(p.out ?? '', 'latin1'),
      bytes,
    });
    switch (req.kind) {
      case 'deliver': {
        const ok = !req.folders.some((f) => this.s.failFolders?.includes(f));
        return { kind: 'delivered', ok, lastFolder: req.folders.join(' '), bytes: req.data.length };
      }
      case 'pipe':
      case 'filter':
      case 'capture':
      case 'run-condition':
      case 'trap':
        return programAnswer(prog(req.command.shell ? req.command.text.trim() : req.command.argv.join(' ')), req.call.input.length);
      case 'forward':
        return programAnswer(prog(req.call.argv.join(' ')), req.call.input.length);
      case 'include':
        return { kind: 'include', text: this.s.files?.[req.path] ?? null, path: req.path };
      case 'chdir':
        return { kind: 'ack', ok: !this.s.failChdir };
      case 'lookup':
        return { kind: 'lookup', matched: null, entry: null };
      case 'reply-cache':
        return { kind: 'reply-cache', recent: false };
      default:
        return { kind: 'ack', ok: true };
    }
  }

  of<K extends Request['kind']>(kind: K): Extract<Request, { kind: K }>[] {
    return this.requests.filter((r) => r.kind === kind) as Extract<Request, { kind: K }>[];
  }

  /** Everything logged, abstracts included, in order. */
  logText(): string {
    return this.of('log').map((r) => r.text).join('');
  }

  /** procmail's error lines and LOG output, in order (no abstract). */
  log(): string {
    return this.of('log').filter((r) => r.source !== 'abstract').map((r) => r.text).join('');
  }

  /** Folder lists of real (non-fallback) and fallback deliveries, in order. */
  delivered(): string[] {
    return this.of('deliver').map((r) => (r.fallback ? 'FALLBACK:' : '') + r.folders.join(' '));
  }
}

export interface EngineRun {
  out: Outcome;
  a: ScriptedAnswerer;
  trace: TraceEvent[];
}

/**
 * Compiles `rc` (several strings: several rcfiles, named rc0, rc1, …; one
 * string: named `name`, default rc0), runs the engine on `message` with the
 * scripted answerer, and returns the outcome, the answerer and the trace.
 * `over` replaces any field of the engine's input.
 */
export function runEngine(
  rc: string | readonly string[],
  opts: { message: string; env: Readonly<Record<string, string>>; script?: Script; name?: string; over?: Partial<EngineInput> },
): EngineRun {
  const a = new ScriptedAnswerer(opts.script);
  const trace: TraceEvent[] = [];
  const rcfiles = typeof rc === 'string' ? [compileRc(rc, opts.name ?? 'rc0')] : rc.map((t, k) => compileRc(t, `rc${k}`));
  const input: EngineInput = {
    rcfiles,
    message: Buffer.from(opts.message, 'latin1'),
    env: opts.env,
    args: [],
    argv0: 'procmail',
    hostname: 'vm',
    pid: 4242,
    tempfail: false,
    filterMode: false,
    trace: (e) => trace.push(e),
    ...opts.over,
  };
  return { out: driveSync(evaluate(input), a), a, trace };
}
