import type { Answer, LogRequest, LogSettings, LookupRequest, Origin, ReplyCacheRequest, Request, SendRequest, Vars } from '../eval/requests.js';
import { DEFAULT_SENDMAIL } from '../eval/defaults.js';
import { line } from '../eval/logtext.js';
import type { ExtConditionDetail } from '../eval/trace.js';
import { DEFAULT_REPLYDAYS, DEFAULT_TIMEOUT, MAX_ADDRESSES_PER_LOOKUP } from '../limits.js';
import { normalizeAddress, parseAddressList } from './address.js';
import { formatResult, matchAuth } from './auth-match.js';
import { authenticate, domainOf, type Verdict } from './authenticated.js';
import { refuseReason } from './guard.js';
import { fieldValues, fromLineSender, parseHeader, type ParsedHeader } from './header.js';
import { hasLoop, loopId } from './loop.js';
import type { PublicSuffixList } from './public-suffix.js';
import { parseExtAction, parseExtCondition, type ExtConditionSyntax, type WordArg } from './syntax.js';
import { trustedResults, type TrustedResults } from './trusted-results.js';

/**
 * The extensions' side of the pure engine (docs/architecture.md §4.3: no fs, no processes, no
 * clock, no nodemailer here). src/eval calls these with `yield*`; every
 * effect is a Request answered by src/deliver (for real) or src/dryrun
 * (recorded), so dry-run never sends anything.
 */
export interface ExtContext {
  /** The message as it is now (after any filters). */
  readonly message: Buffer;
  /** The Public Suffix List for DMARC's relaxed alignment, loaded on first use; absent or null: strict alignment. */
  readonly publicSuffixes?: () => PublicSuffixList | null;
  readonly vars: Vars;
  /** Expand `$VAR` etc. as inside double quotes (src/eval/expand.ts). */
  expand(text: string): string;
  readonly origin: Origin;
  /** The envelope sender (From_ line or -f); '' when unknown (then the From_ line of `message` is used). */
  readonly envelopeSender: string;
  /** The log settings requests carry (src/eval/settings.ts). */
  readonly log: LogSettings;
  /** TIMEOUT in seconds (0: none). */
  readonly timeoutSec: number;
  /** `$SENDMAIL $SENDMAILFLAGS`, as forwards use it (src/eval/sendmail.ts). */
  readonly sendmail: readonly string[];
}

/** An extension condition's verdict, and what it looked at for the trace. */
export interface ExtConditionOutcome {
  readonly held: boolean;
  readonly detail?: ExtConditionDetail;
}

export interface ExtResult {
  /**
   * True when the message counts as handled, ending processing like a
   * delivering recipe (unless `c`). A refused bounce or reply is handled too,
   * so the message is not delivered by accident; a failed send is not, so the
   * message falls through to later recipes and the default mailbox.
   */
  readonly delivered: boolean;
  /** `@reject`: exit EX_NOUSER (67) with this text on stderr. Takes precedence over `delivered`. */
  readonly reject: string | null;
  /**
   * LASTFOLDER: `/dev/null` for @discard and for a refused or rate-limited
   * notice (the message went nowhere, exactly as with procmail's `/dev/null`
   * idiom, so mailstat-style log readers count it the same), `@bounce <addr>`
   * / `@reply <addr>` for a notice sent, null otherwise.
   */
  readonly lastFolder: string | null;
  /** What happened, one line each, for the trace and dry-run report (already logged where it matters). */
  readonly log: string[];
}

/** LASTFOLDER for messages that went nowhere. */
export const DISCARDED = '/dev/null';
/** Default reply cache name under MAILDIR (overridden by $REPLYCACHE). */
export const REPLY_CACHE_NAME = '.mailrules-replies';

type Gen<T> = Generator<Request, T, Answer>;

function* log(ctx: ExtContext, text: string, source: LogRequest['source']): Gen<void> {
  const req: LogRequest = { kind: 'log', text: line(text), source, origin: ctx.origin, log: ctx.log };
  yield req;
}

function word(ctx: ExtContext, w: WordArg): string {
  return w.quote === 'single' ? w.text : ctx.expand(w.text);
}

