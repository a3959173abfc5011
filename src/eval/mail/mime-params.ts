import { decodeCharset, decodeUndeclared, NO_CHARSET_FALLBACK, type CharsetFallback } from './charsets.js';
import { decodeEncodedWords } from './encoded-words.js';

/**
 * A MIME field with parameters (RFC 2045 §5.1 Content-Type, RFC 2183
 * Content-Disposition): its value and its parameters, with the RFC 2231
 * extensions undone: `name*=charset'lang'%XX` values decoded, `name*0`,
 * `name*1*`… continuations joined (their bytes first, so a character split
 * between two pieces comes out whole), and the extended form preferred over
 * a plain one of the same name (RFC 6266 §4.3). Encoded words in plain
 * values (`name="=?utf-8?B?…?="`, against RFC 2047 §5 but common) are
 * decoded too. Comments are dropped. Never throws.
 */
export interface MimeParams {
  /** `type/subtype` or the disposition, lower case ('' when there is none). */
  readonly value: string;
  /** The parameters in the order they first appear, names in lower case, values decoded. */
  readonly params: readonly MimeParam[];
  /** Whether any parameter used RFC 2231 (so its decoded form differs from what is written). */
  readonly extended: boolean;
}

export interface MimeParam {
  readonly name: string;
  readonly value: string;
}

interface Piece {
  readonly n: number;
  readonly encoded: boolean;
  readonly text: string;
}

/** `name*`, `name*3`, `name*3*`: the RFC 2231 §3-4 forms. */
const EXTENDED = /^(.*?)\*(?:(\d+)(\*)?)?$/;

/** Split at `;` outside quotes, quotes and quoted-pairs resolved, comments and outer blanks dropped. */
function split(value: string): { key: string | null; text: string }[] {
  const out: { key: string | null; text: string }[] = [];
  let key: string | null = null;
  let text = '';
  let quoted = false;
  let depth = 0;
  const commit = (): void => {
    out.push({ key, text: quoted ? text : text.trim() });
    key = null;
    text = '';
  };
  let inQuotes = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (depth > 0) {
      if (c === '\\') i++;
      else if (c === '(') depth++;
      else if (c === ')') depth--;
      continue;
    }
    if (inQuotes) {
      if (c === '\\' && i + 1 < value.length) text += value[++i];
      else if (c === '"') inQuotes = false;
      else text += c;
      continue;
    }
    if (c === '"') {
      inQuotes = true;
      quoted = true;
      text = text.trim();
    } else if (c === '(') depth = 1;
    else if (c === ';') {
      commit();
      quoted = false;
    } else if (c === '=' && key === null && out.length > 0) {
      key = text.trim().toLowerCase();
      text = '';
    } else if (!(quoted && (c === ' ' || c === '\t'))) text += c;
  }
  commit();
  return out;
}

function percentDecode(text: string): Buffer {
  return Buffer.from(text.replace(/%([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16))), 'latin1');
}

export function parseMimeParams(field: string, iconv: CharsetFallback = NO_CHARSET_FALLBACK): MimeParams {
  const parts = split(field);
  const value = (parts[0]?.text ?? '').toLowerCase();
  const plain = new Map<string, string>();
  const pieces = new Map<string, Piece[]>();
  const order: string[] = [];
  for (const p of parts.slice(1)) {
    if (p.key === null || p.key === '') continue;
    const m = EXTENDED.exec(p.key);
    const name = m ? m[1]! : p.key;
    if (!plain.has(name) && !pieces.has(name)) order.push(name);
    if (m === null) {
      if (!plain.has(name)) plain.set(name, p.text);
      continue;
    }
    const list = pieces.get(name) ?? [];
    pieces.set(name, list);
    // `name*` alone is piece 0, encoded.
    list.push({ n: m[2] === undefined ? 0 : Number(m[2]), encoded: m[2] === undefined || m[3] !== undefined, text: p.text });
  }
  const params: MimeParam[] = [];
  for (const name of order) {
    const list = pieces.get(name);
    if (list !== undefined) params.push({ name, value: joinPieces(list, iconv) });
    else params.push({ name, value: decodeEncodedWords(plain.get(name)!, undefined, iconv) });
  }
  return { value, params, extended: pieces.size > 0 };
}

/** RFC 2231 §4: the first piece may say `charset'language'`; encoded pieces are %XX-escaped bytes. */
function joinPieces(list: Piece[], iconv: CharsetFallback): string {
  list.sort((a, b) => a.n - b.n);
  let charset: string | null = null;
  const bytes: Buffer[] = [];
  for (const [k, p] of list.entries()) {
    let text = p.text;
    if (k === 0 && p.encoded) {
      const m = /^([^']*)'[^']*'([\s\S]*)$/.exec(text);
      if (m) {
        charset = m[1] === '' ? null : m[1]!;
        text = m[2]!;
      }
    }
    bytes.push(p.encoded ? percentDecode(text) : Buffer.from(text, 'latin1'));
  }
  const all = Buffer.concat(bytes);
  return charset === null ? decodeUndeclared(all, 'utf-8', iconv) : decodeCharset(all, charset, iconv);
}

/** The value of parameter `name` (lower case), or undefined. */
export function mimeParam(p: MimeParams, name: string): string | undefined {
  return p.params.find((x) => x.name === name)?.value;
}

/** The field written out again with plain, quoted parameters: what the decoded header shows for an RFC 2231 field. */
export function formatMimeParams(p: MimeParams): string {
  const params = p.params.map((x) => `; ${x.name}="${x.value.replace(/(["\\])/g, '\\$1')}"`);
  return `${p.value}${params.join('')}`;
}
