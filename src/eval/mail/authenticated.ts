import type { AuthResult } from './auth-results.js';
import type { PublicSuffixList } from './public-suffix.js';

/**
 * Whether the receiving MTA vouched for an address's domain, for
 * `* @sender authenticated in FILE` and `* @address … authenticated in
 * FILE`: a listed address that is not vouched for counts as not listed, so
 * a forged From: cannot pass a whitelist. The domain is vouched for by a
 * trusted result (trusted-results.ts) of one of:
 *
 * - `dmarc=pass` for it: the From domain (`header.from`, else the From:
 *   field's own domain) is the address's domain (RFC 7489 §3, §6.6);
 * - `dkim=pass` whose signing domain (`header.d`, else the domain of
 *   `header.i`) is aligned with it, relaxed as DMARC defines (RFC 7489
 *   §3.1.1): the same Organizational Domain (public-suffix.ts), so a
 *   signature by mail.example.com vouches for example.com and
 *   news.example.com, but one by evil.example for nobody else;
 * - `spf=pass` whose `smtp.mailfrom` domain is the address's domain, when
 *   the address is the envelope sender (SPF checks the MAIL FROM domain
 *   only, RFC 7208 §2.4).
 *
 * Without a Public Suffix List, alignment is strict: the domains must be
 * equal. That can refuse a sender, never admit one.
 */
export interface AuthEvidence {
  /** The results of the trusted fields. */
  readonly results: readonly AuthResult[];
  /** The domains of the From: field's addresses (lower case). */
  readonly fromDomains: readonly string[];
  /** The envelope sender, normalised ('' when unknown or null). */
  readonly envelope: string;
  /** For relaxed alignment, loaded only when a signature needs it; null: strict. */
  readonly suffixes: () => PublicSuffixList | null;
}

export type Verdict = { readonly ok: true; readonly by: string } | { readonly ok: false; readonly why: string };

export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? '' : address.slice(at + 1).toLowerCase().replace(/\.$/, '');
}

function prop(r: AuthResult, ptype: string, property: string): string | undefined {
  return r.properties.find((p) => p.ptype === ptype && p.property === property)?.value;
}

/** A property value as a domain: `example.com`, or the domain of `bob@example.com` / `@example.com`. */
function asDomain(value: string): string {
  return (value.includes('@') ? domainOf(value) : value.toLowerCase()).replace(/\.$/, '');
}

/** RFC 7489 §3.1.1 relaxed alignment (strict without a list). */
export function aligned(a: string, b: string, list: () => PublicSuffixList | null): boolean {
  if (a === b) return true;
  const suffixes = list();
  if (suffixes === null) return false;
  const oa = suffixes.organizationalDomain(a);
  return oa !== null && oa === suffixes.organizationalDomain(b);
}

/** Is `address` (normalised) vouched for by the evidence? Says by what, or why not. */
export function authenticate(address: string, ev: AuthEvidence): Verdict {
  const domain = domainOf(address);
  if (domain === '') return { ok: false, why: 'no domain' };
  const seen: string[] = [];
  for (const r of ev.results) {
    if (r.method === 'dmarc') {
      const from = prop(r, 'header', 'from');
      const fromDomain = from !== undefined ? asDomain(from) : ev.fromDomains.length === 1 ? ev.fromDomains[0]! : '';
      if (r.result === 'pass' && fromDomain === domain) return { ok: true, by: `dmarc=pass header.from=${fromDomain}` };
      seen.push(`dmarc=${r.result}${fromDomain !== '' ? ` header.from=${fromDomain}` : ''}${r.result === 'pass' ? ` is not ${domain}` : ''}`);
    } else if (r.method === 'dkim') {
      const d = prop(r, 'header', 'd');
      const i = prop(r, 'header', 'i');
      const signer = d !== undefined ? asDomain(d) : i !== undefined ? asDomain(i) : '';
      if (r.result === 'pass' && signer !== '' && aligned(signer, domain, ev.suffixes)) return { ok: true, by: `dkim=pass header.d=${signer}` };
      const how = r.result === 'pass' && ev.suffixes() === null ? 'is not' : 'does not align with';
      seen.push(`dkim=${r.result}${signer !== '' ? ` header.d=${signer}` : ''}${r.result === 'pass' ? ` ${how} ${domain}` : ''}`);
    } else if (r.method === 'spf') {
      const mf = prop(r, 'smtp', 'mailfrom');
      if (mf === undefined) continue;
      const mfDomain = asDomain(mf);
      if (r.result === 'pass' && mfDomain === domain && address === ev.envelope) return { ok: true, by: `spf=pass smtp.mailfrom=${mf}` };
      const note = r.result !== 'pass' ? '' : address !== ev.envelope ? ` (${address} is not the envelope sender)` : ` is not ${domain}`;
      seen.push(`spf=${r.result} smtp.mailfrom=${mf}${note}`);
    }
  }
  const strict = ev.results.some((r) => r.method === 'dkim' && r.result === 'pass') && ev.suffixes() === null ? ' (no public suffix list: strict alignment)' : '';
  return { ok: false, why: seen.length === 0 ? 'no dmarc, dkim or spf result' : `${seen.join('; ')}${strict}` };
}
