/**
 * The recipe header line, `:N flags : lockfile` (docs/procmail-semantics.md
 * §1.4): read as sh words, the way procmail's readparse() sees it, with a
 * fast path for the usual `:0`, `:0 fw:`. The conditions and the action after
 * it are the lexer's (lexer.ts).
 */
import { diagnostic } from '../source/diagnostic.js';
import type { RecipeHeader, TextPart, Word } from './ast.js';
import { leftoverText, readHeaderFields, RECFLAGS } from './header-fields.js';
import type { Reading } from './reading.js';
import { shared } from './shared-strings.js';
import type { SourceText } from './source-text.js';
import { visible } from './visible.js';
import { isBlank, literalText } from './word.js';
import { MIN_LINEBUF } from '../limits.js';

/** A header line read: the node, and where the line ends. */
export interface HeaderLine {
  readonly header: RecipeHeader;
  readonly end: number;
}

/** What a recipe header line says (docs/procmail-semantics.md §1.4). */
interface HeaderRead {
  readonly end: number;
  readonly count: number;
  readonly flags: string;
  readonly hasLock: boolean;
  readonly lock: Word | null;
  readonly leftover: string | undefined;
  readonly leftoverAt: number;
  /** The words, when the header is read only once they are expanded (RecipeHeader.words). */
  readonly words?: readonly Word[];
  /** RecipeHeader.length. */
  readonly length?: number;
}

/** The header whose `:` is at `start`; a leftover is logged `Skipped "…"` as procmail does. */
export function readRecipeHeader(at: Reading, start: number): HeaderLine {
  const src = at.src;
  const h = plainHeader(src.text, start) ?? wordsHeader(at, start);
  const { end, count, flags, hasLock, lock, leftover } = h;
  const span = src.span(start, end);
  if (leftover !== undefined) at.diagnostics.push(diagnostic('warning', 'skipped', `Skipped "${visible(leftover)}"`, src.span(h.leftoverAt, end)));
  const raw = shared(src.text.slice(start, end));
  // The lead goes to the recipe, not the header (build.ts).
  let header: RecipeHeader = leftover === undefined
    ? { span, raw, flags, count, hasLock, lock }
    : { span, raw, flags, count, hasLock, lock, leftover };
  if (h.words !== undefined) header = { ...header, words: h.words };
  if (h.length !== undefined) header = { ...header, length: h.length };
  return { header, end };
}

/** How many condition lines the header asks for: without a number, one, or none with A/a/E/e (misc.c conditions()). */
export function conditionCount(header: RecipeHeader): number {
  const { count, flags } = header;
  return count >= 0 ? count : flags !== '' && /[AaEe]/.test(flags) ? 0 : 1;
}

/**
 * The usual header (`:0`, `:0 fw:`): a number, flag letters, blanks and at
 * most a trailing `:`, nothing else on the line. Read straight from the
 * text; anything else (a lock name, quotes, `$`, `#`, `\`, unknown letters,
 * a carriage return) goes to wordsHeader(), which gives the same result for
 * these lines, only slower.
 */
function plainHeader(text: string, start: number): HeaderRead | null {
  const len = text.length;
  let j = start + 1;
  while (isBlank(text[j])) j++;
  let count = -1;
  const sign = text[j] === '-' || text[j] === '+' ? 1 : 0;
  let d = j + sign;
  while (d < len && text.charCodeAt(d) >= 0x30 && text.charCodeAt(d) <= 0x39) d++;
  if (d > j + sign) {
    count = Number.parseInt(text.slice(j, d), 10);
    j = d;
  } else if (sign) return null;
  let flags = '';
  let hasLock = false;
  for (; j < len; j++) {
    const c = text[j]!;
    if (c === '\n') break;
    if (isBlank(c)) continue;
    if (c === ':') {
      hasLock = true;
      j++;
      while (isBlank(text[j])) j++;
      if (j < len && text[j] !== '\n') return null;
      break;
    }
    if (!RECFLAGS.includes(c)) return null;
    flags += c;
  }
  return { end: j, count, flags: shared(flags), hasLock, lock: null, leftover: undefined, leftoverAt: start };
}

