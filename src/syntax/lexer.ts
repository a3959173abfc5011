/**
 * The rc line lexer. It reads the text the way procmail's main loop does
 * (procmail.c mainloop, misc.c conditions(); docs/procmail-semantics.md §1) and hands the
 * grammar whole statements, nodes already built: a statement is an
 * assignment, a comment, a skipped line, or a recipe (header, conditions and
 * action, or none after `Missing action` / `Incomplete recipe`). A token is
 * the run of statements up to a brace together with that brace: `head` ends
 * with a recipe up to the `{` of its block action, `close` with its `}`, and
 * `statements` is the run left at the end of the file. Only the nesting is
 * left to the grammar, so nearley tracks two tokens per block, not one per
 * line (its per-token cost dominated bench/parse.mjs).
 * Blank lines and comment lines inside a recipe are trivia, carried in the
 * next node's `lead` so the printer can restore them.
 *
 * procmail reads statements, not lines: `A=1 B=2` is two assignments,
 * `{ LOG=x }` is a block on one line, and after `}` the line goes on. The
 * lexer follows that, so a statement is usually, but not always, one line.
 *
 * Implements nearley's lexer interface (reset/next/save/formatError/has).
 */
import { diagnostic, type Diagnostic } from '../source/diagnostic.js';
import type { Span } from '../source/span.js';
import type {
  Action,
  Assignment,
  Comment,
  Condition,
  Item,
  RecipeHeader,
  Skipped,
  TextPart,
  Word,
} from './ast.js';
import { recipeOf } from './build.js';
import { shared } from './shared-strings.js';
import { SourceText } from './source-text.js';
import { isBlank, lineEnd, literalText, nameCharsEnd, NONE, skipBlanks, takeFrom, WordReader } from './word.js';
import { leftoverText, readHeaderFields, RECFLAGS } from './header-fields.js';
import { exactExtAction, looksLikeExt, parseExtAction, splitExtLine } from './ext-args.js';
import { MIN_LINEBUF } from '../limits.js';

export type TokenType =
  | 'statements'
  | 'head'
  | 'close';

/** What a token carries to the grammar: the statements of the last run, or a run and the brace after it. */
export type TokenValue =
  | Item[]
  | Bounded<BlockHead | BraceToken>;

/** A `head` or `close` token's value: the statements before the brace, in the same list as the brace. */
export interface Bounded<T extends BlockHead | BraceToken> {
  readonly before: Item[];
  readonly brace: T;
}

/** What the statement readers return: one statement, or a block's head or close. */
type Read = Item | BlockHead | BraceToken;

/**
 * A recipe header together with the conditions after it. procmail reads them
 * in one loop (misc.c conditions()), and so does the lexer.
 */
export interface HeaderGroup {
  /** The header's span and raw text. */
  readonly span: Span;
  readonly raw: string;
  /** Trivia before the header: it becomes the recipe's lead. */
  readonly lead: string;
  readonly header: RecipeHeader;
  readonly conditions: readonly Condition[];
  /** The whole text, so build.ts can take the recipe's raw text as one slice. */
  readonly source: string;
}

/** The `head` token: a recipe up to the `{` of its block action; the grammar reads the block. */
export interface BlockHead extends HeaderGroup {
  readonly open: BraceToken;
}

/** `{` or `}`; a `}` supplied for a missing closing brace has `missing` set and empty raw. */
export interface BraceToken {
  readonly span: Span;
  readonly raw: string;
  readonly lead: string;
  readonly missing: boolean;
  /** The whole text, so build.ts can take the block's raw text as one slice. */
  readonly source: string;
}

