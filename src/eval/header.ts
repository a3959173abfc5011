/**
 * A recipe header procmail can read only once expanded (`F=c` then `:0 $F`;
 * RecipeHeader.words): its words are expanded and split as an action line's
 * are (procmail.c reads the line with readparse), then read for the number,
 * flags and lockfile as the lexer reads a literal one (header-fields.ts).
 * Either kind of header that does not fit LINEBUF aborts the rcfile.
 */
import { decodeFlags } from '../compile/flags.js';
import type { CompiledRecipe } from '../compile/compiled-rc.js';
import type { RecipeHeader, Word } from '../syntax/ast.js';
import { leftoverText, readHeaderFields } from '../syntax/header-fields.js';
import { expandEnv } from './context.js';
import { expandWords } from './expand.js';
import type { G, State } from './state.js';

/** The recipe with its header as read now, or null when the header overflows LINEBUF. */
export function* readHeader(st: State, r: CompiledRecipe): G<CompiledRecipe | null> {
  const words = r.header.words;
  if (words === undefined) return r.header.length !== undefined && r.header.length > st.internals.linebuf ? null : r;
  const env = expandEnv(st, r.header.span);
  const texts: string[] = [];
  for (const w of words) texts.push(...(yield* expandWords(w.parts, env, false)));
  if (texts.join(' ').length > st.internals.linebuf) return null;
  const f = readHeaderFields(texts);
  const lock: Word | null = f.lock === null ? null : literalWord(r.header, texts[f.lock.word]!.slice(f.lock.from));
  const base = { span: r.header.span, raw: r.header.raw, flags: f.flags, count: f.count, hasLock: f.hasLock, lock, words };
  const header: RecipeHeader = f.leftover === null ? base : { ...base, leftover: leftoverText(texts, f.leftover) };
  const action = r.action.kind === 'missing' ? null : r.action;
  return { ...r, header, flags: decodeFlags(header, action).flags };
}

/** The lockfile's name, already expanded, as a word (spanning the header: the name has no place of its own). */
function literalWord(header: RecipeHeader, text: string): Word {
  return { span: header.span, raw: text, parts: [{ kind: 'text', text, quote: 'none' }] };
}
