import type { Answer, Answerer, AnswerFor, Request } from '../../src/eval/requests.js';

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
        return programAnswer(prog(req.command.shell ? req.command.text.trim() : req.command.argv.join(' ')), req.data.length);
      case 'forward':
        return programAnswer(prog(req.argv.join(' ')), req.data.length);
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
