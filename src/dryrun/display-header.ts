import type * as UrlModule from 'node:url';

/**
 * The Subject, From and To of a header as a mail reader shows them, for the
 * dry run's report (decode.ts says when it is asked). libmime does the
 * RFC 2047 and charset work (~30 ms to load, a third of mailparser, which
 * is built on it), nodemailer's addressparser splits address lists; both
 * are loaded on the first header that needs them. The texts are the ones
 * mailparser gives, so reports read the same as before: a field unfolded
 * and trimmed, raw 8-bit bytes read as UTF-8, encoded words decoded, and an
 * address list written again as `"Name" <address>`, a group as
 * `"Name": members;`.
 */
export interface DisplayHeader {
  readonly subject?: string;
  readonly from?: string;
  readonly to?: string;
  /** The Content-Type's charset: what raw 8-bit text in the fields was most likely written in. */
  readonly charset?: string;
}

/** The part of libmime used here (it ships no types). */
interface Libmime {
  decodeHeader(line: string): { key: string; value: string } | null;
  decodeWords(text: string): string;
  parseHeaderValue(text: string): { value: string; params: Record<string, string> };
}

type AddressParser = (typeof import('nodemailer/lib/addressparser'))['default'];

interface Address {
  name: string;
  address?: string;
  group?: Address[];
}

let libmimeModule: Libmime | undefined;
let addressParser: AddressParser | undefined;

function libmime(): Libmime {
  return (libmimeModule ??= require('libmime') as Libmime);
}

function parseAddresses(text: string): Address[] {
  addressParser ??= (require('nodemailer/lib/addressparser') as typeof import('nodemailer/lib/addressparser')).default;
  return addressParser(text) as Address[];
}

/** The header's fields as name (lower case) and folded line, continuation lines joined with CRLF. */
function fieldLines(header: string): { key: string; line: string }[] {
  const out: { key: string; line: string }[] = [];
  for (const raw of header.replace(/[\r\n]+$/, '').split(/\r?\n/)) {
    const last = out[out.length - 1];
    if ((raw.startsWith(' ') || raw.startsWith('\t')) && last !== undefined) last.line += `\r\n${raw}`;
    else if (raw !== '' && !raw.startsWith('From ')) out.push({ key: raw.slice(0, Math.max(0, raw.indexOf(':'))).trim().toLowerCase(), line: raw });
  }
  return out;
}

/** Decoding that fails keeps the text as it is. */
function decodeWords(text: string): string {
  try {
    return libmime().decodeWords(text);
  } catch {
    return text;
  }
}

/** The header (latin1 bytes, ending with its blank line) decoded for display. */
export function displayHeader(header: Buffer): DisplayHeader {
  const out: { subject?: string; from?: string; to?: string; charset?: string } = {};
  for (const { key, line } of fieldLines(header.toString('latin1'))) {
    if (key !== 'subject' && key !== 'from' && key !== 'to' && key !== 'content-type') continue;
    // Unfolded and trimmed, its raw bytes read as UTF-8 (a mail reader's guess for undeclared 8-bit text).
    const value = Buffer.from((libmime().decodeHeader(line)?.value ?? '').toString().trim(), 'latin1').toString('utf8');
    if (key === 'subject') {
      // An empty subject is no subject (a later one may still give one).
      const s = decodeWords(value);
      if (s !== '') out.subject = s;
    }
    else if (key === 'content-type') {
      const cs = libmime().parseHeaderValue(value).params['charset'];
      if (cs !== undefined) out.charset = decodeWords(cs);
    } else {
      const list = parseAddresses(value);
      decodeAddresses(list);
      out[key] = addressText(list);
    }
  }
  return out;
}

/** Only encoded words in base64, and blanks between them: a name that may hide a whole address. */
const ENCODED_ONLY = /^(=\?[^?]+\?[Bb]\?[^?]*\?=)(\s*=\?[^?]+\?[Bb]\?[^?]*\?=)*$/;
/** An encoded word anywhere. */
const ENCODED_WORD = /=\?[^?]+\?[BbQq]\?[^?]*\?=/;

/**
 * Whether `text` holds `<local@domain>`: a `<`, then before the next `>`
 * an `@` with something on both sides (no `<` or `>` between). One pass.
 */
function hasBracketedAddress(text: string): boolean {
  for (let open = text.indexOf('<'); open >= 0; open = text.indexOf('<', open + 1)) {
    const close = text.indexOf('>', open + 1);
    if (close < 0) return false;
    const inner = text.slice(open + 1, close);
    if (inner.includes('<')) continue;
    const at = inner.indexOf('@', 1);
    if (at >= 1 && at < inner.length - 1) return true;
    open = close;
  }
  return false;
}

/**
 * Names decoded in place. An address must not come out of an encoded
 * word (RFC 2047 §5): a name that is only base64 words and decodes to
 * `Name <a@b>` is read as that address list, anything else stays a name;
 * an encoded word in the address itself is kept only when it decodes to a
 * plain local@domain. IDN domains are shown in Unicode.
 */
function decodeAddresses(list: Address[], reparsed = new WeakSet<Address>()): void {
  for (let i = 0; i < list.length; i++) {
    const a = list[i]!;
    a.name = String(a.name ?? '').trim();
    if (!a.address && ENCODED_ONLY.test(a.name) && !reparsed.has(a)) {
      const decoded = decodeWords(a.name);
      if (hasBracketedAddress(decoded)) {
        const found = parseAddresses(decoded);
        for (const f of found) reparsed.add(f);
        list.push(...found);
        list.splice(i--, 1);
      } else a.name = decoded;
      continue;
    }
    if (a.name) a.name = decodeWords(a.name);
    if (a.address && ENCODED_WORD.test(a.address)) {
      let decoded = '';
      try {
        decoded = libmime().decodeWords(a.address);
      } catch {
        // an address that cannot be decoded is dropped
      }
      a.address = /^[^\s@]+@[^\s@]+$/.test(decoded) && !decoded.includes('=?') ? decoded : '';
    }
    if (a.address && a.address.includes('@xn--')) {
      const at = a.address.lastIndexOf('@');
      const domain = (require('node:url') as typeof UrlModule).domainToUnicode(a.address.slice(at + 1));
      if (domain !== '') a.address = a.address.slice(0, at + 1) + domain;
    }
    if (a.group) decodeAddresses(a.group, reparsed);
  }
}

/** `"Name" <address>`, a bare address, or `"Group": members;`, comma-separated. */
function addressText(list: readonly Address[]): string {
  return list
    .map((a) => {
      let s = a.name ? `"${a.name}"${a.group ? ': ' : ''}` : '';
      if (a.address) s += a.name ? ` <${a.address}>` : a.address;
      if (a.group) s += `${addressText(a.group)};`;
      return s;
    })
    .join(', ');
}
