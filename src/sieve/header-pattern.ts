/**
 * A procmail pattern over the header, read as tests of named fields.
 *
 * procmail searches the whole header block, one line per field (unfolded),
 * for the pattern (procmailrc(5); regexp.c). Sieve can only test named
 * fields (RFC 5228 §5.7), so a pattern is convertible when every top-level
 * alternative starts `^Name:` with a finite set of names: `^Subject:…`,
 * `^(To|Cc):…`, and the macros `^TO_`/`^TO` after expansion. What follows
 * the colon (the "rest") is then a test of that field's value.
 *
 * Two more shapes are recognised, with a caveat each: `^From ` is the mbox
 * From_ line (Sieve knows only its address, the envelope sender), and a
 * name without its colon (`^Subject`, `^From.*x`) is a prefix of any line.
 */
import type { ProcRegexNode as Node } from '../compile/regex/tree.js';
import { SIEVE_MAX_FIELD_NAMES as MAX_FORMS } from '../limits.js';
import { nullable, sameSeq } from './ere-tree.js';

export interface FieldForm {
  /**
   * field: `^Name:rest`; fromline: `^From rest` (the From_ line); prefix:
   * `^Namerest` where the rest does not start with the colon.
   */
  readonly kind: 'field' | 'fromline' | 'prefix';
  /** The field name as the pattern spells it (lowercase unless the recipe has D). */
  readonly name: string;
  readonly rest: readonly Node[];
}


/** RFC 5322 §3.6.8 ftext: printable US-ASCII except the colon. */
function fieldNameChar(c: number): boolean {
  return c >= 33 && c <= 126 && c !== 58;
}

/**
 * Distribute groups and `?` at the front of a sequence until it starts with
 * something else: `(a|b)c` → `ac`, `bc`.
 */
function leadingForms(seq: readonly Node[], out: Node[][]): boolean {
  const head = seq[0];
  if (out.length > MAX_FORMS) return false;
  if (head?.k === 'group') {
    for (const alt of head.alts) if (!leadingForms([...alt, ...seq.slice(1)], out)) return false;
    return true;
  }
  if (head?.k === 'opt') {
    return leadingForms(seq.slice(1), out) && leadingForms([head.x, ...seq.slice(1)], out);
  }
  out.push([...seq]);
  return true;
}

/** The alternatives of a pattern, or why they are not all `^Name…` forms. */
export function fieldForms(alts: readonly (readonly Node[])[]): FieldForm[] | string {
  const starts: Node[][] = [];
  for (const a of alts) if (!leadingForms(a, starts)) return 'the pattern spells out too many header names';
  const forms: FieldForm[] = [];
  for (const s of starts) {
    if (s[0]?.k === 'anchor2') return '"^^" anchors the whole header, which Sieve does not see as one text';
    if (s[0]?.k !== 'nl') return 'the pattern is not anchored to the start of a header line ("^Name:"), and Sieve can only test named fields';
    const r = names(s.slice(1), '', forms);
    if (r !== null) return r;
    if (forms.length > MAX_FORMS) return 'the pattern spells out too many header names';
  }
  return forms;
}

function names(seq: readonly Node[], name: string, out: FieldForm[]): string | null {
  if (out.length > MAX_FORMS) return null;
  const head = seq[0];
  const rest = seq.slice(1);
  if (head === undefined) {
    if (name === '') return 'the pattern is not anchored to the start of a header line ("^Name:")';
    out.push({ kind: 'prefix', name, rest: [] });
    return null;
  }
  switch (head.k) {
    case 'char':
      if (head.c === 58 && name !== '') {
        out.push({ kind: 'field', name, rest });
        return null;
      }
      if (head.c === 32 && /^>?from$/i.test(name)) {
        out.push({ kind: 'fromline', name, rest });
        return null;
      }
      if (head.c <= 255 && fieldNameChar(head.c)) return names(rest, name + String.fromCharCode(head.c), out);
      break;
    case 'group':
      for (const alt of head.alts) {
        const r = names([...alt, ...rest], name, out);
        if (r !== null) return r;
      }
      return null;
    case 'opt': {
      const r = names(rest, name, out);
      return r ?? names([head.x, ...rest], name, out);
    }
    default:
      break;
  }
  if (name === '') return 'the pattern does not start with a header name after "^"';
  out.push({ kind: 'prefix', name, rest: seq });
  return null;
}