/** Any header: the line read as sh words, the way procmail's readparse() sees it. */
function wordsHeader(at: Reading, start: number): HeaderRead {
  const r = at.reader.words(start + 1, false);
  const end = r.end;
  const words = r.words;
  if (expandsBeforeLock(words)) return expandedHeader(at, start, end, words);
  // A `$` in the lockfile's name or after it: shown as written in leftovers until the engine reads it expanded.
  let literal = true;
  const texts = words.map((w) => {
    const t = literalText(w);
    if (t !== null) return t;
    literal = false;
    return shownParts(w.parts);
  });
  const f = readHeaderFields(texts);
  let lock: Word | null = null;
  if (f.lock !== null) {
    const word = words[f.lock.word]!;
    lock = f.lock.from === 0 ? word : tailWord(at.src, word);
  }
  let leftover: string | undefined;
  let leftoverAt = start;
  if (f.leftover !== null) {
    const { word: w, from } = f.leftover;
    leftover = leftoverText(texts, f.leftover);
    // The caret goes to the leftover itself when no quote before it shifts the text.
    const word = words[w]!;
    leftoverAt = word.span.start + (word.raw.slice(0, from) === texts[w]!.slice(0, from) ? from : 0);
  }
  // procmail's buffer holds the words NUL-separated; one longer than LINEBUF aborts the rcfile.
  const length = texts.join(' ').length;
  // With a `$` after the `:`, the engine reads the header again once expanded, for its true lockfile, leftovers and length.
  const dynamic = literal ? (length > MIN_LINEBUF ? { length } : {}) : { words };
  return { end, count: f.count, flags: shared(f.flags), hasLock: f.hasLock, lock, leftover, leftoverAt, ...dynamic };
}

/**
 * A header with `$` or backquotes among its words: procmail reads the
 * line through its expander (procmail.c readparse), so `F=c` then `:0 $F`
 * is `:0 c`. The engine reads the number, flags and lockfile once the
 * words are expanded; here they stay unknown, except a number written
 * out, which the conditions after the header need now (`:2` takes two
 * lines without `*`): without one the recipe is read as `:0` and a
 * warning says so.
 */
function expandedHeader(at: Reading, start: number, end: number, words: readonly Word[]): HeaderRead {
  const p0 = words[0]?.parts[0];
  const m = p0?.kind === 'text' && p0.quote === 'none' ? /^[-+]?[0-9]+/.exec(p0.text) : null;
  const known = m !== null && (m[0].length < m.input.length || words[0]!.parts.length === 1);
  if (!known) {
    const message = 'the number of conditions comes from an expansion; mailrules reads the lines after this header as it would after ":0"';
    at.diagnostics.push(diagnostic('warning', 'expanded-count', message, at.src.span(start, end)));
  }
  return { end, count: known ? Number.parseInt(m![0], 10) : 0, flags: '', hasLock: false, lock: null, leftover: undefined, leftoverAt: start, words };
}

/** The lockfile that is the rest of a word after its `:` (`:0:name`, `:0:$HOME/x`). */
function tailWord(src: SourceText, word: Word): Word {
  const parts = word.parts;
  let p = 0;
  while (p < parts.length && !(parts[p]!.kind === 'text' && (parts[p] as TextPart).text.includes(':'))) p++;
  const part = parts[p] as TextPart;
  const tail = part.text.slice(part.text.indexOf(':') + 1);
  const tailParts = [...(tail === '' ? [] : [{ ...part, text: tail }]), ...parts.slice(p + 1)];
  const colon = word.raw.indexOf(':');
  const start = word.span.start + colon + 1;
  return { span: src.span(start, word.span.end), raw: src.text.slice(start, word.span.end), parts: tailParts };
}

/**
 * Whether a `$` or backquote comes before the header's `:` (or there is
 * none): then the number or flags are known only once expanded.
 */
function expandsBeforeLock(words: readonly Word[]): boolean {
  for (const w of words) {
    for (const p of w.parts) {
      if (p.kind !== 'text') return true;
      if (p.text.includes(':')) return false;
    }
  }
  return false;
}

/** Parts as procmail would display them, unexpanded substitutions shown as written. */
function shownParts(parts: Word['parts']): string {
  let s = '';
  for (const p of parts) {
    if (p.kind === 'text') s += p.text;
    else if (p.kind === 'backtick') s += '`' + p.command + '`';
    else if (p.kind === 'bad') s += '${' + p.text + '}';
    else s += '$' + (p.kind === 'regexvar' ? '\\' : '') + p.name;
  }
  return s;
}
