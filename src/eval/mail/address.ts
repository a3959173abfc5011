/**
 * RFC 5322 §3.4 address-list parsing, reduced to what list lookups need:
 * the addr-spec of every mailbox. Display names, comments (nested, §3.2.2),
 * groups (`undisclosed: a@x, b@y;`), obsolete source routes
 * (`<@relay:user@x>`, §4.4) and whitespace inside an addr-spec are dropped.
 * Encoded words (RFC 2047) only ever occur in display names and comments,
 * which are thrown away undecoded, so they can never fake an address.
 *
 * The parser is a single forward scan with no backtracking, so any header a
 * stranger writes costs time linear in its length (docs/architecture.md §4.8). Malformed input
 * yields whatever addresses can be recovered, never an exception.
 */

type Token =
  | { readonly kind: 'atom'; readonly text: string }
  | { readonly kind: 'quoted'; readonly text: string }
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'special'; readonly text: string };

/** Tokenize, dropping comments and whitespace (both are CFWS, meaningless for addr-specs). */
function tokenize(value: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = value.length;
  while (i < n) {
    const c = value[i]!;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      i++;
    } else if (c === '(') {
      // Comments nest and may contain quoted-pairs (RFC 5322 §3.2.2).
      let depth = 0;
      while (i < n) {
        const d = value[i]!;
        if (d === '\\') i += 2;
        else {
          if (d === '(') depth++;
          else if (d === ')') depth--;
          i++;
          if (depth === 0) break;
        }
      }
    } else if (c === '"') {
      let text = '';
      i++;
      while (i < n && value[i] !== '"') {
        if (value[i] === '\\' && i + 1 < n) i++;
        text += value[i];
        i++;
      }
      i++; // closing quote (or end of input: an unterminated string ends at the end)
      out.push({ kind: 'quoted', text });
    } else if (c === '[') {
      const close = value.indexOf(']', i);
      const stop = close < 0 ? n : close + 1;
      out.push({ kind: 'literal', text: value.slice(i, stop).replace(/[ \t\r\n]/g, '') });
      i = stop;
    } else if (c === ')') {
      // A ')' outside any comment is noise. It also stops an atom, so the atom branch would push an
      // empty atom without advancing, for ever (`From: )` ran the heap out).
      i++;
    } else if ('<>@,;:.'.includes(c)) {
      out.push({ kind: 'special', text: c });
      i++;
    } else {
      let j = i;
      while (j < n && !' \t\r\n()"[<>@,;:.'.includes(value[j]!)) j++;
      out.push({ kind: 'atom', text: value.slice(i, j) });
      i = j;
    }
  }
  return out;
}

const DOT_ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;

/** Quote a local part only when it needs it, so `"bob"@x` and `bob@x` compare equal. */
function localPart(tokens: readonly Token[]): string {
  let text = '';
  let hadQuoted = false;
  for (const t of tokens) {
    if (t.kind === 'quoted') hadQuoted = true;
    text += t.text;
  }
  if (!hadQuoted || DOT_ATOM.test(text)) return text;
  return `"${text.replace(/(["\\])/g, '\\$1')}"`;
}

/** Build an addr-spec from the tokens of one mailbox (or the inside of `<…>`). */
function addrSpec(tokens: readonly Token[]): string {
  // Obsolete route `@a,@b:` before the address (RFC 5322 §4.4): drop through the last `:`.
  let start = 0;
  if (tokens[0]?.kind === 'special' && tokens[0].text === '@') {
    const colon = tokens.findIndex((t) => t.kind === 'special' && t.text === ':');
    if (colon >= 0) start = colon + 1;
  }
  const rest = tokens.slice(start);
  // The domain follows the last `@`; an `@` inside a quoted local part is a quoted token, not a special.
  let at = -1;
  for (let k = rest.length - 1; k >= 0; k--) {
    const t = rest[k]!;
    if (t.kind === 'special' && t.text === '@') {
      at = k;
      break;
    }
  }
  if (at < 0) return localPart(rest.filter((t) => t.kind !== 'special' || t.text === '.'));
  const domain = rest
    .slice(at + 1)
    .map((t) => t.text)
    .join('');
  return `${localPart(rest.slice(0, at))}@${domain}`;
}

/**
 * The addr-specs in an address-list header value, in order, as written
 * (case kept; see normalizeAddress). The null address `<>` is skipped.
 */
export function parseAddressList(value: string): string[] {
  const tokens = tokenize(value);
  const out: string[] = [];
  let mailbox: Token[] = [];
  let angle: Token[] | null = null;
  let angleDone: Token[] | null = null;
  const flush = (): void => {
    const chosen = angleDone ?? (angle !== null ? angle : mailbox);
    if (angleDone !== null || angle !== null) {
      const spec = addrSpec(chosen);
      if (spec !== '') out.push(spec);
    } else {
      // A bare addr-spec: words and dots and `@`. Without an `@`, only a
      // single plain word counts (a local user, `postmaster`); `John Smith`
      // or a lone quoted string is a display name without an address.
      const words = mailbox.filter((t) => t.kind !== 'special' || t.text === '@' || t.text === '.');
      const hasAt = words.some((t) => t.kind === 'special' && t.text === '@');
      const soleAtom = words.length === 1 && words[0]!.kind === 'atom';
      if (hasAt || soleAtom) {
        const spec = addrSpec(words);
        if (spec !== '') out.push(spec);
      }
    }
    mailbox = [];
    angle = null;
    angleDone = null;
  };
  for (const t of tokens) {
    if (angle !== null) {
      if (t.kind === 'special' && t.text === '>') {
        angleDone = angle;
        angle = null;
      } else angle.push(t);
      continue;
    }
    if (t.kind === 'special') {
      if (t.text === '<') {
        angle = [];
        continue;
      }
      if (t.text === ',' || t.text === ';') {
        flush();
        continue;
      }
      if (t.text === ':' && angleDone === null) {
        // `display-name:` starts a group; what came before was its name.
        mailbox = [];
        continue;
      }
    }
    if (angleDone === null) mailbox.push(t);
  }
  flush();
  return out;
}

/**
 * The form used for comparisons: lower case throughout. RFC 5321 lets a
 * local part be case-sensitive, but list files are written by people and
 * procmail's own matching is case-insensitive by default (docs/procmail-semantics.md §3.3).
 */
export function normalizeAddress(address: string): string {
  let a = address.trim();
  if (a.startsWith('<') && a.endsWith('>')) a = a.slice(1, -1).trim();
  return a.toLowerCase();
}
