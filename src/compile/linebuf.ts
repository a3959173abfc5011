/**
 * Lines procmail cannot hold: it reads each statement into a buffer of
 * LINEBUF bytes (2048 unless the rc file sets it) and what overflows is
 * logged as `Exceeded LINEBUF` (docs/procmail-semantics.md §5.2, thresholds verified per
 * kind of line). `mailrules check` warns where the text as written is too
 * long for the LINEBUF in force; expansions can only make a line longer.
 */
import { DEFAULT_LINEBUF, MIN_LINEBUF } from '../limits.js';
import { diagnostic, type Diagnostic } from '../source/diagnostic.js';
import type { Item } from '../syntax/ast.js';
import { inFileOrder } from '../syntax/walk.js';
import { literalText } from '../syntax/word.js';
import { linebufValue } from './renvint.js';

/**
 * misc.c conditions(): a condition line (or what a `$` condition expands to)
 * as long as LINEBUF or longer overflows procmail's buffer, and procmail
 * "assumes failure on overflow": the condition fails, negated or not
 * (docs/procmail-semantics.md §5.2, case 344). The engine, `mailrules check`
 * and to-sieve all ask this.
 */
export function conditionOverflows(length: number, linebuf: number): boolean {
  return length >= linebuf;
}

export function checkLinebuf(text: string, items: readonly Item[], out: Diagnostic[]): void {
  // No line is long enough for even the smallest LINEBUF: nothing to look at (the usual case).
  if (!LONG_LINE.test(text)) return;
  let linebuf = DEFAULT_LINEBUF;
  // A forward's addresses share the buffer with $SENDMAIL and $SENDMAILFLAGS (procmail's defaults until set).
  const forward = new Map([['SENDMAIL', '/usr/sbin/sendmail'], ['SENDMAILFLAGS', '-oi']]);
  const warn = (span: Diagnostic['span'], length: number, what: string) => {
    out.push(diagnostic('warning', 'linebuf', `${length} characters do not fit procmail's LINEBUF (${linebuf}): procmail logs "Exceeded LINEBUF", sets PROCMAIL_OVERFLOW=yes and ${what}`, span));
  };
  for (const { item } of inFileOrder(items)) {
    if (item.kind === 'assign') {
      const v = item.value === null ? null : literalText(item.value);
      if (v === null) continue;
      if (item.name.length + 1 + v.length > linebuf) warn(item.span, item.name.length + 1 + v.length, `keeps the old value of ${item.name}`);
      else if (item.name === 'LINEBUF') linebuf = linebufValue(v);
      else if (forward.has(item.name)) forward.set(item.name, v);
      continue;
    }
    if (item.kind !== 'recipe') continue;
    const header = item.header;
    if (header.length !== undefined && header.length > linebuf) warn(header.span, header.length, 'gives up on this rc file and those that included it');
    for (const c of item.conditions) if (conditionOverflows(c.text.length, linebuf)) warn(c.span, c.text.length, 'the condition fails');
    const a = item.action;
    if (a === null) continue;
    if (a.kind === 'pipe') {
      if (a.command.length >= linebuf) warn(a.span, a.command.length, 'runs nothing');
    } else if (a.kind === 'folder') {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(a.raw);
      const words = a.targets.map(literalText);
      const length = words.includes(null) ? 0 : words.join(' ').length;
      if ((name !== null && name[0].length >= linebuf - 5) || length > linebuf) warn(a.span, Math.max(length, name?.[0].length ?? 0), 'the delivery fails');
    } else if (a.kind === 'forward') {
      const words = a.addresses.map(literalText);
      const command = [forward.get('SENDMAIL')!, ...forward.get('SENDMAILFLAGS')!.split(/[ \t\n]+/).filter((w) => w !== '')];
      const length = words.includes(null) ? 0 : [...command, ...words].join(' ').length;
      if (length > linebuf) warn(a.span, length, `the forward fails (the addresses share the buffer with "${command.join(' ')}")`);
    }
  }
}

/** A line at least as long as the smallest LINEBUF. */
const LONG_LINE = new RegExp(`[^\\n]{${MIN_LINEBUF}}`);
