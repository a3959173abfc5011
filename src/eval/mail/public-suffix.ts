import { BoundedMap } from '../../bounded-map.js';
import { PUBLIC_SUFFIX_MEMO_SIZE } from '../../limits.js';

/**
 * The Public Suffix List (https://publicsuffix.org/list/) and the
 * Organizational Domain DMARC defines with it (RFC 7489 §3.2): the public
 * suffix of a domain plus one label. Pure: the caller reads the list
 * (public-suffix-file.ts) and says how to write an ASCII (xn--) name in
 * Unicode, as the list writes its internationalised rules.
 *
 * The list is not parsed: for a domain only its own suffixes can be rules,
 * so each is looked for as a line of the text (a native search, a few per
 * domain). Parsing its ~10,000 rules into sets cost a delivery 10-30 ms;
 * this costs well under one.
 */
export interface PublicSuffixList {
  /** The Organizational Domain of `domain` (lower case), or null when `domain` is itself a public suffix. */
  organizationalDomain(domain: string): string | null;
}

export function parsePublicSuffixList(text: string, toUnicode: (asciiDomain: string) => string): PublicSuffixList {
  // Each rule is the first word of its line: searched as "\n" + rule + end of word.
  const body = `\n${text.replace(/\r/g, '')}\n`;
  const hasLine = (rule: string): boolean => {
    const needle = `\n${rule}`;
    for (let at = body.indexOf(needle); at >= 0; at = body.indexOf(needle, at + 1)) {
      const next = body[at + needle.length];
      if (next === '\n' || next === ' ' || next === '\t') return true;
    }
    return false;
  };
  // Domains remembered per list: a replay asks about the same few senders again and again.
  const memo = new BoundedMap<string, string | null>(PUBLIC_SUFFIX_MEMO_SIZE);
  const lookup = (d: string): string | null => {
    const labels = d.split('.');
    // The prevailing rule (publicsuffix.org's algorithm): an exception wins, else the longest match;
    // without one the default rule `*` makes the last label the suffix.
    let suffix = 1;
    for (let i = 0; i < labels.length; i++) {
      const name = labels.slice(i).join('.');
      if (hasLine(`!${name}`)) {
        suffix = labels.length - i - 1;
        break;
      }
      const n = labels.length - i;
      if (n > suffix && (hasLine(name) || (i + 1 < labels.length && hasLine(`*.${labels.slice(i + 1).join('.')}`)))) suffix = n;
    }
    return labels.length > suffix ? labels.slice(labels.length - suffix - 1).join('.') : null;
  };
  return {
    organizationalDomain(domain: string): string | null {
      const d = domain.toLowerCase().replace(/\.$/, '');
      if (d === '' || d.includes('\n')) return null;
      let org = memo.get(d);
      if (org === undefined) {
        // The list writes internationalised rules in Unicode; mail carries them as xn-- labels.
        const unicode = d.includes('xn--') ? toUnicode(d) : d;
        const u = lookup(unicode);
        // Count labels, so the answer is given in the domain's own (ASCII) form.
        org = u === null ? null : d.split('.').slice(-u.split('.').length).join('.');
        memo.set(d, org);
      }
      return org;
    },
  };
}
