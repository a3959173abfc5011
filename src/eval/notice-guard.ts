import { translateRegex, type ProcRegex } from '../compile/regex/translate.js';
import { test } from './regex-search.js';
import { fieldValues, hasField, type ParsedHeader } from './mail/header.js';
import { hasLoop } from './x-loop.js';

/**
 * When `@bounce` and `@reply` must not send anything (RFC 3834 §2, §3.1.7;
 * RFC 5321 §4.5.5; docs/procmail-semantics.md §11.10 "Loops and autoreply storms"). Each
 * rule returns a short reason that is logged, so a user can see why no
 * notice went out. A refusal still ends the recipe as handled (ext-actions.ts).
 */
export type NoticeKind = 'bounce' | 'reply';

/**
 * procmail's `^FROM_DAEMON` (docs/procmail-semantics.md §3.3), through the same translator
 * and search as rc conditions (src/compile/regex/translate.ts, src/eval/regex-search.ts), so
 * `@bounce`/`@reply` refuse exactly what `* !^FROM_DAEMON` would let through.
 * FROM_DAEMON is always case-insensitive (§2).
 */
let daemonRegex: ProcRegex | null | undefined;

function fromDaemonRegex(): ProcRegex | null {
  if (daemonRegex === undefined) {
    const r = translateRegex('^FROM_DAEMON', { caseSensitive: false });
    daemonRegex = r.ok ? r.regex : null;
  }
  return daemonRegex;
}

/** The H search area as procmail sees it: From_ line included, ending in the blank line, continuations unfolded (docs/procmail-semantics.md §3.1). */
function headerArea(header: ParsedHeader): string {
  const lines = header.fromLine === null ? header.text : `${header.fromLine}\n${header.text}`;
  return `${lines}\n\n`.replace(/\n(?=[ \t])/g, ' ');
}

/** True when the header matches procmail's `^FROM_DAEMON`. */
export function fromDaemon(header: ParsedHeader): boolean {
  const rx = fromDaemonRegex();
  // The macro is fixed and verified (test/eval/notice-guard.test.ts); should the
  // translator ever reject it, fail safe: treat every message as a daemon's
  // and send no notices, rather than risk a mail loop.
  return rx === null || test(rx, headerArea(header));
}

/** A field value without RFC 5322 comments, trimmed and lower-cased. */
function bare(value: string): string {
  return value.replace(/\([^()]*\)/g, ' ').trim().toLowerCase();
}

/**
 * Why a notice of `kind` must not be sent for this message, or null when it
 * may be. `envelopeSender` is the address the notice would go to.
 */
export function refuseReason(kind: NoticeKind, header: ParsedHeader, envelopeSender: string, loop: string): string | null {
  const sender = envelopeSender.trim();
  // RFC 5321 §4.5.5 and RFC 3834 §2: never answer a null-sender message (it is itself a notice).
  if (sender === '' || sender === '<>') return 'the envelope sender is empty (<>)';
  if (hasLoop(header, loop)) return `the message already carries X-Loop: ${loop}`;
  // RFC 3834 §2: no automatic response to anything automatic.
  for (const v of fieldValues(header, 'Auto-Submitted')) {
    const keyword = bare(v).split(';')[0]!.trim();
    if (keyword !== 'no') return `the message is automatic (Auto-Submitted: ${v.trim()})`;
  }
  if (kind === 'reply') {
    // RFC 3834 §2: don't auto-reply to list traffic or bulk mail.
    for (const v of fieldValues(header, 'Precedence')) {
      const p = bare(v);
      if (p === 'bulk' || p === 'junk' || p === 'list') return `the message is bulk or list mail (Precedence: ${p})`;
    }
    if (hasField(header, 'List-Id')) return 'the message comes from a mailing list (List-Id)';
    if (hasField(header, 'List-Unsubscribe')) return 'the message comes from a mailing list (List-Unsubscribe)';
    // Microsoft's opt-out for automatic replies (MS-OXCMAIL 2.2.3.2.14).
    for (const v of fieldValues(header, 'X-Auto-Response-Suppress')) {
      if (/\b(all|oof|autoreply)\b/i.test(v)) return `the sender asked for no automatic replies (X-Auto-Response-Suppress: ${v.trim()})`;
    }
  }
  if (fromDaemon(header)) return 'the message is from a daemon or a list (^FROM_DAEMON)';
  return null;
}
