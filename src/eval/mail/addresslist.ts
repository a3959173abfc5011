import { MAX_ADDRESS_LENGTH } from '../../limits.js';
import { normalizeAddress } from './address.js';

/**
 * The list file behind `* @address … in FILE` and `* @sender in FILE`.
 *
 * File format (one entry per line; all matching is case-insensitive):
 *
 *     # a comment: lines whose first non-blank character is `#`; blank lines are ignored
 *     alice@example.org        exactly this address
 *     @example.com             any address whose domain is exactly example.com
 *     *@example.com            the same
 *     *.example.com            any address in a subdomain of example.com
 *                              (a.example.com, a.b.example.com; NOT example.com itself)
 *     *@*.example.com          the same
 *     bob+*@example.org        a glob: `*` is any run of characters except `@`,
 *     b?b@example.org          `?` is one character except `@`
 *     postmaster               an address without a domain (a local user) matches exactly
 *
 * Leading and trailing blanks are ignored; anything after the first blank on a
 * line is a comment (so `alice@x.org  # Alice` works). Every character other
 * than `*` and `?` is literal: a `.` is a dot, not "any character" — the
 * classic `grep -f`/`egrep -f` whitelist pitfall, where `bob@x.com` also
 * matched `bob@xycom` — and `[`, `{`, `!`, `+(` have no glob meaning
 * (docs/node-runtime.md §8: micromatch would treat them as classes, braces,
 * negation and extglobs, and its `*` would not cross `/`).
 *
 * Exact entries and whole-domain entries go to Sets; subdomain entries are
 * found by walking the address's domain suffixes; only the remaining globs are
 * scanned, with an iterative wildcard matcher rather than a RegExp: it is
 * O(length × pattern) in the worst case, where a combined regex of hostile
 * globs (`*a*a*a*a*…`) measured 150 ms per lookup even with V8's linear
 * fallback (docs/architecture.md §4.8). Addresses longer than MAX_ADDRESS_LENGTH never match.
 */
export interface AddressIndex {
  /** The entry (as written, trimmed) that `address` matches, or null. */
  match(address: string): string | null;
  /** Number of entries indexed. */
  readonly size: number;
  /**
   * The work match() has done so far: one per table probe and per glob
   * tried, plus the wildcard matcher's steps. Tests bound it instead of
   * timing lookups: a lookup must not grow with the list's exact and domain
   * entries, and a glob costs at most (address part + 1) × (pattern part + 1).
   */
  readonly work: number;
}

interface Glob {
  readonly entry: string;
  /** The normalised pattern split at `@` (neither `*` nor `?` crosses one). */
  readonly segments: readonly string[];
}

/** Counts the steps of wildcardMatch for AddressIndex.work. */
interface StepCount {
  steps: number;
}

/**
 * `*`/`?` wildcard match of one segment, without backtracking beyond the
 * last `*` (the classic iterative algorithm): O(s × p) worst case.
 */
export function wildcardMatch(p: string, s: string, count?: StepCount): boolean {
  let pi = 0;
  let si = 0;
  let star = -1;
  let mark = 0;
  while (si < s.length) {
    if (count !== undefined) count.steps++;
    if (pi < p.length && (p[pi] === '?' || p[pi] === s[si])) {
      pi++;
      si++;
    } else if (pi < p.length && p[pi] === '*') {
      star = pi++;
      mark = si;
    } else if (star >= 0) {
      pi = star + 1;
      si = ++mark;
    } else return false;
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

/** Does normalised address `a` (split at `@`) match the glob? */
function globMatch(g: Glob, parts: readonly string[], count: StepCount): boolean {
  count.steps++;
  if (parts.length !== g.segments.length) return false;
  for (let i = 0; i < parts.length; i++) if (!wildcardMatch(g.segments[i]!, parts[i]!, count)) return false;
  return true;
}

/** Build the index from the file's text. Never throws; unusable lines are simply never matched. */
export function buildAddressIndex(text: string): AddressIndex {
  const exact = new Map<string, string>();
  const domains = new Map<string, string>();
  const subdomains = new Map<string, string>();
  const globs: Glob[] = [];
  let size = 0;
  const count: StepCount = { steps: 0 };
  for (const rawLine of text.split('\n')) {
    const l = listEntry(rawLine);
    if (l === null) continue;
    size++;
    if (l.kind === 'domain') setFirst(domains, l.key, l.entry);
    else if (l.kind === 'subdomain') setFirst(subdomains, l.key, l.entry);
    else if (l.kind === 'exact') setFirst(exact, l.key, l.entry);
    else globs.push({ entry: l.entry, segments: l.key.split('@') });
  }
  return {
    size,
    get work() {
      return count.steps;
    },
    match(address: string): string | null {
      const a = normalizeAddress(address);
      if (a === '' || a.length > MAX_ADDRESS_LENGTH) return null;
      count.steps++;
      const hit = exact.get(a);
      if (hit !== undefined) return hit;
      const at = a.lastIndexOf('@');
      if (at >= 0) {
        const domain = a.slice(at + 1);
        count.steps++;
        const d = domains.get(domain);
        if (d !== undefined) return d;
        // Walk the parent domains: a.b.example.com → b.example.com → example.com.
        for (let dot = domain.indexOf('.'); dot >= 0; dot = domain.indexOf('.', dot + 1)) {
          count.steps++;
          const s = subdomains.get(domain.slice(dot + 1));
          if (s !== undefined) return s;
        }
      }
      if (globs.length > 0) {
        const parts = a.split('@');
        for (const g of globs) if (globMatch(g, parts, count)) return g.entry;
      }
      return null;
    },
  };
}

/**
 * One line of a list file (the format above): null for a blank or comment
 * line; else the entry as written and what it matches, normalised: an
 * address, a domain (`@d`, `*@d`), the subdomains of a domain (`*.d`,
 * `*@*.d`), or a glob.
 */
export function listEntry(rawLine: string): { kind: 'exact' | 'domain' | 'subdomain' | 'glob'; key: string; entry: string } | null {
  const line = rawLine.trim();
  if (line === '' || line.startsWith('#')) return null;
  const entry = line.split(/[ \t]/, 1)[0]!;
  const e = normalizeAddress(entry);
  if (e === '') return null;
  let m: RegExpExecArray | null;
  if ((m = /^\*?@([^*?@]+)$/.exec(e))) return { kind: 'domain', key: m[1]!, entry };
  if ((m = /^(?:\*@)?\*\.([^*?@]+)$/.exec(e))) return { kind: 'subdomain', key: m[1]!, entry };
  return { kind: /[*?]/.test(e) ? 'glob' : 'exact', key: e, entry };
}

function setFirst(map: Map<string, string>, key: string, entry: string): void {
  // Within one kind of entry the first line wins, so a report names the earliest such line.
  if (!map.has(key)) map.set(key, entry);
}