export interface Token {
  readonly type: TokenType;
  readonly value: TokenValue;
  readonly text: string;
  readonly offset: number;
  readonly line: number;
  readonly col: number;
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


const TOKEN_TYPES: ReadonlySet<string> = new Set<TokenType>([
  'statements', 'head', 'close',
]);

export class RcLexer {
  private src = new SourceText('', '');
  /** src.text, read on every step (a field: a getter costs a call until the code is optimized). */
  private text = '';
  private reader = new WordReader(this.src, []);
  private pos = 0;
  /** Offsets of the `{` of each open block. */
  private opens: number[] = [];
  /** The `}`s supplied for blocks still open at the end of the text, innermost first. */
  private missingCloses: BraceToken[] = [];
  private done = false;
  /** What the last statement reader returned: a statement, a head or a close. */
  private read: TokenType = 'statements';
  /** The statements of the run being read (copied out: see word.ts pendingWords). */
  private readonly run: Item[] = [];
  private readonly pendingConditions: Condition[] = [];
  /** Set by conditions(): where the trivia before the action begins; -1 after `Missing action`. */
  private actionLead = 0;
  /** Text after the last token (trailing blank lines and the final newline). */
  trail = '';
  readonly diagnostics: Diagnostic[] = [];

  constructor(private readonly file = '') {}

  reset(chunk: string, _state?: unknown): void {
    this.src = new SourceText(this.file, chunk);
    this.text = chunk;
    this.reader = new WordReader(this.src, this.diagnostics);
    this.pos = 0;
    this.opens = [];
    this.missingCloses = [];
    this.done = false;
    this.trail = '';
    this.diagnostics.length = 0;
  }

  /** The whole text is fed at once, so there is no state to carry between chunks. */
  save(): undefined {
    return undefined;
  }

  has(tokenType: string): boolean {
    return TOKEN_TYPES.has(tokenType);
  }

  formatError(token: Token | undefined, message = 'Syntax error'): string {
    if (token === undefined) return `${this.file}: ${message} at end of file`;
    return `${this.file}:${token.line}:${token.col}: ${message}`;
  }

  /**
   * The statements up to the next block head or close, with it, make one
   * token; what is left at the end of the text is a `statements` token, or
   * goes with the first `}` supplied for a missing closing brace.
   */
  next(): Token | undefined {
    const run = this.run;
    while (!this.done) {
      const value = this.statement();
      if (value === undefined) break;
      if (this.read === 'statements') {
        run.push(value as Item);
        continue;
      }
      return this.bounded(this.read, value as BlockHead | BraceToken);
    }
    // The end of the text. The first missing `}` takes the run, the rest none.
    const close = this.missingCloses.shift();
    if (close !== undefined) return this.bounded('close', close);
    if (run.length === 0) return undefined;
    const first = run[0]!;
    return this.token('statements', takeFrom(run, 0), first);
  }

  /** A `head` or `close` token: the run so far and the brace. */
  private bounded(type: TokenType, brace: BlockHead | BraceToken): Token {
    const run = this.run;
    const value: Bounded<BlockHead | BraceToken> = { before: takeFrom(run, 0), brace };
    return this.token(type, value, value.before.length > 0 ? value.before[0]! : brace);
  }

  // -------------------------------------------------------------------------


  /** `at` is the token's node, or for a run its first statement. */
  private token(type: TokenType, value: TokenValue, at: { readonly span: Span; readonly raw: string }): Token {
    const s = at.span;
    return { type, value, text: at.raw, offset: s.start, line: s.line, col: s.col };
  }

  /** Records what a statement reader read (next() groups statements into runs). */
  private got<T extends Read>(type: TokenType, value: T): T {
    this.read = type;
    return value;
  }

  private warn(code: string, message: string, span: Span): void {
    this.diagnostics.push(diagnostic('warning', code, message, span));
  }

  private error(code: string, message: string, span: Span): void {
    this.diagnostics.push(diagnostic('error', code, message, span));
  }

