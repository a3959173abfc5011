/**
 * The arguments of MAIL and RCPT (RFC 5321 §4.1.2, §3.3): `FROM:<path>` or
 * `TO:<path>`, then ESMTP parameters `KEYWORD[=value]` separated by spaces
 * (RFC 5321 §4.1.2 Mail-parameters). Lenient where real clients differ
 * (spaces after the colon), strict where a wrong guess would deliver to
 * the wrong place (the angle brackets are required).
 */
export interface EnvelopeArgument {
  /** The address inside the brackets, source route dropped; '' for `<>`. */
  readonly address: string;
  /** Parameters by upper-cased keyword; null for a keyword without `=value`. */
  readonly params: ReadonlyMap<string, string | null>;
}

/** Parses `FROM:<a@b> SIZE=10` (`prefix` is `FROM:` or `TO:`); null on a syntax error. */
export function parseEnvelopeArgument(arg: string, prefix: 'FROM:' | 'TO:'): EnvelopeArgument | null {
  if (arg.slice(0, prefix.length).toUpperCase() !== prefix) return null;
  const rest = arg.slice(prefix.length).replace(/^ +/, '');
  if (!rest.startsWith('<')) return null;
  const close = closingBracket(rest);
  if (close < 0) return null;
  let address = rest.slice(1, close);
  // RFC 5321 §4.1.2: a source route (`@a,@b:user@c`) is accepted and ignored.
  if (address.startsWith('@')) {
    const colon = address.indexOf(':');
    if (colon < 0) return null;
    address = address.slice(colon + 1);
  }
  const params = parseParams(rest.slice(close + 1));
  if (params === null) return null;
  return { address, params };
}

/** The `>` that closes the path: not one inside a quoted local part. */
function closingBracket(text: string): number {
  let quoted = false;
  for (let i = 1; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '\\') i++;
    else if (c === '"') quoted = !quoted;
    else if (c === '>' && !quoted) return i;
  }
  return -1;
}

function parseParams(text: string): Map<string, string | null> | null {
  const out = new Map<string, string | null>();
  if (text !== '' && !text.startsWith(' ')) return null;
  for (const word of text.split(' ')) {
    if (word === '') continue;
    const eq = word.indexOf('=');
    const key = (eq < 0 ? word : word.slice(0, eq)).toUpperCase();
    if (!/^[A-Z0-9][A-Z0-9-]*$/.test(key) || out.has(key)) return null;
    out.set(key, eq < 0 ? null : word.slice(eq + 1));
  }
  return out;
}

/** The local part and domain of an address (`"a b"@x` → `a b`, `x`); the domain is '' when there is none. */
export function splitAddress(address: string): { local: string; domain: string } {
  if (address.startsWith('"')) {
    let local = '';
    for (let i = 1; i < address.length; i++) {
      const c = address[i]!;
      if (c === '\\' && i + 1 < address.length) local += address[++i];
      else if (c === '"') return { local, domain: address.slice(i + 1).replace(/^@/, '') };
      else local += c;
    }
    return { local, domain: '' };
  }
  const at = address.lastIndexOf('@');
  return at < 0 ? { local: address, domain: '' } : { local: address.slice(0, at), domain: address.slice(at + 1) };
}

/** Bytes above 0x7f (the address came in latin1: one character per byte). */
export const isEightBit = (text: string): boolean => /[^\x00-\x7f]/.test(text);
