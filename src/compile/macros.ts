/**
 * procmail's regex macros (procmailrc(5) "^TO_", "^TO", "^FROM_DAEMON",
 * "^FROM_MAILER"; expansions as in config.h, docs/procmail-semantics.md §3.3). They are
 * substituted textually before the regex is compiled, so they can be mixed
 * with anything around them (`^TO_joe@x\.org\>`).
 */

const TO_ =
  '(^((Original-)?(Resent-)?(To|Cc|Bcc)|(X-Envelope|Apparently(-Resent)?)-To):(.*[^-a-zA-Z0-9_.])?)';
const TO = '(^((Original-)?(Resent-)?(To|Cc|Bcc)|(X-Envelope|Apparently(-Resent)?)-To):(.*[^a-zA-Z])?)';
// The `\t ` in both FROM_ expansions is a real TAB and a space inside a class.
const FROM_DAEMON =
  '(^(Mailing-List:|Precedence:.*(junk|bulk|list)|To: Multiple recipients of |(((Resent-)?(From|Sender)|X-Envelope-From):|>?From )([^>]*[^(.%@a-z0-9])?(Post(ma?(st(e?r)?|n)|office)|(send)?Mail(er)?|daemon|m(mdf|ajordomo)|n?uucp|LIST(SERV|proc)|NETSERV|o(wner|ps)|r(e(quest|sponse)|oot)|b(ounce|bs\\.smtp)|echo|mirror|s(erv(ices?|er)|mtp(error)?|ystem)|A(dmin(istrator)?|MMGR|utoanswer))(([^).!:a-z0-9][-_a-z0-9]*)?[%@>\t ][^<)]*(\\(.*\\).*)?)?$([^>]|$)))';
const FROM_MAILER =
  '(^(((Resent-)?(From|Sender)|X-Envelope-From):|>?From )([^>]*[^(.%@a-z0-9])?(Post(ma(st(er)?|n)|office)|(send)?Mail(er)?|daemon|mmdf|n?uucp|ops|r(esponse|oot)|(bbs\\.)?smtp(error)?|s(erv(ices?|er)|ystem)|A(dmin(istrator)?|MMGR))(([^).!:a-z0-9][-_a-z0-9]*)?[%@>\t ][^<)]*(\\(.*\\).*)?)?$([^>]|$))';

/** In procmail's lookup order (misc.c `regs[]`): FROM_DAEMON first, and `^TO_` before its prefix `^TO`. */
const MACROS: ReadonlyArray<readonly [key: string, expansion: string]> = [
  ['^FROM_DAEMON', FROM_DAEMON],
  ['^TO_', TO_],
  ['^TO', TO],
  ['^FROM_MAILER', FROM_MAILER],
];

export interface MacroExpansion {
  readonly pattern: string;
  /** `^FROM_DAEMON` was substituted: procmail then matches case-insensitively even under `D` (misc.c `or_nocase`). */
  readonly forceCaseInsensitive: boolean;
}

/**
 * Substitute macros the way misc.c does: for each key in order, look at its
 * FIRST occurrence only; substitute it unless a backslash precedes it, then
 * start over with the first key. (So an escaped first occurrence hides later
 * ones of the same key — procmail's behaviour, kept.)
 */
export function expandMacros(pattern: string): MacroExpansion {
  // Every key starts `^TO` or `^FROM_`: most patterns have neither, and a
  // check of a big rc file asks for thousands (bench/parse.mjs).
  if (!pattern.includes('^TO') && !pattern.includes('^FROM_')) return { pattern, forceCaseInsensitive: false };
  let text = pattern;
  let force = false;
  // Each substitution removes one key occurrence and adds none (no expansion contains a key), so this ends.
  for (let k = 0; k < MACROS.length; ) {
    // Indexed, not destructured: array destructuring runs the iterator protocol until the code is optimized.
    const key = MACROS[k]![0];
    const expansion = MACROS[k]![1];
    const at = text.indexOf(key);
    if (at >= 0 && (at === 0 || text.charCodeAt(at - 1) !== 0x5c)) {
      text = text.slice(0, at) + expansion + text.slice(at + key.length);
      if (k === 0) force = true;
      k = 0;
    } else {
      k++;
    }
  }
  return { pattern: text, forceCaseInsensitive: force };
}

const MACRO_KEYS = ['^FROM_DAEMON', '^TO_', '^TO', '^FROM_MAILER'];

/**
 * The pattern to compile for a regex condition. A leading `\` quotes the
 * first character and is removed (procmailrc(5) "Conditions"), but misc.c still sees
 * it when looking for macros: `* \^TO_x` is the plain regex `^TO_x`. The
 * translator expands macros not preceded by `\`, so the anchor is wrapped in
 * a group, which matches the same text.
 */
export function conditionPattern(pattern: string, text: string): string {
  const at = text.length - pattern.length - 1;
  if (at < 0 || text[at] !== '\\' || !text.endsWith(pattern) || pattern[0] !== '^') return pattern;
  for (const key of MACRO_KEYS) if (pattern.startsWith(key)) return '(^)' + pattern.slice(1);
  return pattern;
}
