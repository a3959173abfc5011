import { MAX_PUBLIC_SUFFIX_LIST_BYTES } from '../limits.js';
import { parsePublicSuffixList, type PublicSuffixList } from '../eval/mail/public-suffix.js';

/**
 * The system's Public Suffix List, read on first use: Debian's
 * `publicsuffix` package installs it here. Without it (or when it cannot
 * be read) there is no list, and alignment falls back to strict (the
 * domains must be equal), which can only refuse, never admit, a sender.
 */
export const SYSTEM_PUBLIC_SUFFIX_LIST = '/usr/share/publicsuffix/public_suffix_list.dat';

export interface SuffixListFs {
  readFileSync(path: string): Buffer;
}

/** A loader that reads and parses the list once, on its first call. */
export function publicSuffixLoader(fs: SuffixListFs, path = SYSTEM_PUBLIC_SUFFIX_LIST): () => PublicSuffixList | null {
  let list: PublicSuffixList | null | undefined;
  return () => {
    if (list === undefined) {
      list = null;
      try {
        const bytes = fs.readFileSync(path);
        if (bytes.length <= MAX_PUBLIC_SUFFIX_LIST_BYTES) {
          // node:url only now, on the first alignment: delivery start-up never pays for it.
          const { domainToUnicode } = require('node:url') as typeof import('node:url');
          const parsed = parsePublicSuffixList(bytes.toString('utf8'), (d) => domainToUnicode(d) || d);
          // Not a list at all (an empty or foreign file): no list, strict alignment.
          list = parsed.organizationalDomain('example.com') === 'example.com' && parsed.organizationalDomain('co.uk') === null ? parsed : null;
        }
      } catch {
        list = null;
      }
    }
    return list;
  };
}
