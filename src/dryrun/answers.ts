import type { Origin } from '../eval/requests.js';

/**
 * `--answers FILE`: answers for programs a dry run should not (or cannot)
 * run, so a scenario can say "spamassassin says this is spam" without
 * spamassassin installed. The file is JSON:
 *
 *     {
 *       "lines":    { "rules.rc:12": { "exit": 1 }, "14": { "exit": 0, "output": "yes\n" } },
 *       "commands": { "spamc -c": { "exit": 1, "output": "7.5/5.0\n" },
 *                     "spamassassin": { "outputFile": "spam-tagged.eml" } }
 *     }
 *
 * - `lines` keys are `file:line` (the file as the report names it) or a bare
 *   line number; they match the rc line of the `?` condition, the recipe of
 *   an `f` filter, or the assignment/recipe holding a backtick or `VAR=|`.
 * - `commands` keys are the command text as written (after `?`, after `|`,
 *   between backquotes), compared after trimming blanks.
 * - An answer: `exit` (default 0), `output` (text, default empty) or
 *   `outputFile` (path relative to the answers file, read as bytes). For a
 *   filter with neither `output` nor `outputFile`, the message is left
 *   unchanged.
 * Lines win over commands. Answers from the file are marked assumed in the
 * report: they were given, not observed.
 */
export interface ProgramAnswerSpec {
  readonly exit: number | null;
  /** Output bytes, or null when none was given. */
  readonly output: Buffer | null;
}

export interface AnswerBook {
  find(commandText: string, origin: Origin, conditionSpan?: { file: string; line: number }): ProgramAnswerSpec | null;
}

export type AnswerBookResult = { ok: true; book: AnswerBook } | { ok: false; error: string };

/** Parses an answers file; `readFile` resolves `outputFile` relative to the answers file. */
export function parseAnswerBook(text: string, readOutputFile: (relPath: string) => Buffer): AnswerBookResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `not valid JSON: ${(err as Error).message}` };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { ok: false, error: 'expected a JSON object with "lines" and/or "commands"' };
  const lines = new Map<string, ProgramAnswerSpec>();
  const commands = new Map<string, ProgramAnswerSpec>();
  for (const [section, target] of [
    ['lines', lines],
    ['commands', commands],
  ] as const) {
    const obj = (json as Record<string, unknown>)[section];
    if (obj === undefined) continue;
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return { ok: false, error: `"${section}" must be an object` };
    for (const [key, val] of Object.entries(obj as Record<string, unknown>)) {
      const spec = parseSpec(val, readOutputFile);
      if (typeof spec === 'string') return { ok: false, error: `${section}["${key}"]: ${spec}` };
      target.set(section === 'commands' ? key.trim() : key, spec);
    }
  }
  for (const key of Object.keys(json as object)) {
    if (key !== 'lines' && key !== 'commands') return { ok: false, error: `unknown key "${key}" (expected "lines" or "commands")` };
  }
  const byLine = (file: string, line: number): ProgramAnswerSpec | null =>
    lines.get(`${file}:${line}`) ?? lines.get(`${basename(file)}:${line}`) ?? lines.get(String(line)) ?? null;
  return {
    ok: true,
    book: {
      find(commandText, origin, conditionSpan) {
        if (conditionSpan !== undefined) {
          const a = byLine(conditionSpan.file, conditionSpan.line);
          if (a !== null) return a;
        }
        if (origin.span !== null) {
          const a = byLine(origin.span.file, origin.span.line);
          if (a !== null) return a;
        }
        return commands.get(commandText.trim()) ?? null;
      },
    },
  };
}

function basename(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? p : p.slice(i + 1);
}

function parseSpec(val: unknown, readOutputFile: (relPath: string) => Buffer): ProgramAnswerSpec | string {
  if (typeof val !== 'object' || val === null || Array.isArray(val)) return 'expected an object like {"exit": 0, "output": "..."}';
  const v = val as Record<string, unknown>;
  for (const k of Object.keys(v)) if (k !== 'exit' && k !== 'output' && k !== 'outputFile') return `unknown key "${k}"`;
  if (v.exit !== undefined && v.exit !== null && (typeof v.exit !== 'number' || !Number.isInteger(v.exit))) return '"exit" must be an integer or null';
  if (v.output !== undefined && typeof v.output !== 'string') return '"output" must be a string';
  if (v.outputFile !== undefined && typeof v.outputFile !== 'string') return '"outputFile" must be a string';
  let output: Buffer | null = null;
  if (typeof v.output === 'string') output = Buffer.from(v.output, 'latin1');
  else if (typeof v.outputFile === 'string') {
    try {
      output = readOutputFile(v.outputFile);
    } catch (err) {
      return `cannot read outputFile "${v.outputFile}": ${(err as Error).message}`;
    }
  }
  return { exit: v.exit === undefined ? 0 : (v.exit as number | null), output };
}
