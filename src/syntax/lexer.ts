/**
 * The rc statement lexer. It reads the text the way procmail's main loop does
 * (procmail.c mainloop, misc.c conditions(); docs/procmail-semantics.md §1) and hands the
 * parser whole statements, nodes already built: a statement is an
 * assignment, a comment, a skipped line, or a recipe (header, conditions and
 * action, or none after `Missing action` / `Incomplete recipe`). It groups
 * them into runs that end at a brace (tokens.ts), so the parser (parse.ts)
 * only nests blocks. The recipe header line is read by recipe-header.ts, the
 * action line (but a block's `{`) by recipe-action.ts.
 * Blank lines and comment lines inside a recipe are trivia, carried in the
 * next node's `lead` so the printer can restore them.
 *
 * procmail reads statements, not lines: `A=1 B=2` is two assignments,
 * `{ LOG=x }` is a block on one line, and after `}` the line goes on. The
 * lexer follows that, so a statement is usually, but not always, one line.
 */
import { diagnostic, type Diagnostic } from '../source/diagnostic.js';
import type { Span } from '../source/span.js';
import type { Action, Assignment, Comment, Condition, Item, Skipped, Word } from './ast.js';
import { recipeOf } from './build.js';
import { isNameStart, logicalLineEnd, type Reading } from './reading.js';
import { readAction } from './recipe-action.js';
import { conditionCount, readRecipeHeader } from './recipe-header.js';
import { shared } from './shared-strings.js';
import { SourceText } from './source-text.js';
import type { BlockHead, BraceToken, Token } from './tokens.js';
import { visible } from './visible.js';
import { isBlank, lineEnd, nameCharsEnd, NONE, skipBlanks, takeFrom, WordReader } from './word.js';

/** What the last statement reader read: a statement, or a block's head or close. */
type ReadType = Token['type'];

/** What the statement readers return: one statement, or a block's head or close. */
type Read = Item | BlockHead | BraceToken;

export class RcLexer {
  private readonly src: SourceText;
  /** src.text, read on every step (a field: a getter costs a call until the code is optimized). */
  private readonly text: string;
  private readonly reader: WordReader;
  /** What recipe-header.ts and recipe-action.ts read their lines with. */
  private readonly reading: Reading;
  private pos = 0;
  /** Offsets of the `{` of each open block. */
  private readonly opens: number[] = [];
  /** The `}`s supplied for blocks still open at the end of the text, innermost first. */
  private readonly missingCloses: BraceToken[] = [];
  private done = false;
  /** What the last statement reader returned: a statement, a head or a close. */
  private read: ReadType = 'statements';
  /** The statements of the run being read (copied out: see word.ts pendingWords). */
  private readonly run: Item[] = [];
  private readonly pendingConditions: Condition[] = [];
  /** Set by conditions(): where the trivia before the action begins; -1 after `Missing action`. */
  private actionLead = 0;
  /** Text after the last token (trailing blank lines and the final newline). */
  trail = '';
  readonly diagnostics: Diagnostic[] = [];

  constructor(file: string, text: string) {
    this.src = new SourceText(file, text);
    this.text = text;
    this.reader = new WordReader(this.src, this.diagnostics);
    this.reading = { src: this.src, reader: this.reader, diagnostics: this.diagnostics };
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
    return { type: 'statements', value: takeFrom(run, 0) };
  }

  /** A `head` or `close` token: the run so far and the brace. */
  private bounded(type: 'head' | 'close', brace: BlockHead | BraceToken): Token {
    const before = takeFrom(this.run, 0);
    return type === 'head'
      ? { type, value: { before, brace: brace as BlockHead } }
      : { type, value: { before, brace: brace as BraceToken } };
  }

  /** Records what a statement reader read (next() groups statements into runs). */
  private got<T extends Read>(type: ReadType, value: T): T {
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
    if (c === ':') return this.recipe(i, lead);
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
   * A recipe: its header (recipe-header.ts), then the conditions and the
   * action after it (procmail reads them in misc.c conditions()).
   */
  private recipe(start: number, lead: string): Read {
    const text = this.text;
    const { header, end } = readRecipeHeader(this.reading, start);
    this.pos = end;
    const { span, raw } = header;
    const conditions = this.conditions(span, conditionCount(header));
    if (this.actionLead < 0) return this.got('statements', recipeOf(text, lead, header, conditions, null));
    const act = this.action(span, this.actionLead);
    if (act !== null && 'missing' in act) {
      const head: BlockHead = { span, raw, lead, header, conditions, source: text, open: act };
      return this.got('head', head);
    }
    return this.got('statements', recipeOf(text, lead, header, conditions, act));
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
   * The action line (docs/procmail-semantics.md §1.6; recipe-action.ts). `leadStart` is where the
   * trivia before it began. A block's `{` is returned as a brace; null is `Incomplete recipe`.
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
    if (c === '{' && (isBlank(text[i + 1]) || text[i + 1] === '\n')) {
      this.opens.push(i);
      this.pos = i + 1;
      const open: BraceToken = { span: this.src.span(i, i + 1), raw: '{', lead, missing: false, source: text };
      return open;
    }
    const act = readAction(this.reading, i, lead);
    this.pos = act.span.end;
    return act;
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
