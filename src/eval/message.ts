/**
 * A read-only view of one message as procmail sees it (docs/procmail-semantics.md §0, §3.1).
 * Text accessors are latin1 strings (one char per byte) so regexes stay
 * byte-oriented; every derived form is computed on first use and cached,
 * because a message is searched by many recipes.
 */
import { MAX_CONTENT_LENGTH_PLACES } from '../limits.js';

const NL = 10;

/**
 * Where the body starts, as procmail's readmail() (mailfold.c) finds it:
 * leading newlines are skipped (and so is the first character after them),
 * then the first line break followed by another line break ends the header,
 * which keeps both. The scan is a C string scan, so a NUL byte ends it (no
 * body then). No empty line: the whole message is header and the body is
 * empty. `\r` is an ordinary character: a CRLF message has no empty line.
 */
export function findBodyStart(raw: Buffer): number {
  const len = raw.length;
  let p = 0;
  while (p < len && raw[p] === NL) p++;
  if (p < len) p++;
  // The first empty line, in one native search rather than one per header line.
  const q = raw.indexOf(NL_NL, p);
  if (q < 0) return len;
  const nul = raw.indexOf(0, p);
  return nul >= 0 && nul < q ? len : q + 2;
}

const NL_NL = Buffer.from('\n\n', 'latin1');

/** Replace every newline that is followed by a space or tab with one space (docs/procmail-semantics.md §3.1); the length is unchanged. */
export function unfold(header: string): string {
  // Two plain-string replaceAll passes are about twice as fast as one
  // lookahead regex, and equivalent: a replacement never creates a newline.
  const spaced = header.indexOf('\n ') < 0 ? header : header.replaceAll('\n ', '  ');
  return spaced.indexOf('\n\t') < 0 ? spaced : spaced.replaceAll('\n\t', ' \t');
}

export class MessageView {
  /** The whole message, exactly as read (or as filters left it). */
  readonly raw: Buffer;
  /** Offset of the first body byte (= header length in bytes). */
  readonly bodyStart: number;
  private _header?: string;
  private _body?: string;
  private _headerUnfolded?: string;
  private _whole?: string;
  private _wholeUnfolded?: string;
  private _fromLine?: string | null;
  private _derived?: Map<string, unknown>;

  constructor(raw: Buffer, bodyStart?: number) {
    this.raw = raw;
    this.bodyStart = bodyStart ?? findBodyStart(raw);
  }

  /** Size in bytes (what `< N`/`> N` compare against by default, docs/procmail-semantics.md §1.5). */
  get size(): number {
    return this.raw.length;
  }

  /** Header area including the blank separator line, latin1 (docs/procmail-semantics.md §3.1 H). */
  get header(): string {
    return (this._header ??= this.raw.toString('latin1', 0, this.bodyStart));
  }

  /** Body area, latin1 (docs/procmail-semantics.md §3.1 B). */
  get body(): string {
    return (this._body ??= this.raw.toString('latin1', this.bodyStart));
  }

  /** The header as H searches see it: continuation line breaks turned into spaces. */
  get headerUnfolded(): string {
    return (this._headerUnfolded ??= unfold(this.header));
  }

  /** The whole message, latin1. */
  get whole(): string {
    return (this._whole ??= this.header + this.body);
  }

  /** What HB searches see: only the header part is unfolded (procmail's concon() knows header continuations only). */
  get wholeUnfolded(): string {
    return (this._wholeUnfolded ??= this.headerUnfolded + this.body);
  }

  /** The leading `From ` line without its newline, or null (docs/procmail-semantics.md §7.1). */
  get fromLine(): string | null {
    if (this._fromLine === undefined) {
      if (this.raw.length >= 5 && this.raw.toString('latin1', 0, 5) === 'From ') {
        const nl = this.raw.indexOf(NL);
        this._fromLine = this.raw.toString('latin1', 0, nl < 0 ? this.raw.length : nl);
      } else {
        this._fromLine = null;
      }
    }
    return this._fromLine;
  }

  /** Header bytes (including the separator line). */
  get headerBytes(): Buffer {
    return this.raw.subarray(0, this.bodyStart);
  }

