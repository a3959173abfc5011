import { isUtf8 } from 'node:buffer';
import { displayHeader, type DisplayHeader } from './display-header.js';
import { headerText, type HeaderFields } from './header-fields.js';

/**
 * The Subject, From and To of a message as a person reads them, for the
 * --trace header and the --json report. The rc's regexes never see this:
 * procmail matches the raw header bytes (docs/procmail-semantics.md §3.1), and so does the
 * engine; the report shows both where they differ.
 *
 * libmime does the RFC 2047 / charset work (display-header.ts). It costs
 * ~30 ms to load (docs/node-runtime.md §2.4), so it is loaded only when a
 * message's fields need it (an encoded word or a byte above 127), and it is
 * fed those header fields alone (decodeInput).
 */

/** The decoded texts, only of the fields whose decoded text differs from the raw one. */
export interface DecodedFields {
  subject?: string;
  from?: string;
  to?: string;
}

/** Decodes a header (with its blank line) for display; a seam for tests. */
export type HeaderParser = (header: Buffer) => Promise<DisplayHeader>;

export const libmimeHeaderParser: HeaderParser = async (header) => displayHeader(header);

/** The fields the parser is shown: the three displayed, and Content-Type for a raw 8-bit field's charset. */
const FED = /^(?:subject|from|to|content-type):[^\n]*(?:\n[ \t][^\n]*)*/gim;

/**
 * What the parser is fed: the first Subject/From/To/Content-Type fields of
 * the header, as they are (folding and bytes kept), then the blank line.
 * Never the body, and not the rest of the header either: a spam header of
 * thirty Received lines would cost a full parser 3× what these four do.
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

/** Whether any of the fields could read differently decoded (decides whether libmime is loaded at all). */
export function needsDecoding(f: HeaderFields): boolean {
  return needs(f.subject) || needs(f.from) || needs(f.to);
}

/**
 * Raw 8-bit text that is not UTF-8 (a Big5 or GB2312 subject written
 * without RFC 2047, nice/cjk in the corpus): the parser reads such bytes as
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

/**
 * Decodes the fields that need it. Resolves to the texts that differ from
 * the raw ones; never rejects (a parse failure or a missing libmime
 * resolves to `{ error }`, and the report keeps the raw texts).
 */
export async function decodeHeaderFields(message: Buffer, raw: HeaderFields, parse: HeaderParser = libmimeHeaderParser): Promise<DecodedFields | { error: string }> {
  let d: DisplayHeader;
  try {
    d = await parse(decodeInput(message));
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
  const cs = d.charset;
  const out: DecodedFields = {};
  const pick = (rawValue: string | null, decoded: string | undefined): string | undefined => {
    // A plain ASCII field stays as written (decoding would re-quote addresses).
    if (!needs(rawValue)) return undefined;
    const text = eightBit(rawValue, cs) ?? decoded;
    return text === undefined || text === rawValue ? undefined : text;
  };
  const subject = pick(raw.subject, d.subject);
  const from = pick(raw.from, d.from);
  const to = pick(raw.to, d.to);
  if (subject !== undefined) out.subject = subject;
  if (from !== undefined) out.from = from;
  if (to !== undefined) out.to = to;
  return out;
}