  /** A statement: procmail skips blanks and empty lines, then looks at the first character (docs/procmail-semantics.md §1.1). */
  private statement(): Read | undefined {
    const text = this.text;
    const leadStart = this.pos;
    let i = leadStart;
    for (let c = text.charCodeAt(i); c === 0x20 || c === 0x09 || c === 0x0a; c = text.charCodeAt(++i));
    const lead = trivia(text, leadStart, i);
    const c = text[i];
    if (c === undefined) return this.endOfText(lead);
    if (c === '#') {
      const end = lineEnd(text, i);
      this.pos = end;
      const comment: Comment = { kind: 'comment', span: this.src.span(i, end), raw: text.slice(i, end), lead, text: text.slice(i + 1, end) };
      return this.got('statements', comment);
    }
    if (c === ':') return this.header(i, lead);
    if (c === '}') {
      this.pos = i + 1;
      const span = this.src.span(i, i + 1);
      if (this.opens.length > 0) {
        this.opens.pop();
        const close: BraceToken = { span, raw: '}', lead, missing: false, source: text };
        return this.got('close', close);
      }
      this.error('unexpected-brace', 'Closing brace unexpected', span);
      const stray: Skipped = { kind: 'skipped', span, raw: '}', lead, text: '}', message: 'Closing brace unexpected' };
      return this.got('statements', stray);
    }
    if (isNameStart(text.charCodeAt(i))) return this.assignment(i, lead);
    // Not a name: procmail logs the rest of the line as skipped (docs/procmail-semantics.md §1.1).
    const end = lineEnd(text, i);
    return this.skipped(i, end, text.slice(i, end), lead);
  }

  private skipped(start: number, end: number, shown: string, lead: string): Read {
    this.pos = end;
    const span = this.src.span(start, end);
    this.warn('skipped', `Skipped "${visible(shown)}"`, span);
    const node: Skipped = { kind: 'skipped', span, raw: this.text.slice(start, end), lead, text: shown };
    return this.got('statements', node);
  }

  private endOfText(lead: string): undefined {
    this.pos = this.text.length;
    if (this.opens.length === 0) {
      this.done = true;
      this.trail = lead;
      return undefined;
    }
    // procmail reports `Missing closing brace` at the end of the file (docs/procmail-semantics.md §8.3);
    // the caret goes to the `{` that was never closed, which is where the fix is.
    const end = this.text.length;
    let first = true;
    while (this.opens.length > 0) {
      const open = this.opens.pop()!;
      this.error('missing-brace', 'Missing closing brace', this.src.span(open, open + 1));
      this.missingCloses.push({ span: this.src.span(end, end), raw: '', lead: first ? lead : '', missing: true, source: this.text });
      first = false;
    }
    this.done = true;
    return undefined;
  }

  /**
   * `NAME=word` or a bare `NAME` (unset). A name followed by anything other
   * than blanks, `=` or the end of the line is logged `Skipped "NAME"` and
   * reading resumes right after it (procmail's gobenv; `foo.bar=1` gives
   * `Skipped "foo"` and `Skipped ".bar=1"`).
   */
  private assignment(start: number, lead: string): Read {
    const text = this.text;
    const nameEnd = nameCharsEnd(text, start + 1);
    const name = shared(text.slice(start, nameEnd));
    const after = text[nameEnd];
    if (after !== undefined && !isBlank(after) && after !== '\n' && after !== '=') {
      return this.skipped(start, nameEnd, name, lead);
    }
    let i = skipBlanks(text, nameEnd);
    let value: Word | null = null;
    let end = nameEnd;
    if (text[i] === '=') {
      const r = this.reader.words(i + 1, true);
      value = r.words[0]!;
      end = r.end;
    }
    this.pos = end;
    const node: Assignment = { kind: 'assign', span: this.src.span(start, end), raw: text.slice(start, end), lead, name, value };
    return this.got('statements', node);
  }

