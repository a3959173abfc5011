import { parseAuthResults, type AuthResult, type AuthResults } from './auth-results.js';
import type { ParsedHeader } from './header.js';

/**
 * Which Authentication-Results fields to believe (RFC 8601 §5, §7.1): for
 * each authserv-id named in AUTHSERV_ID, only the topmost field carrying
 * it. That is the one the receiving MTA added last; any other field, with
 * that id or another, may have come with the message and is ignored. This
 * is only safe when the MTA removes incoming fields carrying its own
 * authserv-id, as RFC 8601 §5 requires of it (README.md, "Decoded and
 * authenticated matching").
 *
 * AUTHSERV_ID may name several ids, separated by blanks or commas, for an
 * MTA whose verifiers write separate fields under their own ids (an
 * OpenDKIM and an OpenDMARC configured with different AuthservID values).
 */
export interface TrustedResults {
  /** The authserv-ids trusted (lower case); empty when AUTHSERV_ID is unset or blank. */
  readonly ids: readonly string[];
  /** The trusted fields, at most one per id, in header order. */
  readonly fields: readonly TrustedField[];
  /** How many Authentication-Results fields were ignored. */
  readonly ignored: number;
  /** The results of all trusted fields, in order. */
  readonly results: readonly AuthResult[];
}

export interface TrustedField {
  readonly id: string;
  /** The field as written (unfolded), name included. */
  readonly text: string;
  readonly parsed: AuthResults;
}

const FIELD_NAME = 'authentication-results';

/** The ids an AUTHSERV_ID value names, in lower case (RFC 8601 §2.5 authserv-ids compare without case). */
export function authservIds(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value
    .split(/[\s,]+/)
    .filter((s) => s !== '')
    .map((s) => s.toLowerCase());
}

export function trustedResults(header: ParsedHeader, authservId: string | undefined): TrustedResults {
  const ids = authservIds(authservId);
  const fields: TrustedField[] = [];
  let ignored = 0;
  const found = new Set<string>();
  for (const f of header.fields) {
    if (f.name.toLowerCase() !== FIELD_NAME) continue;
    const parsed = parseAuthResults(f.value);
    const id = parsed.authservId?.toLowerCase() ?? null;
    if (id !== null && ids.includes(id) && !found.has(id)) {
      found.add(id);
      fields.push({ id, text: `${f.name}:${f.value}`, parsed });
    } else ignored++;
  }
  return { ids, fields, ignored, results: fields.flatMap((f) => f.parsed.results) };
}
