/**
 * An LMTP command line split into its verb (upper-cased: verbs are
 * case-insensitive, RFC 5321 §2.4) and the rest. The line arrives without
 * its CRLF (or bare LF), decoded as latin1 so every byte is one character
 * and addresses reach the user lookup byte for byte.
 */
export interface CommandLine {
  readonly verb: string;
  readonly arg: string;
}

export function splitCommand(line: string): CommandLine {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  const sp = text.indexOf(' ');
  if (sp < 0) return { verb: text.toUpperCase(), arg: '' };
  return { verb: text.slice(0, sp).toUpperCase(), arg: text.slice(sp + 1) };
}
