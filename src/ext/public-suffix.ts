/**
 * The Public Suffix List (https://publicsuffix.org/list/) and the
 * Organizational Domain DMARC defines with it (RFC 7489 §3.2): the public
 * suffix of a domain plus one label. Pure: the caller reads the list
 * (public-suffix-file.ts) and says how to write a Unicode name in ASCII.
 */
export interface PublicSuffixList {
  /** The Organizational Domain of `domain` (lower case, ASCII), or null when `domain` is itself a public suffix. */
  organizationalDomain(domain: string): string | null;
  /** Number of rules read. */
  readonly size: number;
}

export function parsePublicSuffixList(text: string, toAscii: (domain: string) => string): PublicSuffixList {
  const rules = new Set<string>();
  const wildcards = new Set<string>();
  const exceptions = new Set<string>();
  const ascii = (d: string): string => (/[^\x00-\x7f]/.test(d) ? toAscii(d) : d).toLowerCase();
  for (const raw of text.split('\n')) {
    // A rule is the first word of a line; `//` starts a comment.
    const rule = raw.trim().split(/\s/, 1)[0]!;
    if (rule === '' || rule.startsWith('//')) continue;
    if (rule.startsWith('!')) exceptions.add(ascii(rule.slice(1)));
    else if (rule.startsWith('*.')) wildcards.add(ascii(rule.slice(2)));
    else rules.add(ascii(rule));
  }
  const size = rules.size + wildcards.size + exceptions.size;
  return {
    size,
    organizationalDomain(domain: string): string | null {
      const d = ascii(domain.replace(/\.$/, ''));
      if (d === '') return null;
      const labels = d.split('.');
      // The prevailing rule (publicsuffix.org's algorithm): an exception wins, else the longest match;
      // without one the default rule `*` makes the last label the suffix.
      let suffix = 1;
      for (let i = 0; i < labels.length; i++) {
        const name = labels.slice(i).join('.');
        if (exceptions.has(name)) {
          suffix = labels.length - i - 1;
          break;
        }
        const n = labels.length - i;
        if (n > suffix && (rules.has(name) || (i + 1 < labels.length && wildcards.has(labels.slice(i + 1).join('.'))))) suffix = n;
      }
      return labels.length > suffix ? labels.slice(labels.length - suffix - 1).join('.') : null;
    },
  };
}
