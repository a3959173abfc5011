import type { ProcRegexNode as Node } from '../compile/regex/tree.js';
import { charSet } from './ere-tree.js';

/**
 * What follows `^From ` reads only the start of the sender on the From_ line
 * (`From SENDER  DATE`), so the envelope sender decides it alike: nothing in
 * it takes a blank (the date is after one), a line end or a value only known
 * when mail arrives, and it starts with a character that is not "M" (the
 * MTA writes MAILER-DAEMON where the envelope has the empty null sender),
 * which also means it cannot match empty text. Nothing at all after it
 * matches any From_ line, and any sender.
 */
export function senderOnly(rest: readonly Node[], fold: boolean): boolean {
  if (rest.length === 0) return true;
  if (!rest.every(withinSender)) return false;
  const first = rest[0]!;
  if (first.k !== 'char' && first.k !== 'set') return false;
  const bits = charSet(first)!;
  return bits[0x4d] !== 1 && !(fold && bits[0x6d] === 1);
}

function withinSender(n: Node): boolean {
  switch (n.k) {
    case 'char':
      return n.c !== 32 && n.c !== 9 && n.c !== 10 && n.c <= 255;
    case 'set':
      return n.bits[32] !== 1 && n.bits[9] !== 1 && n.bits[10] !== 1;
    case 'group':
      return n.alts.every((a) => a.every(withinSender));
    case 'star':
    case 'plus':
    case 'opt':
      return withinSender(n.x);
    default:
      return false;
  }
}
