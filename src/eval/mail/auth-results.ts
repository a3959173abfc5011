/**
 * An Authentication-Results field (RFC 8601 §2.2) read into values:
 *
 *     authserv-id [version] ( ";" "none" / 1*( ";" method[/version] "=" result
 *         [reason "=" value] *( ptype "." property "=" pvalue ) ) )
 *
 * with comments (nested, with quoted-pairs) and blanks allowed anywhere
 * between the parts, as RFC 8601 §2.2 allows (the field arrives unfolded).
 * Written for the fields real verifiers add: OpenDKIM and OpenDMARC
 * (`dkim=pass (2048-bit key; unprotected) header.d=… header.i=@… header.b="…"`),
 * rspamd, Exim, policyd-spf (a comment after smtp.mailfrom), and for
 * what they should not write but do: properties that are not
 * `ptype.property` (Microsoft's `action=none`) are skipped, a result that
 * cannot be read is skipped up to the next `;`, and a field that starts
 * with a result has no authserv-id, so no AUTHSERV_ID can trust it.
 * One forward pass; never throws.
 */
export interface AuthResults {
  /** The authserv-id (RFC 8601 §2.5) as written, or null when the field has none. */
  readonly authservId: string | null;
  readonly results: readonly AuthResult[];
}

export interface AuthResult {
  /** The method in lower case, without its version: `dkim`, `spf`, `dmarc`, `arc`, `iprev`, `auth`, or any other. */
  readonly method: string;
  /** The result in lower case: `pass`, `fail`, `softfail`, `none`, `neutral`, `temperror`, `permerror`, `policy`, … */
  readonly result: string;
  readonly reason: string | null;
  readonly properties: readonly AuthProperty[];
}

export interface AuthProperty {
  /** `smtp`, `header`, `body`, `policy` (lower case). */
  readonly ptype: string;
  /** `mailfrom`, `d`, `i`, `from`, … (lower case). */
  readonly property: string;
  /** As written, quotes removed. */
  readonly value: string;
}

/** RFC 2045 §5.1 tspecials, which end a token. */
const TSPECIALS = '()<>@,;:\\"/[]?=';
class Reader {
  i = 0;
  constructor(readonly s: string) {}

  get done(): boolean {
    return this.i >= this.s.length;
  }

  peek(): string {
    return this.s[this.i] ?? '';
  }

  /** Blanks and comments (RFC 5322 §3.2.2: nested, with quoted-pairs). */
  skip(): void {
    const s = this.s;
    for (;;) {
      const c = s[this.i];
      if (c === ' ' || c === '\t' || c === '\r' || c === '\n') this.i++;
      else if (c === '(') {
        let depth = 0;
        while (this.i < s.length) {
          const d = s[this.i]!;
          if (d === '\\') this.i += 2;
          else {
            this.i++;
            if (d === '(') depth++;
            else if (d === ')' && --depth === 0) break;
          }
        }
      } else return;
    }
  }

  /** Is the next thing (after blanks and comments) `c`? Consumes it when it is. */
  eat(c: string): boolean {
    this.skip();
    if (this.s[this.i] !== c) return false;
    this.i++;
    return true;
  }

  quoted(): string {
    let out = '';
    this.i++;
    while (this.i < this.s.length && this.s[this.i] !== '"') {
      if (this.s[this.i] === '\\' && this.i + 1 < this.s.length) this.i++;
      out += this.s[this.i++];
    }
    this.i++;
    return out;
  }

  /** A token (RFC 2045 §5.1) or a quoted string; '' when there is neither. */
  value(): string {
    this.skip();
    if (this.peek() === '"') return this.quoted();
    const start = this.i;
    while (this.i < this.s.length && !isTokenEnd(this.s[this.i]!)) this.i++;
    return this.s.slice(start, this.i);
  }

  /** A Keyword (RFC 8601 §2.2: letters, digits, `-`; `_` too, leniently): a method, result, ptype or property name. */
  keyword(): string {
    this.skip();
    const start = this.i;
    while (this.i < this.s.length && /[A-Za-z0-9_-]/.test(this.s[this.i]!)) this.i++;
    return this.s.slice(start, this.i);
  }

  /** A pvalue (RFC 8601 §2.2): a value, or `[local-part] "@" domain`, whose `@` is no token character. */
  pvalue(): string {
    this.skip();
    let out = this.peek() === '"' ? this.quoted() : '';
    const start = this.i;
    while (this.i < this.s.length && !isPvalueEnd(this.s[this.i]!)) this.i++;
    return out + this.s.slice(start, this.i);
  }

  /** Past the next `;` outside quotes and comments (or to the end). */
  skipResult(): void {
    while (!this.done) {
      this.skip();
      const c = this.peek();
      if (c === ';') return;
      if (c === '"') this.quoted();
      else this.i++;
    }
  }
}

function isTokenEnd(c: string): boolean {
  return c <= ' ' || c === '\x7f' || TSPECIALS.includes(c);
}

function isPvalueEnd(c: string): boolean {
  return c <= ' ' || c === ';' || c === '(' || c === ')' || c === '"';
}

/** Read one Authentication-Results field value (after the colon). */
export function parseAuthResults(value: string): AuthResults {
  const r = new Reader(value);
  let authservId: string | null = r.value();
  r.skip();
  if (r.peek() === '=' || r.peek() === '/') {
    // `spf=pass …` straight away: no authserv-id (not RFC 8601, but written). Read the results anyway.
    authservId = null;
    r.i = 0;
    return { authservId, results: readResults(r, true) };
  }
  if (authservId === '') authservId = null;
  // An optional version after the id (RFC 8601 §2.2 authres-version).
  const mark = r.i;
  if (!/^\d+$/.test(r.value())) r.i = mark;
  return { authservId, results: readResults(r, false) };
}

function readResults(r: Reader, first: boolean): AuthResult[] {
  const results: AuthResult[] = [];
  let atStart = first;
  while (!r.done) {
    if (!atStart && !r.eat(';')) {
      r.skipResult();
      if (!r.eat(';')) break;
    }
    atStart = false;
    const res = readResult(r);
    if (res !== null) results.push(res);
    else r.skipResult();
  }
  return results;
}

/** methodspec [reasonspec] *propspec, up to the next `;`; null when it cannot be read (or is `none`). */
function readResult(r: Reader): AuthResult | null {
  const method = r.keyword().toLowerCase();
  if (method === '') return null;
  if (r.eat('/')) r.keyword(); // method-version
  if (!r.eat('=')) return null;
  const result = r.keyword().toLowerCase();
  if (result === '') return null;
  let reason: string | null = null;
  const properties: AuthProperty[] = [];
  for (;;) {
    r.skip();
    if (r.done || r.peek() === ';') break;
    const mark = r.i;
    const name = r.keyword();
    if (name === '') {
      // Something no property starts with: leave the rest of this result.
      r.i = mark;
      r.skipResult();
      break;
    }
    if (r.eat('.')) {
      const property = r.keyword();
      if (!r.eat('=')) continue;
      const v = r.pvalue();
      properties.push({ ptype: name.toLowerCase(), property: property.toLowerCase(), value: v });
    } else if (r.eat('=')) {
      const v = r.pvalue();
      if (name.toLowerCase() === 'reason') reason = v;
      // Anything else written as `key=value` is not RFC 8601's: skipped.
    }
  }
  return { method, result, reason, properties };
}