  /** Body bytes. */
  get bodyBytes(): Buffer {
    return this.raw.subarray(this.bodyStart);
  }

  /** A filter (`fh`) replaced the header: the new bytes are the header, the body is kept. */
  withHeader(header: Buffer): MessageView {
    return new MessageView(Buffer.concat([header, this.bodyBytes]), header.length);
  }

  /** A filter (`fb`) replaced the body. */
  withBody(body: Buffer): MessageView {
    return new MessageView(Buffer.concat([this.headerBytes, body]), this.bodyStart);
  }

  /** A filter replaced the whole message: split it again. */
  withWhole(raw: Buffer): MessageView {
    return new MessageView(raw);
  }

  /** The bytes fed to a program or folder for the recipe's h/b flags (original line breaks). */
  part(which: { header: boolean; body: boolean }): Buffer {
    if (which.header && which.body) return this.raw;
    if (which.header) return this.headerBytes;
    if (which.body) return this.bodyBytes;
    return this.raw.subarray(0, 0);
  }

  /**
   * A value computed from this message once, however many conditions ask
   * (the texts `* @decoded` searches: src/eval/decoded-condition.ts).
   */
  derived<T>(key: string, make: () => T): T {
    const m = (this._derived ??= new Map<string, unknown>());
    if (!m.has(key)) m.set(key, make());
    return m.get(key) as T;
  }
}

/**
 * The message as procmail holds it after readmail() (mailfold.c;
 * docs/procmail-semantics.md §7.2): unless -Y (`berkeley`), the value of the first
 * `Content-Length:` field in the header is overwritten with the body's
 * length, right-aligned in the field's existing width (all 9s when the
 * number does not fit). Done once per (re)read, so conditions and every
 * partial feed see the same bytes. Accepts a view to re-read after a filter.
 */
export function readmail(message: Buffer | MessageView, berkeley: boolean): MessageView {
  const view = message instanceof MessageView ? message : new MessageView(message);
  if (berkeley) return view;
  const fixed = contentLengthFixed(view);
  return fixed === null ? view : new MessageView(fixed, view.bodyStart);
}

// A field starts the header or follows a '\n': not `^` with the m flag, which also matches after
// a lone '\r' ("X: a\rContent-Length: 7" is one field to procmail, verified with 3.22).
const CONTENT_LENGTH = /(?:^|\n)content-length:/i;

/**
 * How many body bytes the message's Content-Length covers once readmail()
 * has rewritten it: the body's length, less the blank line an mbox-style
 * ending adds. Null when the header has no such field.
 */
export function contentLengthCovers(view: MessageView): number | null {
  if (!CONTENT_LENGTH.test(view.header)) return null;
  return coveredLength(view.raw, view.bodyStart);
}

function coveredLength(raw: Buffer, bodyStart: number): number {
  let length = raw.length - bodyStart;
  // The blank line an mbox-style ending adds is not counted (mailfold.c "no phantom '\n'").
  if (raw.length > 1 && raw[raw.length - 2] === NL) length--;
  return length < 0 ? 0 : length;
}

/** The bytes with the Content-Length value rewritten, or null when there is no such field or it is already right. */
export function contentLengthFixed(view: MessageView): Buffer | null {
  const { raw, bodyStart } = view;
  // The header text is cached by the view, and every H search needs it anyway.
  const header = view.header;
  const m = CONTENT_LENGTH.exec(header);
  if (m === null) return null;
  const valueStart = m.index + m[0].length;
  let valueEnd = header.indexOf('\n', valueStart);
  if (valueEnd < 0) valueEnd = bodyStart;
  const width = valueEnd - valueStart;
  const places = Math.min(width, MAX_CONTENT_LENGTH_PLACES);
  const digits = String(coveredLength(raw, bodyStart));
  const value = (digits.length <= places ? digits.padStart(places, ' ') : '9'.repeat(places)).padEnd(width, ' ');
  if (raw.toString('latin1', valueStart, valueEnd) === value) return null;
  const out = Buffer.from(raw);
  out.write(value, valueStart, 'latin1');
  return out;
}