// ---------------------------------------------------------------------------
// The rest of a field, after its colon

/**
 * The derivative of `seq` by one character `ch`: the alternatives that
 * match what `seq` matches after `ch` (Brzozowski). null when `\/` would
 * have to move (MATCH would lose the character).
 */
export function derivative(seq: readonly Node[], ch: number, budget = { n: 256 }): Node[][] | null {
  const out: Node[][] = [];
  if (!derive(seq, ch, out, budget)) return null;
  return out;
}

function derive(seq: readonly Node[], ch: number, out: Node[][], budget: { n: number }): boolean {
  if (--budget.n < 0) return false;
  const n = seq[0];
  if (n === undefined) return true;
  const rest = seq.slice(1);
  switch (n.k) {
    case 'char':
      // A `$\VAR` value (a placeholder): taken not to start with a blank, as Sieve's values (and so MATCH) never do.
      if (n.c === ch) out.push(rest);
      return true;
    case 'set':
      if (n.bits[ch] === 1) out.push(rest);
      return true;
    case 'dot':
      if (ch !== 10) out.push(rest);
      return true;
    case 'nl':
      if (ch === 10) out.push(rest);
      return true;
    case 'anchor2':
      return true;
    case 'bom': {
      // Fine unless the character is consumed right after the split: it would have been part of MATCH.
      const after: Node[][] = [];
      if (!derive(rest, ch, after, budget)) return false;
      return after.length === 0;
    }
    case 'group':
      for (const alt of n.alts) if (!derive([...alt, ...rest], ch, out, budget)) return false;
      return true;
    case 'star':
    case 'plus': {
      const inner: Node[][] = [];
      if (!derive([n.x], ch, inner, budget)) return false;
      const again: Node = { k: 'star', x: n.x };
      for (const d of inner) out.push([...d, again, ...rest]);
      if (n.k === 'star' || nullable(n.x)) return derive(rest, ch, out, budget);
      return true;
    }
    case 'opt':
      return derive([n.x, ...rest], ch, out, budget) && derive(rest, ch, out, budget);
  }
}

function dedupe(alts: Node[][]): Node[][] {
  return alts.filter((a, i) => alts.findIndex((b) => sameSeq(a, b)) === i);
}

/** Whether two lists of alternatives are the same, in any order. */
export function sameAlternatives(a: readonly (readonly Node[])[], b: readonly (readonly Node[])[]): boolean {
  return a.length === b.length && a.every((x) => b.some((y) => sameSeq(x, y)));
}

/**
 * The rest as a test of the value Sieve gives (leading blanks removed),
 * assuming the field's line has one blank after the colon, as RFC 5322
 * fields are written: the rest must match " " + value. When reading a blank
 * first changes nothing (`.*x`, `(.*[^a-z])?x`), the rest is kept as it is.
 */
export function valueAlternatives(rest: readonly Node[]): { alts: Node[][]; note: string | null } | null {
  // A rest that matches the empty string matches at once: the field only has to exist.
  if (rest.every(nullable) && !rest.some((n) => n.k === 'bom')) return { alts: [[]], note: null };
  const d = derivative(rest, 32);
  if (d === null) return null;
  const asWritten: Node[][] = [];
  const derived: Node[][] = [];
  if (leadingForms(rest, asWritten) && d.every((alt) => leadingForms(alt, derived)) && sameAlternatives(dedupe(derived), dedupe(asWritten))) {
    return { alts: [[...rest]], note: null };
  }
  if (d.length === 0) {
    // Only a value written right after the colon (`Subject:x`) can match.
    return { alts: [[...rest]], note: 'procmail needs the value right after the colon, with no blank; Sieve does not see the blanks' };
  }
  if (d.some((alt) => alt[0]?.k === 'char' && (alt[0].c === 32 || alt[0].c === 9))) {
    return { alts: d, note: 'the pattern expects more than one blank after the colon; Sieve removes the blanks before the value' };
  }
  return { alts: dedupe(d), note: null };
}