/** The envelope sender as a bare address ('' for the null sender). */
export function envelopeOf(ctx: ExtContext, header: ParsedHeader): string {
  const raw = ctx.envelopeSender.trim() !== '' ? ctx.envelopeSender : (fromLineSender(header.fromLine) ?? '');
  const t = raw.trim();
  return t.startsWith('<') && t.endsWith('>') ? t.slice(1, -1).trim() : t;
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

/** `* @address …`, `* @sender …`, `* @loop`, `* @auth …`. A malformed line logs an error and is false. */
export function* extCondition(verb: string, args: string, ctx: ExtContext): Gen<boolean> {
  const parsed = parseExtCondition(verb, args);
  if (!parsed.ok) {
    yield* log(ctx, `${parsed.errors[0]!.message} in "@${verb}${args === '' ? '' : ' ' + args}"`, 'error');
    return false;
  }
  return (yield* evalExtCondition(parsed.value, args, ctx)).held;
}

/**
 * An extension condition parsed at compile time. `@decoded` is a regex
 * condition with another search area, which the engine runs itself
 * (src/eval/decoded-condition.ts).
 */
export function* evalExtCondition(c: ExtConditionSyntax, args: string, ctx: ExtContext): Gen<ExtConditionOutcome> {
  // A regex condition searching decoded text: src/eval/conditions.ts runs it before it gets here.
  if (c.verb === 'decoded') return { held: false };
  const header = parseHeader(ctx.message);
  if (c.verb === 'loop') return { held: hasLoop(header, loopId(ctx.vars)) };
  if (c.verb === 'auth') return authCondition(c, header, ctx);
  const addresses =
    c.verb === 'address' ? addressesFrom(header, c.headers, []) : addressesFrom(header, SENDER_FIELDS, [envelopeOf(ctx, header)]);
  if (addresses.length === 0) return { held: false };
  const file = word(ctx, c.file);
  if (file === '') {
    yield* log(ctx, `Empty list file name in "@${c.verb} ${args}"`, 'error');
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

/** Says of an address whether the trusted results vouch for it (src/ext/authenticated.ts). */
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
function* lookup(ctx: ExtContext, file: string, addresses: readonly string[]): Gen<{ address: string; entry: string } | null> {
  const req: LookupRequest = { kind: 'lookup', file, addresses, origin: ctx.origin, log: ctx.log };
  const answer = yield req;
  if (answer.kind !== 'lookup') return null;
  if (answer.error !== undefined) yield* log(ctx, answer.error, 'error');
  return answer.matched === null ? null : { address: answer.matched, entry: answer.entry ?? answer.matched };
}

/** `* @auth METHOD=RESULT [PTYPE.PROPERTY=VALUE]...` over the trusted fields. */
function authCondition(c: Extract<ExtConditionSyntax, { verb: 'auth' }>, header: ParsedHeader, ctx: ExtContext): ExtConditionOutcome {
  const trusted = trustedResults(header, ctx.vars['AUTHSERV_ID']);
  const detail = (notes: string[]): ExtConditionDetail => ({ trusted: trustedDetail(trusted), notes });
  if (trusted.ids.length === 0) return { held: false, detail: detail([NO_AUTHSERV_ID]) };
  const properties = c.properties.map((p) => ({ ptype: p.ptype, property: p.property, value: word(ctx, p.value) }));
  const hit = matchAuth(trusted.results, { method: c.method, result: c.result, properties });
  const asked = [`${c.method}=${c.result}`, ...properties.map((p) => `${p.ptype}.${p.property}=${p.value}`)].join(' ');
  if (hit !== null) return { held: true, detail: detail([`found ${formatResult(hit)}`]) };
  return { held: false, detail: detail([trusted.fields.length === 0 ? `no Authentication-Results from ${trusted.ids.join(', ')}` : `no ${asked} in the trusted field`]) };
}

function trustedDetail(t: TrustedResults): NonNullable<ExtConditionDetail['trusted']> {
  return { ids: t.ids, fields: t.fields.map((f) => f.text), ignored: t.ignored };
}

function result(delivered: boolean, lastFolder: string | null, log: string[], reject: string | null = null): ExtResult {
  return { delivered, reject, lastFolder, log };
}

/** REPLYDAYS as a number of days (default DEFAULT_REPLYDAYS; fractions allowed; negative or junk → default). */
export function replyDays(vars: Vars): number {
  const v = vars['REPLYDAYS'];
  if (v === undefined || v.trim() === '') return DEFAULT_REPLYDAYS;
  const n = Number(v.trim());
  return Number.isFinite(n) && n >= 0 ? n : DEFAULT_REPLYDAYS;
}

/** The reply cache file: $REPLYCACHE, else `$MAILDIR/.mailrules-replies`. */
export function replyCacheFile(vars: Vars): string {
  const explicit = vars['REPLYCACHE'];
  if (explicit !== undefined && explicit !== '') return explicit;
  const dir = vars['MAILDIR'];
  return dir === undefined || dir === '' ? REPLY_CACHE_NAME : `${dir.replace(/\/+$/, '')}/${REPLY_CACHE_NAME}`;
}

/**
 * What composing and sending a notice needs, resolved here so the answerer
 * reads no variable: the sendmail command (as forwards use it), LOGNAME,
 * REPLYFROM, the X-Loop value, the environment sendmail runs with, and a
 * timeout (always bounded: a hung sendmail must not hold delivery). The
 * host a notice names is the answerer's to find (src/ext/answer.ts).
 */
function noticeSettings(ctx: ExtContext): Pick<SendRequest, 'sendmail' | 'logname' | 'replyFrom' | 'loopId' | 'env' | 'timeoutSec'> {
  const v = ctx.vars;
  return {
    // An empty SENDMAIL still needs a command: procmail's default.
    sendmail: ctx.sendmail[0] === '' || ctx.sendmail.length === 0 ? [DEFAULT_SENDMAIL, ...ctx.sendmail.slice(1)] : ctx.sendmail,
    logname: v['LOGNAME'] ?? '',
    replyFrom: v['REPLYFROM'] || null,
    loopId: loopId(v),
    env: v,
    timeoutSec: ctx.timeoutSec > 0 ? ctx.timeoutSec : DEFAULT_TIMEOUT,
  };
}

/**
 * Whether an extension action must not act because a delivery of this
 * message already failed, and what to log then; null when it may act.
 * After a failed write the rc goes on, as procmail's does, and reaches the
 * catch-all recipes meant for other mail: a whitelisted sender whose folder
 * could not be written must not be told the message was refused (@bounce,
 * @reject), nor have it dropped (@discard, @reply without `c`). The
 * message goes to DEFAULT/ORGMAIL instead, and is requeued if those fail
 * too (terminate.ts). `@reply` with `c` disposes of nothing and still runs.
 */
export function withheldAfterFailure(verb: string, copy: boolean): string | null {
  if (verb === 'bounce' || verb === 'reject' || verb === 'discard' || (verb === 'reply' && !copy)) {
    return `Skipped "@${verb}": a delivery of this message failed`;
  }
  return null;
}

/** `@discard`, `@reject`, `@bounce`, `@reply`. */
export function* extAction(verb: string, args: string, ctx: ExtContext): Gen<ExtResult> {
  const parsed = parseExtAction(verb, args);
  if (!parsed.ok) {
    // `mailrules check` reports this before delivery; at run time, failing
    // the action (not discarding) keeps the message safe.
    const msg = `${parsed.errors[0]!.message} in "@${verb}${args === '' ? '' : ' ' + args}"`;
    yield* log(ctx, msg, 'error');
    return result(false, null, [msg]);
  }
  const a = parsed.value;
  switch (a.verb) {
    case 'discard':
      return result(true, DISCARDED, ['discarded']);
    case 'reject': {
      const text = word(ctx, a.text);
      return result(true, null, [`rejected: ${text}`], text);
    }
    case 'bounce':
    case 'reply': {
      const header = parseHeader(ctx.message);
      const to = envelopeOf(ctx, header);
      const why = refuseReason(a.verb, header, to, loopId(ctx.vars));
      if (why !== null) {
        const msg = `Not sending @${a.verb}: ${why}`;
        yield* log(ctx, msg, 'error');
        return result(true, DISCARDED, [msg]);
      }
      if (a.verb === 'reply') {
        // RFC 3834 §2: at most one reply per sender per REPLYDAYS days.
        const days = replyDays(ctx.vars);
        const cacheReq: ReplyCacheRequest = {
          kind: 'reply-cache',
          file: replyCacheFile(ctx.vars),
          sender: normalizeAddress(to),
          days,
          origin: ctx.origin,
          log: ctx.log,
        };
        const cached = yield cacheReq;
        if (cached.kind !== 'reply-cache' || cached.error !== undefined) {
          const msg = `Not sending @reply: reply cache: ${cached.kind === 'reply-cache' ? cached.error : 'no answer'}`;
          yield* log(ctx, msg, 'error');
          return result(false, null, [msg]);
        }
        if (cached.recent) {
          const msg = `Not sending @reply: already replied to ${to} within ${days} days`;
          yield* log(ctx, msg, 'verbose');
          return result(true, DISCARDED, [msg]);
        }
      }
      const sendReq: SendRequest = {
        kind: 'send',
        what: a.verb,
        to,
        text: a.text === null ? null : word(ctx, a.text),
        file: a.verb === 'reply' && a.file !== null ? word(ctx, a.file) : null,
        data: ctx.message,
        ...noticeSettings(ctx),
        origin: ctx.origin,
        log: ctx.log,
      };
      const sent = yield sendReq;
      if (sent.kind !== 'ack' || !sent.ok) {
        const detail = sent.kind === 'ack' && sent.error !== undefined ? `: ${sent.error}` : '';
        const msg = `Failed to send @${a.verb} to ${to}${detail}`;
        // answer.ts returns the reason without logging it, so it is logged here, once.
        yield* log(ctx, msg, 'error');
        return result(false, null, [msg]);
      }
      return result(true, `@${a.verb} ${to}`, [`sent @${a.verb} to ${to}`]);
    }
  }
}
