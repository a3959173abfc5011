import type { AuthProperty, AuthResult } from './auth-results.js';

/**
 * `* @auth METHOD=RESULT [PTYPE.PROPERTY=VALUE]...` against the trusted
 * results: true when one result has that method and result and every
 * property asked for. Everything compares without case (methods, results,
 * property names and domains are case-insensitive, RFC 8601 §2.2, RFC 1035
 * §2.3.3). A value without `@` also matches the domain of an address value,
 * so `smtp.mailfrom=example.com` matches `smtp.mailfrom=bob@example.com`
 * (RFC 8601 §2.2 lets a verifier write either).
 */
export interface AuthQuery {
  readonly method: string;
  readonly result: string;
  readonly properties: readonly { readonly ptype: string; readonly property: string; readonly value: string }[];
}

function valueMatches(want: string, got: string): boolean {
  const w = want.toLowerCase();
  const g = got.toLowerCase();
  if (w === g) return true;
  return !w.includes('@') && g.includes('@') && g.slice(g.lastIndexOf('@') + 1) === w;
}

function hasProperty(r: AuthResult, p: AuthQuery['properties'][number]): boolean {
  return r.properties.some((x: AuthProperty) => x.ptype === p.ptype && x.property === p.property && valueMatches(p.value, x.value));
}

/** The first result that answers the query, or null. */
export function matchAuth(results: readonly AuthResult[], q: AuthQuery): AuthResult | null {
  const method = q.method.toLowerCase();
  const result = q.result.toLowerCase();
  for (const r of results) {
    if (r.method === method && r.result === result && q.properties.every((p) => hasProperty(r, p))) return r;
  }
  return null;
}

/** A result as RFC 8601 writes it, for the trace: `dkim=pass header.d=example.com`. */
export function formatResult(r: AuthResult): string {
  return [`${r.method}=${r.result}`, ...r.properties.map((p) => `${p.ptype}.${p.property}=${p.value}`)].join(' ');
}
