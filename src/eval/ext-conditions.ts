import type { LookupRequest } from './requests.js';
import type { ExtTest } from '../compile/compiled-rc.js';
import { MAX_ADDRESSES_PER_LOOKUP } from '../limits.js';
import type { ExtConditionDetail } from './trace.js';
import type { G } from './state.js';
import { envelopeOf, extLineError, extLog, extWord, type ExtContext } from './ext-context.js';
import { hasLoop, loopId } from './x-loop.js';
import { normalizeAddress, parseAddressList } from './mail/address.js';
import { formatResult, matchAuth } from './mail/auth-match.js';
import { authenticate, domainOf, type Verdict } from './mail/authenticated.js';
import { fieldValues, parseHeader, type ParsedHeader } from './mail/header.js';
import { trustedResults, type TrustedResults } from './mail/trusted-results.js';
import type { ExtConditionSyntax } from '../syntax/ext-args.js';

/**
 * The extension conditions in the engine: `* @address …`, `* @sender …`,
 * `* @loop`, `* @auth …`, their arguments parsed once at compile time
 * (src/compile/ext-check.ts). Address lists are asked about with a
 * `lookup` request; everything else is read from the message here.
 */

/** An extension condition's verdict, and what it looked at for the trace. */
export interface ExtConditionOutcome {
  readonly held: boolean;
  readonly detail?: ExtConditionDetail;
}

/**
 * The condition's verdict. A line that did not parse logs the parser's
 * complaint and is false (`mailrules check` reports it before delivery).
 * `@decoded` is a regex condition with another search area, which the
 * engine runs itself (src/eval/decoded-condition.ts).
 */
export function* extCondition(t: ExtTest, ctx: ExtContext): G<ExtConditionOutcome> {
  if (!t.parsed.ok) {
    yield* extLog(ctx, extLineError(t.parsed.errors[0]!.message, t.verb, t.args), 'error');
    return { held: false };
  }
  return yield* evalParsed(t.parsed.value, t.args, ctx);
}

/** Addresses from the named fields, normalised and de-duplicated, at most MAX_ADDRESSES_PER_LOOKUP. */
function addressesFrom(header: ParsedHeader, names: readonly string[], extra: readonly string[]): string[] {
  const seen = new Set<string>();
  const add = (a: string): void => {
    const n = normalizeAddress(a);
    if (n !== '' && seen.size < MAX_ADDRESSES_PER_LOOKUP) seen.add(n);
  };
  extra.forEach(add);
  for (const name of names) for (const v of fieldValues(header, name)) parseAddressList(v).forEach(add);
  return [...seen];
}

/** RFC 5321 §4.4 Return-Path and the fields a sender shows itself by (`@sender`). */
const SENDER_FIELDS = ['From', 'Sender', 'Reply-To', 'Return-Path'] as const;

function* evalParsed(c: ExtConditionSyntax, args: string, ctx: ExtContext): G<ExtConditionOutcome> {
  // A regex condition searching decoded text: src/eval/conditions.ts runs it before it gets here.
  if (c.verb === 'decoded') return { held: false };
  const header = parseHeader(ctx.message);
  if (c.verb === 'loop') return { held: hasLoop(header, loopId(ctx.vars)) };
  if (c.verb === 'auth') return authCondition(c, header, ctx);
  const addresses =
    c.verb === 'address' ? addressesFrom(header, c.headers, []) : addressesFrom(header, SENDER_FIELDS, [envelopeOf(ctx, header)]);
  if (addresses.length === 0) return { held: false };
  const file = extWord(ctx, c.file);
  if (file === '') {
    yield* extLog(ctx, `Empty list file name in "@${c.verb} ${args}"`, 'error');
    return { held: false };
  }
  if (!c.authenticated) return { held: (yield* lookup(ctx, file, addresses)) !== null };
  // Vouched-for addresses go first: when the first listed address the answer names is not vouched
  // for, no vouched-for address is listed either.
  const trusted = trustedResults(header, ctx.vars['AUTHSERV_ID']);
  const vouch = voucher(header, trusted, ctx);
  const verdicts = new Map(addresses.map((a) => [a, vouch(a)] as const));
  const ordered = [...addresses.filter((a) => verdicts.get(a)!.ok), ...addresses.filter((a) => !verdicts.get(a)!.ok)];
  const found = yield* lookup(ctx, file, ordered);
  const notes: string[] = [];
  if (trusted.ids.length === 0) notes.push(NO_AUTHSERV_ID);
  let held = false;
  if (found !== null) {
    const v = verdicts.get(found.address) ?? vouch(found.address);
    held = v.ok;
    notes.push(v.ok
      ? `${found.address} is listed (${found.entry}) and vouched for by ${v.by}`
      : `${found.address} is listed (${found.entry}) but not authenticated (${v.why}): counts as not listed`);
  }
  return { held, detail: { trusted: trustedDetail(trusted), notes } };
}

