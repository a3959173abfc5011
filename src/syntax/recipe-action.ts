/**
 * A recipe's action line (docs/procmail-semantics.md §1.6) other than a
 * block's `{`, which the lexer (lexer.ts) reads: a pipe (`| cmd`, or
 * `VAR=| cmd` capturing its output), a forward (`! addresses`), a mailrules
 * extension (`@verb args`) or a folder.
 */
import { diagnostic } from '../source/diagnostic.js';
import type { Action } from './ast.js';
import { exactExtAction, looksLikeExt, parseExtAction, splitExtLine } from './ext-args.js';
import { isNameStart, logicalLineEnd, type Reading } from './reading.js';
import { visible } from './visible.js';
import { isBlank, lineEnd, nameCharsEnd } from './word.js';

/** The action that starts at `i`, after the trivia `lead`; it ends where its span does. */
export function readAction(at: Reading, i: number, lead: string): Action {
  const text = at.src.text;
  const c = text[i];
  if (c === '|') return pipe(at, i, i + 1, null, lead);
  if (c === '!') return forward(at, i, i + 1, lead);
  if (c === '@') {
    const ext = extAction(at, i, lead);
    if (ext !== null) return ext;
  }
  if (isNameStart(text.charCodeAt(i))) {
    // `VAR=| cmd` captures; any other name starts an ordinary folder (procmail.c gobenv).
    let j = nameCharsEnd(text, i + 1);
    const nameEnd = j;
    while (isBlank(text[j])) j++;
    if (text[j] === '=') {
      j++;
      while (isBlank(text[j])) j++;
      if (text[j] === '|') return pipe(at, i, j + 1, text.slice(i, nameEnd), lead);
      if (text[j] === '!') return forward(at, i, j + 1, lead);
    }
  }
  const r = at.reader.words(i, false);
  // Usually one word and nothing else: the action and the word then share their span and text.
  const only = r.words.length === 1 ? r.words[0]! : undefined;
  return only !== undefined && only.span.start === i && only.span.end === r.end
    ? { kind: 'folder', span: only.span, raw: only.raw, lead, targets: r.words }
    : { kind: 'folder', span: at.src.span(i, r.end), raw: text.slice(i, r.end), lead, targets: r.words };
}

function pipe(at: Reading, start: number, after: number, capture: string | null, lead: string): Action {
  const text = at.src.text;
  const end = logicalLineEnd(text, after);
  return { kind: 'pipe', span: at.src.span(start, end), raw: text.slice(start, end), lead, command: text.slice(after, end), capture };
}

function forward(at: Reading, start: number, after: number, lead: string): Action {
  const r = at.reader.words(after, false);
  return { kind: 'forward', span: at.src.span(start, r.end), raw: at.src.text.slice(start, r.end), lead, addresses: r.words };
}

/**
 * `@verb args` in its exact form: a mailrules extension action. Any other
 * `@…` line is the folder name procmail reads (null), with a warning
 * when it starts like an extension.
 */
function extAction(at: Reading, start: number, lead: string): Action | null {
  const text = at.src.text;
  const end = lineEnd(text, start);
  const line = text.slice(start, end);
  const ext = exactExtAction(line);
  if (ext === null) {
    if (looksLikeExt(line)) {
      const split = splitExtLine(line);
      const why = split === null ? '`@` and a name must be followed by a blank or the end of the line' : notExactAction(split.verb, split.args);
      const message = `"${visible(line)}" is a folder name, as procmail reads it, not an extension: ${why}; write "./${visible(line)}" to keep the folder without this warning`;
      at.diagnostics.push(diagnostic('warning', 'ext-not-exact', message, at.src.span(start, end)));
    }
    return null;
  }
  return { kind: 'ext', span: at.src.span(start, end), raw: line, lead, verb: ext.verb, args: ext.args };
}

/** Why `@verb args` is not the action extension (the argument parser's first complaint). */
function notExactAction(verb: string, args: string): string {
  if (verb !== verb.toLowerCase()) return `extension names are lower case (\`@${verb.toLowerCase()}\`)`;
  const parsed = parseExtAction(verb, args);
  return parsed.ok ? '' : parsed.errors[0]!.message;
}
