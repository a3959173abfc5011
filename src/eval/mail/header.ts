/**
 * A minimal, pure reader of a message's header for the extensions: which
 * fields exist and their unfolded values. It is deliberately small (no MIME,
 * no decoding): the guards and address lookups need field names and raw
 * values only, and it must work on any bytes a stranger sends (docs/architecture.md §4.8).
 *
 * Text is latin1-decoded so that one byte is one character, as everywhere
 * else in the engine (docs/procmail-semantics.md §3.1: matching is byte-based).
 */
export interface HeaderField {
  /** The field name as written (case kept). */
  readonly name: string;
  /** The value after the colon, continuation lines joined (RFC 5322 §2.2.3 unfolding: CRLF/LF removed), not trimmed. */
  readonly value: string;
}

export interface ParsedHeader {
  /** The leading `From ` line without its newline, or null. */
  readonly fromLine: string | null;
  readonly fields: readonly HeaderField[];
  /** The header text as it appears in the message (From_ line excluded), up to and excluding the blank separator line. */
  readonly text: string;
}

const FIELD = /^([\x21-\x39\x3b-\x7e]+)[ \t]*:/;

/** Split the header of `message` into fields. Never throws. */
export function parseHeader(message: Buffer): ParsedHeader {
  const whole = message.toString('latin1');
  // The header ends at the first empty line (docs/procmail-semantics.md §3.1); a message
  // without one is all header.
  let end = whole.search(/\r?\n\r?\n/);
  end = end < 0 ? whole.length : whole.indexOf('\n', end) + 1;
  let head = whole.slice(0, end);
  let fromLine: string | null = null;
  if (head.startsWith('From ')) {
    const nl = head.indexOf('\n');
    fromLine = (nl < 0 ? head : head.slice(0, nl)).replace(/\r$/, '');
    head = nl < 0 ? '' : head.slice(nl + 1);
  }
  return { fromLine, fields: headerFields(head), text: head.replace(/\r?\n$/, '') };
}

/** The fields of header text (no From_ line), unfolded, in order. Also the header of a MIME part (decoded-body.ts). */
export function headerFields(head: string): HeaderField[] {
  const fields: HeaderField[] = [];
  let current: { name: string; value: string } | null = null;
  for (const rawLine of head.split('\n')) {
    const line = rawLine.replace(/\r$/, '');
    if (line === '') continue;
    if ((line[0] === ' ' || line[0] === '\t') && current) {
      current.value += line;
      continue;
    }
    if (current) fields.push(current);
    const m = FIELD.exec(line);
    // Lines that are not fields (`>From `, garbage) end the previous field and are otherwise ignored.
    current = m ? { name: m[1]!, value: line.slice(m[0].length) } : null;
  }
  if (current) fields.push(current);
  return fields;
}

/** Values of every field named `name` (case-insensitive), in order. */
export function fieldValues(header: ParsedHeader, name: string): string[] {
  const want = name.toLowerCase();
  return header.fields.filter((f) => f.name.toLowerCase() === want).map((f) => f.value);
}

/** True when a field named `name` is present. */
export function hasField(header: ParsedHeader, name: string): boolean {
  const want = name.toLowerCase();
  return header.fields.some((f) => f.name.toLowerCase() === want);
}

/** The sender on a `From sender  date` line (docs/procmail-semantics.md §7.1), or null. */
export function fromLineSender(fromLine: string | null): string | null {
  if (fromLine === null) return null;
  const m = /^From[ \t]+(\S+)/.exec(fromLine);
  return m ? m[1]! : null;
}
