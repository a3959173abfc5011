/**
 * `* @sender in FILE` and `* @address H,… in FILE` (mailrules' list files,
 * src/eval/mail/addresslist.ts) → Sieve `address`/`envelope` tests with the
 * file's entries written into the script: exact addresses with `:is`,
 * `@domain` with `:domain :is`, `*.domain` with `:domain :matches`, globs
 * with `:all :matches`. The comparator is i;ascii-casemap, as the lists
 * compare case-insensitively.
 */
import { listEntry } from '../eval/mail/addresslist.js';
import type { Span } from '../source/span.js';
import type { Reason } from './report.js';
import { anyof, FALSE, list, str, tag, test, type Test } from './script.js';

export interface ListFiles {
  /** The list file's text, read where the rc file's program would read it; null when it cannot be read. */
  read(file: string): { path: string; text: string } | null;
}

/**
 * `@sender` looks at From, Sender, Reply-To, Return-Path and the envelope
 * sender (src/eval/ext-conditions.ts SENDER_FIELDS). Pigeonhole's address test
 * refuses Return-Path; the envelope test covers it, Return-Path being the
 * envelope sender that the delivery agent writes into the message.
 */
const SENDER_FIELDS = ['From', 'Sender', 'Reply-To'];

function wildcardQuote(s: string): string {
  return s.replace(/\\/g, '\\\\');
}

/** headers null: `@sender`. */
export function listTest(headers: readonly string[] | null, file: string, files: ListFiles, span: Span): { test: Test; reasons: Reason[] } | string {
  const got = files.read(file);
  if (got === null) return `cannot read the list file "${file}" to copy its entries into the script`;
  const exact: string[] = [];
  const domains: string[] = [];
  const patterns: string[] = [];
  for (const line of got.text.split('\n')) {
    const e = listEntry(line);
    if (e === null) continue;
    if (e.kind === 'exact') exact.push(e.key);
    else if (e.kind === 'domain') domains.push(e.key);
    else if (e.kind === 'subdomain') patterns.push(`*.${wildcardQuote(e.key)}`);
    else patterns.push(wildcardQuote(e.key));
  }
  const fields = headers ?? SENDER_FIELDS;
  const byPart = (part: 'all' | 'domain', matchType: 'is' | 'matches', keys: string[]): Test[] => {
    if (keys.length === 0) return [];
    const t = [test('address', [tag(part), tag(matchType), list(fields), list(keys)])];
    if (headers === null) t.push(test('envelope', [tag(part), tag(matchType), str('from'), list(keys)], ['envelope']));
    return t;
  };
  const domainPatterns = patterns.filter((p) => p.startsWith('*.') && !p.includes('@'));
  const allPatterns = patterns.filter((p) => !domainPatterns.includes(p));
  const tests = [...byPart('all', 'is', exact), ...byPart('domain', 'is', domains), ...byPart('domain', 'matches', domainPatterns), ...byPart('all', 'matches', allPatterns)];
  const n = exact.length + domains.length + patterns.length;
  const reasons: Reason[] = [{
    severity: 'note',
    code: 'list-copied',
    message: `${n === 1 ? 'the entry' : `the ${n} entries`} of ${got.path} ${n === 1 ? 'is' : 'are'} copied into the script: convert again after editing the list`,
    span,
  }];
  return { test: tests.length === 0 ? FALSE : anyof(tests), reasons };
}
