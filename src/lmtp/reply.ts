/**
 * One LMTP reply: a three-digit code, an enhanced status code (RFC 3463,
 * announced by ENHANCEDSTATUSCODES, RFC 2034) and a text. Replies are
 * values until the session writes them, so tests compare them as data.
 */
export interface Reply {
  readonly code: number;
  /** `2.0.0`, `5.1.1`, …; empty for the greeting and LHLO, which carry none (RFC 2034 §3). */
  readonly status: string;
  readonly text: string;
}

export function reply(code: number, status: string, text: string): Reply {
  return { code, status, text };
}

/** Temporary (4xx) and permanent (5xx) failures; 2xx and 3xx are not. */
export const isFailure = (r: Reply): boolean => r.code >= 400;

/**
 * The reply as it goes on the wire. A text is one line: CR, LF and other
 * control characters in it (an @reject text, a log line quoted in a
 * deferral) become spaces, so a reply can never be split into two.
 */
export function formatReply(r: Reply): string {
  const text = oneLine(r.text);
  return r.status === '' ? `${r.code} ${text}\r\n` : `${r.code} ${r.status} ${text}\r\n`;
}

/** A multi-line reply (LHLO's extension list): `250-a`, `250-b`, `250 c` (RFC 5321 §4.2.1). */
export function formatMultiline(code: number, lines: readonly string[]): string {
  return lines.map((l, i) => `${code}${i === lines.length - 1 ? ' ' : '-'}${oneLine(l)}\r\n`).join('');
}

function oneLine(text: string): string {
  return text.replace(/[\x00-\x1f\x7f]+/g, ' ').trim();
}
