/**
 * A command text made into what the answerer runs (pipes.c metaparse;
 * docs/procmail-semantics.md §1.6): pipe actions, `?` conditions, backticks and TRAP all
 * go through here.
 */
import type { Span } from '../source/span.js';
import { parseWords } from '../syntax/word.js';
import { expandWords } from './expand.js';
import type { ExpandEnv } from './expand.js';
import type { Command } from './requests.js';
import { overflow } from './channel.js';
import type { G, State } from './state.js';

/**
 * How procmail runs a command text (pipes.c metaparse): through $SHELL
 * unexpanded when it contains a SHELLMETAS character, otherwise split and
 * expanded here, with `"$@"` allowed (docs/procmail-semantics.md §1.6).
 */
export function* buildCommand(st: State, text: string, span: Span, env: ExpandEnv): G<Command> {
  return (yield* buildCommandShown(st, text, span, env)).command;
}

interface BuiltCommand {
  readonly command: Command;
  /** LASTFOLDER: the text for the shell, else the words joined by blanks, `"$@"` as one empty word (pipes.c concatenate). */
  readonly shown: string;
  /** What error messages quote: the text for the shell, else the first word (procmail's buffer is NUL-separated). */
  readonly name: string;
}

export function* buildCommandShown(st: State, text: string, span: Span, env: ExpandEnv): G<BuiltCommand> {
  const metas = st.internals.strings.SHELLMETAS;
  for (const c of text) if (metas.includes(c)) return { command: { shell: true, text }, shown: text, name: text };
  const argv: string[] = [];
  const shownWords: string[] = [];
  for (const w of parseWords(text, span)) {
    const words = yield* expandWords(w, env, true);
    argv.push(...words);
    if (w.some((p) => p.kind === 'special' && p.name === '@' && p.quote !== 'none')) shownWords.push('');
    else shownWords.push(...words);
  }
  // Debian's procmail is built without GOT_bin_test: a command whose first
  // word is `test` goes to the shell as written (pipes.c metaparse, the same
  // check in goodies.c readparse for backticks), where `test` is a builtin
  // that needs no binary on PATH. So does one whose words overflow
  // procmail's buffer, after `Exceeded LINEBUF` (verified).
  const overflowed = argv.join(' ').length > st.internals.linebuf;
  if (overflowed) yield* overflow(st, span);
  if (argv[0] === 'test' || overflowed) return { command: { shell: true, text }, shown: text, name: text };
  return { command: { shell: false, text, argv }, shown: shownWords.join(' '), name: shownWords[0] ?? '' };
}
