import { isUtf8 } from 'node:buffer';
import { MessageView, type DecodedMessage } from '../eval/message.js';
import { headerText, type HeaderFields } from './header-fields.js';

/**
 * The Subject, From and To of a message as a person reads them, for the
 * --trace header and the --json report. The rc's regexes never see this:
 * procmail matches the raw header bytes (docs/procmail-semantics.md §3.1), and so does the
 * engine; the report shows both where they differ.
 *
 * mailparser does the RFC 2047 / charset work. It costs ~50 ms to load
 * (docs/node-runtime.md §2.4) and simpleParser is slow on big messages, so it is
 * loaded only when a message's fields need it (an encoded word or a byte
 * above 127) and is fed those header fields alone (decodeInput).
 */

/** The decoded texts, only of the fields whose decoded text differs from the raw one. */
export interface DecodedFields {
  subject?: string;
  from?: string;
  to?: string;
}

/** Parses a header (with its blank line) the way MessageView.decoded() does; a seam for tests. */
export type HeaderParser = (header: Buffer) => Promise<DecodedMessage>;

export const mailparserHeaderParser: HeaderParser = (header) => new MessageView(header).decoded();

/** The fields mailparser is shown: the three displayed, and Content-Type for a raw 8-bit field's charset. */
const FED = /^(?:subject|from|to|content-type):[^\n]*(?:\n[ \t][^\n]*)*/gim;

/**
 * What mailparser parses: the first Subject/From/To/Content-Type fields of
 * the header, as they are (folding and bytes kept), then the blank line.
 * Never the body; and not the rest of the header either, because
 * simpleParser decodes every field it is given — a spam header of thirty
 * Received lines costs it 3× what these four do (0.6 vs 0.2 ms measured).
 */
export function decodeInput(message: Buffer): Buffer {
  const head = headerText(message);
  const seen = new Set<string>();
  const kept: string[] = [];
  for (const m of head.matchAll(FED)) {
    const name = m[0].slice(0, m[0].indexOf(':')).toLowerCase();
    if (seen.has(name)) continue;
    seen.add(name);
    kept.push(m[0].replace(/\r$/, ''));
  }
  return Buffer.from(`${kept.join('\n')}\n\n`, 'latin1');
}

/** An RFC 2047 encoded word may start here, or a byte is not ASCII: only then can decoding change the text. */
const NEEDS = /=\?|[\x80-\xff]/;

function needs(v: string | null): v is string {
  return v !== null && NEEDS.test(v);
}

/** Whether any of the fields could read differently decoded (decides whether mailparser is loaded at all). */
export function needsDecoding(f: HeaderFields): boolean {
  return needs(f.subject) || needs(f.from) || needs(f.to);
}

interface AddressLike {
  readonly text?: unknown;
}

function addressText(v: unknown): string | undefined {
  if (v === null || typeof v !== 'object') return undefined;
  const t = (v as AddressLike).text;
  return typeof t === 'string' ? t : undefined;
}

/**
 * Raw 8-bit text that is not UTF-8 (a Big5 or GB2312 subject written
 * without RFC 2047, nice/cjk in the corpus): mailparser reads such bytes as
 * UTF-8 and shows U+FFFD. Mail clients read them in the body's charset;
 * windows-1252 (a superset of latin1's printable range) when it has none.
 */
function eightBit(raw: string, charset: string | undefined): string | undefined {
  if (raw.includes('=?')) return undefined;
  const bytes = Buffer.from(raw, 'latin1');
  if (isUtf8(bytes)) return undefined;
  for (const cs of [charset, 'windows-1252']) {
    if (cs === undefined) continue;
    try {
      return new TextDecoder(cs).decode(bytes);
    } catch {
      // A charset TextDecoder does not know: try the next one.
    }
  }
  return undefined;
}

function charsetOf(d: DecodedMessage): string | undefined {
  const ct = d.headers.get('content-type');
  if (ct === null || typeof ct !== 'object') return undefined;
  const cs = (ct as { params?: { charset?: unknown } }).params?.charset;
  return typeof cs === 'string' ? cs : undefined;
}

/**
 * Decodes the fields that need it. Resolves to the texts that differ from
 * the raw ones; never rejects (a parse failure or a missing mailparser
 * resolves to `{ error }`, and the report keeps the raw texts).
 */
export async function decodeHeaderFields(message: Buffer, raw: HeaderFields, parse: HeaderParser = mailparserHeaderParser): Promise<DecodedFields | { error: string }> {
  let d: DecodedMessage;
  try {
    d = await parse(decodeInput(message));
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
  const cs = charsetOf(d);
  const out: DecodedFields = {};
  const pick = (rawValue: string | null, decoded: string | undefined): string | undefined => {
    // A plain ASCII field stays as written (mailparser would re-quote addresses).
    if (!needs(rawValue)) return undefined;
    const text = eightBit(rawValue, cs) ?? decoded;
    return text === undefined || text === rawValue ? undefined : text;
  };
  const subject = pick(raw.subject, typeof d.subject === 'string' ? d.subject : undefined);
  const from = pick(raw.from, addressText(d.headers.get('from')));
  const to = pick(raw.to, addressText(d.headers.get('to')));
  if (subject !== undefined) out.subject = subject;
  if (from !== undefined) out.from = from;
  if (to !== undefined) out.to = to;
  return out;
}