const NO_AUTHSERV_ID = 'AUTHSERV_ID is not set: no Authentication-Results field is trusted';

/** Says of an address whether the trusted results vouch for it (src/eval/mail/authenticated.ts). */
function voucher(header: ParsedHeader, trusted: TrustedResults, ctx: ExtContext): (address: string) => Verdict {
  if (trusted.ids.length === 0) return () => ({ ok: false, why: 'AUTHSERV_ID is not set' });
  if (trusted.fields.length === 0) return () => ({ ok: false, why: `no Authentication-Results from ${trusted.ids.join(', ')}` });
  const evidence = {
    results: trusted.results,
    fromDomains: addressesFrom(header, ['From'], []).map(domainOf),
    envelope: normalizeAddress(envelopeOf(ctx, header)),
    suffixes: () => ctx.publicSuffixes?.() ?? null,
  };
  return (address) => authenticate(address, evidence);
}

/** Asks whether any of `addresses` is in the list file; the first one listed and its entry, or null. */
function* lookup(ctx: ExtContext, file: string, addresses: readonly string[]): G<{ address: string; entry: string } | null> {
  const req: LookupRequest = { kind: 'lookup', file, addresses, origin: ctx.origin, log: ctx.log };
  const answer = yield req;
  if (answer.kind !== 'lookup') return null;
  if (answer.error !== undefined) yield* extLog(ctx, answer.error, 'error');
  return answer.matched === null ? null : { address: answer.matched, entry: answer.entry ?? answer.matched };
}

/** `* @auth METHOD=RESULT [PTYPE.PROPERTY=VALUE]...` over the trusted fields. */
function authCondition(c: Extract<ExtConditionSyntax, { verb: 'auth' }>, header: ParsedHeader, ctx: ExtContext): ExtConditionOutcome {
  const trusted = trustedResults(header, ctx.vars['AUTHSERV_ID']);
  const detail = (notes: string[]): ExtConditionDetail => ({ trusted: trustedDetail(trusted), notes });
  if (trusted.ids.length === 0) return { held: false, detail: detail([NO_AUTHSERV_ID]) };
  const properties = c.properties.map((p) => ({ ptype: p.ptype, property: p.property, value: extWord(ctx, p.value) }));
  const hit = matchAuth(trusted.results, { method: c.method, result: c.result, properties });
  const asked = [`${c.method}=${c.result}`, ...properties.map((p) => `${p.ptype}.${p.property}=${p.value}`)].join(' ');
  if (hit !== null) return { held: true, detail: detail([`found ${formatResult(hit)}`]) };
  return { held: false, detail: detail([trusted.fields.length === 0 ? `no Authentication-Results from ${trusted.ids.join(', ')}` : `no ${asked} in the trusted field`]) };
}

function trustedDetail(t: TrustedResults): NonNullable<ExtConditionDetail['trusted']> {
  return { ids: t.ids, fields: t.fields.map((f) => f.text), ignored: t.ignored };
}


