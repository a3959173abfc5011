import type { LogRequest, LogSettings, Origin, Vars } from './requests.js';
import { line } from './logtext.js';
import type { G } from './state.js';
import { fromLineSender, type ParsedHeader } from './mail/header.js';
import type { PublicSuffixList } from './mail/public-suffix.js';
import type { WordArg } from '../syntax/ext-args.js';

/**
 * What the engine's extension steps (ext-conditions.ts, ext-actions.ts) see
 * of the message and the variables, built by context.ts extContext(). The
 * extensions keep the engine's rule (docs/architecture.md §4.3: no fs, no
 * processes, no clock, no nodemailer): every effect is a Request answered by
 * src/deliver (for real) or src/dryrun (recorded), so the dry run never
 * sends anything.
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

export function* extLog(ctx: ExtContext, text: string, source: LogRequest['source']): G<void> {
  const req: LogRequest = { kind: 'log', text: line(text), source, origin: ctx.origin, log: ctx.log };
  yield req;
}

/** A word argument's text: a single-quoted one as written, any other expanded. */
export function extWord(ctx: ExtContext, w: WordArg): string {
  return w.quote === 'single' ? w.text : ctx.expand(w.text);
}

/** The envelope sender as a bare address ('' for the null sender). */
export function envelopeOf(ctx: ExtContext, header: ParsedHeader): string {
  const raw = ctx.envelopeSender.trim() !== '' ? ctx.envelopeSender : (fromLineSender(header.fromLine) ?? '');
  const t = raw.trim();
  return t.startsWith('<') && t.endsWith('>') ? t.slice(1, -1).trim() : t;
}

/** How a line that did not parse is logged: the parser's first complaint and the line as written. */
export function extLineError(message: string, verb: string, args: string): string {
  return `${message} in "@${verb}${args === '' ? '' : ' ' + args}"`;
}