  /**
   * `:N flags : lockfile` (docs/procmail-semantics.md §1.4), read as sh words, and then the
   * conditions after it (procmail reads both in misc.c conditions()).
   */
  private header(start: number, lead: string): Read {
    const text = this.text;
    const h = this.plainHeader(start) ?? this.wordsHeader(start);
    const { end, count, flags, hasLock, lock, leftover } = h;
    this.pos = end;
    const span = this.src.span(start, end);
    if (leftover !== undefined) this.warn('skipped', `Skipped "${visible(leftover)}"`, this.src.span(h.leftoverAt, end));
    const raw = shared(text.slice(start, end));
    // The lead goes to the recipe, not the header (build.ts).
    let header: RecipeHeader = leftover === undefined
      ? { span, raw, flags, count, hasLock, lock }
      : { span, raw, flags, count, hasLock, lock, leftover };
    if (h.words !== undefined) header = { ...header, words: h.words };
    if (h.length !== undefined) header = { ...header, length: h.length };
    // Without a number procmail assumes one condition, or none with A/a/E/e (misc.c conditions()).
    const nrcond = count >= 0 ? count : flags !== '' && /[AaEe]/.test(flags) ? 0 : 1;
    const conditions = this.conditions(span, nrcond);
    if (this.actionLead < 0) return this.got('statements', recipeOf(text, lead, header, conditions, null));
    const act = this.action(span, this.actionLead);
    if (act !== null && 'missing' in act) {
      const head: BlockHead = { span, raw, lead, header, conditions, source: text, open: act };
      return this.got('head', head);
    }
    return this.got('statements', recipeOf(text, lead, header, conditions, act));
  }

