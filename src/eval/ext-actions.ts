import type { ReplyCacheRequest, SendRequest, Vars } from './requests.js';
import type { CompiledExtAction } from '../compile/compiled-rc.js';
import { DEFAULT_REPLYDAYS, DEFAULT_TIMEOUT } from '../limits.js';
import { DEFAULT_SENDMAIL } from './defaults.js';
import type { G } from './state.js';
import { envelopeOf, extLineError, extLog, extWord, type ExtContext } from './ext-context.js';
import { refuseReason } from './notice-guard.js';
import { loopId } from './x-loop.js';
import { normalizeAddress } from './mail/address.js';
import { parseHeader } from './mail/header.js';

/**
 * The extension actions in the engine: `@discard`, `@reject`, `@bounce`
 * and `@reply`, their arguments parsed once at compile time. A notice is a
 * `send` request (after a `reply-cache` one for `@reply`); src/deliver
 * composes and sends it, src/dryrun records it.
 */

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
 * host a notice names is the answerer's to find (src/deliver/ext-answers.ts).
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

/** `@discard`, `@reject`, `@bounce`, `@reply`, as compiled (src/compile/ext-check.ts). */
export function* extAction(action: CompiledExtAction, ctx: ExtContext): G<ExtResult> {
  const parsed = action.parsed;
  if (!parsed.ok) {
    // `mailrules check` reports this before delivery; at run time, failing
    // the action (not discarding) keeps the message safe.
    const msg = extLineError(parsed.errors[0]!.message, action.verb, action.args);
    yield* extLog(ctx, msg, 'error');
    return result(false, null, [msg]);
  }
  const a = parsed.value;
  switch (a.verb) {
    case 'discard':
      return result(true, DISCARDED, ['discarded']);
    case 'reject': {
      const text = extWord(ctx, a.text);
      return result(true, null, [`rejected: ${text}`], text);
    }
    case 'bounce':
    case 'reply': {
      const header = parseHeader(ctx.message);
      const to = envelopeOf(ctx, header);
      const why = refuseReason(a.verb, header, to, loopId(ctx.vars));
      if (why !== null) {
        const msg = `Not sending @${a.verb}: ${why}`;
        yield* extLog(ctx, msg, 'error');
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
          yield* extLog(ctx, msg, 'error');
          return result(false, null, [msg]);
        }
        if (cached.recent) {
          const msg = `Not sending @reply: already replied to ${to} within ${days} days`;
          yield* extLog(ctx, msg, 'verbose');
          return result(true, DISCARDED, [msg]);
        }
      }
      const sendReq: SendRequest = {
        kind: 'send',
        what: a.verb,
        to,
        text: a.text === null ? null : extWord(ctx, a.text),
        file: a.verb === 'reply' && a.file !== null ? extWord(ctx, a.file) : null,
        data: ctx.message,
        ...noticeSettings(ctx),
        origin: ctx.origin,
        log: ctx.log,
      };
      const sent = yield sendReq;
      if (sent.kind !== 'ack' || !sent.ok) {
        const detail = sent.kind === 'ack' && sent.error !== undefined ? `: ${sent.error}` : '';
        const msg = `Failed to send @${a.verb} to ${to}${detail}`;
        // src/deliver/ext-answers.ts returns the reason without logging it, so it is logged here, once.
        yield* extLog(ctx, msg, 'error');
        return result(false, null, [msg]);
      }
      return result(true, `@${a.verb} ${to}`, [`sent @${a.verb} to ${to}`]);
    }
  }
}
