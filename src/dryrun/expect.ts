import { dirname, resolve } from 'node:path';
import { shortDestination } from './destination.js';
import type { MessageReport } from './report.js';

/**
 * `--expect FILE`: a folder of saved mail as a regression test. Each line is
 *
 *     message-path   expected-destination
 *
 * separated by a tab or two or more spaces (or, failing that, the first
 * space); `#` starts a comment at the start of a line or after a blank.
 * Paths are relative to the expect file's directory; `box.mbox#3` names the
 * third message of an mbox. The destination is compared with the report's
 * `destination` (see destination.ts): `friends/`, `spam`, `! boss@example.com`,
 * `| formail -r`, `a/ + b/` for a copy then a delivery, `bounce`; the word
 * `DEFAULT` alone matches any message that fell off the end of the rc, and
 * last after others it stands for that fall-back delivery: `backup/. +
 * DEFAULT` is a `c` copy to backup/. and then the fall-back.
 *
 * The `@` extension actions: `@discard`; `@bounce → addr` and
 * `@reply → addr` for a notice that would be sent (`->` may stand for `→`);
 * `@bounce refused` / `@reply refused` for one that refuses, with or without
 * the report's `(reason)`; `@reject` (or the older `reject`). A `c` action
 * is joined like a copy, in the order it happened:
 * `@reply → dave@example.com + quarantine/`.
 */
export interface Expectation {
  readonly key: string;
  readonly path: string;
  readonly expected: string;
  readonly line: number;
}

export type ExpectParse = { ok: true; expectations: Expectation[] } | { ok: false; error: string };

export function parseExpectFile(text: string, file: string, cwd: string): ExpectParse {
  const base = dirname(resolve(cwd, file));
  const expectations: Expectation[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.replace(/\r$/, '');
    const line = raw.replace(/(^|[ \t])#.*$/, '').trim();
    if (line === '') continue;
    const m = /^(.+?)(?:\t+|  +)[ \t]*(.+)$/.exec(line) ?? /^(\S+)\s+(.+)$/.exec(line);
    if (!m) return { ok: false, error: `${file}:${i + 1}: expected "message-path  expected-destination", found ${JSON.stringify(raw)}` };
    const path = m[1]!.trim();
    expectations.push({ key: messageKey(path, base), path, expected: m[2]!.trim(), line: i + 1 });
  }
  return { ok: true, expectations };
}

/** A message name made absolute, `#N` kept, so paths written differently still meet. */
export function messageKey(id: string, base: string): string {
  if (id === '-' || id.startsWith('-#')) return id;
  const hash = /#(\d+)$/.exec(id);
  const path = hash ? id.slice(0, hash.index) : id;
  return `${resolve(base, path)}${hash ? hash[0] : ''}`;
}

export function destinationMatches(expected: string, r: MessageReport): boolean {
  const want = normalize(expected);
  if (want === 'DEFAULT') return r.fellThrough;
  if (want.endsWith(' + DEFAULT')) {
    if (!r.fellThrough) return false;
    // The fall-back is the last thing that handled the message: compare what came before it.
    const before = want.slice(0, -' + DEFAULT'.length);
    return before === withoutLast(normalize(r.destination)) || before === withoutLast(normalize(shortDestination(r)));
  }
  if (want === normalize(r.destination) || want === normalize(shortDestination(r))) return true;
  // Reports before the extension destinations said `reject` for an @reject.
  return want === 'reject' && r.destination === '@reject';
}

/** A destination without its last part (`a/ + b/` → `a/`). */
function withoutLast(d: string): string {
  const i = d.lastIndexOf(' + ');
  return i < 0 ? '' : d.slice(0, i);
}

/** Blanks collapsed, `→` and `->` the same (the arrow is awkward to type). */
function normalize(d: string): string {
  return d.replace(/\s+/g, ' ').replace(/ ?(?:→|->) ?/g, ' -> ').trim();
}

export interface Mismatch {
  readonly expectation: Expectation;
  readonly report: MessageReport;
}

/** Collects results against the expectations as messages go by. */
export class ExpectChecker {
  private readonly byKey = new Map<string, Expectation>();
  private readonly seen = new Set<string>();
  readonly mismatches: Mismatch[] = [];
  matched = 0;
  unlisted = 0;

  constructor(expectations: readonly Expectation[], private readonly cwd: string) {
    for (const e of expectations) this.byKey.set(e.key, e);
  }

  check(r: MessageReport): Mismatch | 'ok' | 'unlisted' {
    const key = messageKey(r.message, this.cwd);
    const e = this.byKey.get(key);
    if (e === undefined) {
      this.unlisted++;
      return 'unlisted';
    }
    this.seen.add(key);
    if (destinationMatches(e.expected, r)) {
      this.matched++;
      return 'ok';
    }
    const m = { expectation: e, report: r };
    this.mismatches.push(m);
    return m;
  }

  /** Expectations whose message was never read (renamed or deleted mail must not pass silently). */
  missing(): Expectation[] {
    return [...this.byKey.values()].filter((e) => !this.seen.has(e.key));
  }
}