  /**
   * The usual header (`:0`, `:0 fw:`): a number, flag letters, blanks and at
   * most a trailing `:`, nothing else on the line. Read straight from the
   * text; anything else (a lock name, quotes, `$`, `#`, `\`, unknown letters,
   * a carriage return) goes to wordsHeader(), which gives the same result for
   * these lines, only slower.
   */
  private plainHeader(start: number): HeaderRead | null {
    const text = this.text;
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
  private wordsHeader(start: number): HeaderRead {
    const r = this.reader.words(start + 1, false);
    const end = r.end;
    const words = r.words;
    if (expandsBeforeLock(words)) return this.expandedHeader(start, end, words);
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
      lock = f.lock.from === 0 ? word : this.tailWord(word);
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
  private expandedHeader(start: number, end: number, words: readonly Word[]): HeaderRead {
    const p0 = words[0]?.parts[0];
    const m = p0?.kind === 'text' && p0.quote === 'none' ? /^[-+]?[0-9]+/.exec(p0.text) : null;
    const known = m !== null && (m[0].length < m.input.length || words[0]!.parts.length === 1);
    if (!known) {
      this.warn('expanded-count', 'the number of conditions comes from an expansion; mailrules reads the lines after this header as it would after ":0"', this.src.span(start, end));
    }
    return { end, count: known ? Number.parseInt(m![0], 10) : 0, flags: '', hasLock: false, lock: null, leftover: undefined, leftoverAt: start, words };
  }

  /** The lockfile that is the rest of a word after its `:` (`:0:name`, `:0:$HOME/x`). */
  private tailWord(word: Word): Word {
    const parts = word.parts;
    let p = 0;
    while (p < parts.length && !(parts[p]!.kind === 'text' && (parts[p] as TextPart).text.includes(':'))) p++;
    const part = parts[p] as TextPart;
    const tail = part.text.slice(part.text.indexOf(':') + 1);
    const tailParts = [...(tail === '' ? [] : [{ ...part, text: tail }]), ...parts.slice(p + 1)];
    const colon = word.raw.indexOf(':');
    const start = word.span.start + colon + 1;
    return { span: this.src.span(start, word.span.end), raw: this.text.slice(start, word.span.end), parts: tailParts };
  }

  /**
   * procmail's condition loop (misc.c conditions(); docs/procmail-semantics.md §1.5): read
   * conditions until the action line. `nrcond` counts the legacy `:N` lines.
   * Sets `actionLead` to where the trivia before the action begins, or to -1
   * for `Missing action`.
   */
  private conditions(header: Span, nrcond: number): readonly Condition[] {
    const text = this.text;
    // Collected in a reused array and copied out (word.ts: no spare capacity in the AST).
    const conditions = this.pendingConditions;
    while (conditions.length > 0) conditions.pop();
    let skippedEmpty = false;
    next: for (;;) {
      const leadStart = this.pos;
      // The newline ending the header or the previous condition is not an empty line.
      if (text.charCodeAt(this.pos) === 0x0a) this.pos++;
      for (;;) {
        let i = this.pos;
        for (let b = text.charCodeAt(i); b === 0x20 || b === 0x09; b = text.charCodeAt(++i));
        nrcond--;
        const c = text[i];
        if (c === '*' || nrcond >= 0) {
          if (c === undefined && nrcond >= 0) break;
          conditions.push(this.conditionLine(c === '*' ? i : -1, i, trivia(text, leadStart, i)));
          continue next;
        }
        if (c === '#') {
          this.pos = lineEnd(text, i) + 1;
          continue;
        }
        if (c === '\n') {
          skippedEmpty = true;
          this.pos = i + 1;
          continue;
        }
        if (skippedEmpty && c === ':') {
          // An empty line, then another recipe: procmail says `Missing action` and reads the new header.
          this.pos = leadStart;
          this.error('missing-action', 'Missing action', header);
          this.actionLead = -1;
          return conditions.length === 0 ? NONE : takeFrom(conditions, 0);
        }
        break;
      }
      this.actionLead = leadStart;
      this.pos = Math.min(this.pos, text.length);
      return conditions.length === 0 ? NONE : takeFrom(conditions, 0);
    }
  }

  /**
   * One condition: the rest of the line after `*` and blanks, with `\`+newline
   * continuations; trailing blanks are stripped and continuations squeezed
   * (misc.c squeeze()). `star` is -1 for a legacy `:N` condition without `*`.
   */
  private conditionLine(star: number, at: number, lead: string): Condition {
    const text = this.text;
    const start = star >= 0 ? star : at;
    const textStart = skipBlanks(text, star >= 0 ? star + 1 : at);
    const end = logicalLineEnd(text, textStart);
    let bodyEnd = end;
    for (let b = text.charCodeAt(bodyEnd - 1); bodyEnd > textStart && (b === 0x20 || b === 0x09); b = text.charCodeAt(--bodyEnd - 1));
    let body = text.slice(textStart, bodyEnd);
    if (body.includes('\\\n')) body = body.replace(/\\\n[ \t]*/g, '');
    this.pos = end;
    // Where the text starts is derived when a diagnostic needs it (sub-spans.ts).
    const node: Condition = { kind: 'condition', span: this.src.span(start, end), raw: text.slice(start, end), lead, text: body };
    return node;
  }

  /**
   * The action line (docs/procmail-semantics.md §1.6). `leadStart` is where the trivia before
   * it began. A block's `{` is returned as a brace; null is `Incomplete recipe`.
   */
  private action(header: Span, leadStart: number): Action | BraceToken | null {
    const text = this.text;
    const i = skipBlanks(text, this.pos);
    const lead = trivia(text, leadStart, i);
    const c = text[i];
    if (c === undefined) {
      // Trailing blank lines stay for the file's trail.
      this.pos = leadStart;
      this.error('incomplete-recipe', 'Incomplete recipe', header);
      return null;
    }
    if (c === '|') return this.pipe(i, i + 1, null, lead);
    if (c === '!') return this.forward(i, i + 1, lead);
    if (c === '{' && (isBlank(text[i + 1]) || text[i + 1] === '\n')) {
      this.opens.push(i);
      this.pos = i + 1;
      const open: BraceToken = { span: this.src.span(i, i + 1), raw: '{', lead, missing: false, source: text };
      return open;
    }
    if (c === '@') {
      const ext = this.extAction(i, lead);
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
        if (text[j] === '|') return this.pipe(i, j + 1, text.slice(i, nameEnd), lead);
        if (text[j] === '!') return this.forward(i, j + 1, lead);
      }
    }
    const r = this.reader.words(i, false);
    this.pos = r.end;
    // Usually one word and nothing else: the action and the word then share their span and text.
    const only = r.words.length === 1 ? r.words[0]! : undefined;
    const node: Action = only !== undefined && only.span.start === i && only.span.end === r.end
      ? { kind: 'folder', span: only.span, raw: only.raw, lead, targets: r.words }
      : { kind: 'folder', span: this.src.span(i, r.end), raw: text.slice(i, r.end), lead, targets: r.words };
    return node;
  }

  private pipe(start: number, after: number, capture: string | null, lead: string): Action {
    const text = this.text;
    const end = logicalLineEnd(text, after);
    this.pos = end;
    const node: Action = { kind: 'pipe', span: this.src.span(start, end), raw: text.slice(start, end), lead, command: text.slice(after, end), capture };
    return node;
  }

  private forward(start: number, after: number, lead: string): Action {
    const text = this.text;
    const r = this.reader.words(after, false);
    this.pos = r.end;
    const node: Action = { kind: 'forward', span: this.src.span(start, r.end), raw: text.slice(start, r.end), lead, addresses: r.words };
    return node;
  }

  /**
   * `@verb args` in its exact form: a mailrules extension action. Any other
   * `@…` line is the folder name procmail reads (null), with a warning
   * when it starts like an extension.
   */
  private extAction(start: number, lead: string): Action | null {
    const text = this.text;
    const end = lineEnd(text, start);
    const line = text.slice(start, end);
    const ext = exactExtAction(line);
    if (ext === null) {
      if (looksLikeExt(line)) {
        const split = splitExtLine(line);
        const why = split === null ? '`@` and a name must be followed by a blank or the end of the line' : notExactAction(split.verb, split.args);
        this.warn('ext-not-exact', `"${visible(line)}" is a folder name, as procmail reads it, not an extension: ${why}; write "./${visible(line)}" to keep the folder without this warning`, this.src.span(start, end));
      }
      return null;
    }
    this.pos = end;
    const node: Action = { kind: 'ext', span: this.src.span(start, end), raw: line, lead, verb: ext.verb, args: ext.args };
    return node;
  }
}

/** The end of a line that may continue with `\`+newline (procmail's getlline). */
function logicalLineEnd(text: string, i: number): number {
  for (;;) {
    const nl = lineEnd(text, i);
    if (nl >= text.length || text[nl - 1] !== '\\' || nl === i) return nl;
    i = nl + 1;
  }
}

/** Trivia strings by newline and space count (see shared-strings.ts for why). */
const TRIVIA: (string | undefined)[] = [];

/** The text from `from` to `to`, shared when it is newlines followed by spaces. */
function trivia(text: string, from: number, to: number): string {
  // Empty and one-character strings are never allocated anew.
  if (to - from < 2) return text.slice(from, to);
  let i = from;
  while (i < to && text.charCodeAt(i) === 0x0a) i++;
  const newlines = i - from;
  while (i < to && text.charCodeAt(i) === 0x20) i++;
  const spaces = i - from - newlines;
  if (i !== to || newlines > 7 || spaces > 31) return text.slice(from, to);
  const key = newlines * 32 + spaces;
  return (TRIVIA[key] ??= text.slice(from, to));
}

/** The instance the generated grammar names with `@lexer`; parse.ts gives each parse its own. */
export const grammarLexer = new RcLexer();

/** A carriage return (CRLF files) would garble the message on a terminal; show it as `\r`. */
function visible(s: string): string {
  return s.replace(/\r/g, '\\r');
}

function isNameStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f;
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

/** Why `@verb args` is not the action extension (the argument parser's first complaint). */
function notExactAction(verb: string, args: string): string {
  if (verb !== verb.toLowerCase()) return `extension names are lower case (\`@${verb.toLowerCase()}\`)`;
  const parsed = parseExtAction(verb, args);
  return parsed.ok ? '' : parsed.errors[0]!.message;
}
