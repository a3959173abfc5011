/**
 * The proof of `mailrules to-sieve` (src/sieve): every script it writes for
 * rules/, examples/ and the differential cases compiles with Pigeonhole's
 * sievec, and where the report says every recipe and statement converted,
 * Pigeonhole's sieve-test files each message where `mailrules test` sends
 * it, forwards and rejects it alike, and logs the same LOG lines (as
 * debug_log) in the same order. Sources: rules/, examples/, the differential
 * cases and fixtures/rc (constructs the cases probe with one message only).
 * Messages: each source's own, the differential messages, fixtures/messages,
 * and the SpamAssassin corpus when it is present.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageReport } from '../../src/dryrun/report.js';
import { convertRc, type Conversion } from '../../src/sieve/convert.js';
import { mailboxForPath } from '../../src/sieve/folders.js';
import { statusOf } from '../../src/sieve/report.js';
import { runDry } from '../dryrun/helpers.js';
import { Pigeonhole, pigeonholeMissing, type Verdict } from './pigeonhole.js';

const ROOT = process.cwd();
const CASES = join(ROOT, 'test', 'differential', 'cases');
const DIFF_MESSAGES = join(ROOT, 'test', 'differential', 'messages');
/** Messages for the proof alone: folds before a tab and before several blanks, where procmail, RFC 5322 and Pigeonhole each read a fold their own way. */
const PROOF_MESSAGES = join(ROOT, 'test', 'sieve', 'fixtures', 'messages');
const PROOF_RCS = join(ROOT, 'test', 'sieve', 'fixtures', 'rc');
const CORPUS = join(ROOT, '..', 'shared', 'corpus', 'spamassassin');
/** Corpus messages per rc file of rules/ and examples/ (each costs a sieve-test run). */
const CORPUS_SAMPLE = 40;
/** What sieve-test is given as the envelope sender of a message without a From_ line (procmail then has none). */
const NO_SENDER = 'nobody@invalid.example';

interface Source {
  readonly name: string;
  readonly rc: string;
  readonly messages: readonly string[];
  /** The example's own directory (its list files, reply texts), else null for a scratch MAILDIR. */
  readonly maildir: string | null;
  readonly answers: string | null;
}

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .map((f) => join(dir, f))
    .filter((p) => statSync(p).isFile() && !p.endsWith('.md'));
}

function corpusSample(): string[] {
  const all = [...files(join(CORPUS, 'nice')), ...files(join(CORPUS, 'spam'))];
  const step = Math.max(1, Math.floor(all.length / CORPUS_SAMPLE));
  return all.filter((_, i) => i % step === 0).slice(0, CORPUS_SAMPLE);
}

function sources(): Source[] {
  const shared = [...files(DIFF_MESSAGES), ...files(PROOF_MESSAGES), ...corpusSample()];
  const out: Source[] = [];
  const exampleMessages: string[] = [];
  for (const d of readdirSync(join(ROOT, 'examples')).sort()) exampleMessages.push(...files(join(ROOT, 'examples', d, 'messages')));
  for (const f of readdirSync(join(ROOT, 'rules')).sort()) {
    if (!f.endsWith('.rc')) continue;
    const answers = f === 'dedup.rc' ? join(ROOT, 'test', 'sieve', 'fixtures', 'dedup-answers.json') : null;
    out.push({ name: `rules/${f}`, rc: join(ROOT, 'rules', f), messages: [...exampleMessages, ...shared], maildir: null, answers });
  }
  // rc files written for the proof: what the differential cases probe with one message, on all of them.
  for (const rc of files(PROOF_RCS)) out.push({ name: `test/sieve/fixtures/rc/${basename(rc)}`, rc, messages: [...exampleMessages, ...shared], maildir: null, answers: null });
  for (const d of readdirSync(join(ROOT, 'examples')).sort()) {
    const dir = join(ROOT, 'examples', d);
    if (!existsSync(join(dir, 'rules.rc'))) continue;
    const answers = existsSync(join(dir, 'answers.json')) ? join(dir, 'answers.json') : null;
    out.push({ name: `examples/${d}`, rc: join(dir, 'rules.rc'), messages: [...files(join(dir, 'messages')), ...shared], maildir: dir, answers });
  }
  for (const c of readdirSync(CASES).sort()) {
    const dir = join(CASES, c);
    const own = join(dir, 'message');
    const msg = existsSync(own) ? own : join(DIFF_MESSAGES, readFileSync(join(dir, 'message.ref'), 'utf8').trim());
    out.push({ name: `differential ${c}`, rc: join(dir, 'rc'), messages: [msg], maildir: null, answers: null });
  }
  return out;
}

function convert(rc: string, allowPipe = false): Conversion {
  const read = (p: string): string | null => {
    try {
      return readFileSync(p, 'latin1');
    } catch {
      return null;
    }
  };
  return convertRc(readFileSync(rc, 'latin1'), rc, { separator: '/', allowPipe, readFile: read, environment: new Map([['HOME', '/nonexistent']]) });
}

function fullyConverted(c: Conversion): boolean {
  return c.entries.every((e) => statusOf(e.reasons) === 'converted');
}

/** The envelope sender procmail would see: the From_ line's, else none. */
function envelopeSender(message: Buffer): string {
  const m = /^From ([^ \n]+)/.exec(message.subarray(0, 512).toString('latin1'));
  if (m === null || m[1] === '<>') return NO_SENDER;
  // sieve-test wants a domain; procmail's From_ line may name a local user.
  return m[1]!.includes('@') ? m[1]! : `${m[1]}@localhost`;
}

/** What `mailrules test` decided for one message, in the terms of a Verdict. */
function dryVerdict(r: MessageReport, maildir: string): Verdict {
  const mailboxes = new Set<string>();
  const redirects: string[] = [];
  const defaults = r.assignments.filter((a) => a.name === 'DEFAULT' && a.value !== null).map((a) => mailboxForPath(a.value!, maildir, '/'));
  for (const d of r.deliveries) {
    if (!d.ok) continue;
    if (d.kind === 'forward') redirects.push(...d.target.replace(/^! /, '').split(' '));
    if (d.kind !== 'folder') continue;
    for (const f of d.folders ?? []) {
      const m = d.fallback ? 'INBOX' : mailboxForPath(f.folder, maildir, '/');
      if (m !== null) mailboxes.add(defaults.includes(m) ? 'INBOX' : m);
    }
  }
  const reject = r.disposition === 'rejected' || r.extActions.some((a) => (a.verb === 'bounce' || a.verb === 'reject') && a.handled);
  const vacation = r.extActions.some((a) => a.verb === 'reply' && a.result === 'would-send');
  const debug = r.assignments.filter((a) => a.name === 'LOG').map((a) => (a.value ?? '').replace(/\n$/, ''));
  return { mailboxes: [...mailboxes].sort(), redirects: redirects.sort(), reject, vacation, debug };
}

const missing = pigeonholeMissing();
const all = sources();
let ph: Pigeonhole;
let scratch: string;

beforeAll(() => {
  if (missing !== null) return;
  ph = new Pigeonhole();
  scratch = mkdtempSync(join(tmpdir(), 'mr-proof-'));
});
afterAll(() => {
  ph?.close();
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
});

describe.skipIf(missing !== null)(`to-sieve against Pigeonhole${missing === null ? '' : ` (skipped: ${missing})`}`, () => {
  it('with --allow-pipe, the scripts of rules/ and examples/ compile where Pigeonhole has the extprograms', () => {
    const failed: string[] = [];
    let extprograms = 0;
    for (const s of all.filter((x) => !x.name.startsWith('differential'))) {
      const c = convert(s.rc, true);
      if (/vnd\.dovecot\.(pipe|filter|execute)/.test(c.sieve)) extprograms++;
      const r = ph.compile(Buffer.from(c.sieve, 'latin1'));
      if (r.errors !== null) failed.push(`${s.name}: ${r.errors}`);
    }
    expect(failed).toEqual([]);
    expect(extprograms).toBeGreaterThan(0);
  });

  it.each(all.map((s) => [s.name, s] as const))('%s: the script compiles; where everything converted, sieve-test agrees with mailrules test', async (_name, s) => {
    const c = convert(s.rc);
    const compiled = ph.compile(Buffer.from(c.sieve, 'latin1'));
    expect(compiled.errors).toBeNull();
    // The fixtures are written to convert completely: a change that stops converting them must not go unnoticed.
    if (s.name.startsWith('test/sieve/fixtures/')) expect(c.entries.filter((e) => statusOf(e.reasons) !== 'converted')).toEqual([]);
    if (!fullyConverted(c)) return;
    // A MAILDIR of its own, with the example's files, and the folders' parent directories, which procmail
    // needs and does not make (the conversion assumes an existing mail tree: Sieve's fileinto :create makes them).
    const maildir = mkdtempSync(join(scratch, 'md-'));
    if (s.maildir !== null) cpSync(s.maildir, maildir, { recursive: true });
    for (const m of c.sieve.matchAll(/fileinto (?::copy )?:create "([^"$]*)\/[^"/]*"/g)) mkdirSync(join(maildir, m[1]!), { recursive: true });
    const inputs = [`MAILDIR=${maildir}`, ...s.messages];
    // Programs run: a fully converted file runs only those the converter computes itself (`? true`, `? test -n "$X"`, grep -F on a list,
    // a pipe that reads the message and exits); the dry run runs delivering pipes only in a scratch MAILDIR.
    const pipes = c.entries.some((e) => e.reasons.some((r) => r.code === 'program-fails' || r.code === 'program-discards'));
    const dry = await runDry(s.rc, inputs, { json: true, ...(pipes ? { scratch: true } : {}), ...(s.answers === null ? {} : { answers: s.answers }) });
    const reports = dry.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as MessageReport);
    expect(reports.length, dry.stderr).toBeGreaterThanOrEqual(s.messages.length);
    const names = reports.map((r) => r.message);
    for (const r of reports) {
      // An mbox of several messages (`path#N`): sieve-test takes one per file.
      const file = r.message.replace(/#1$/, '');
      if (file.includes('#') || names.includes(`${file}#2`)) continue;
      const message = readFileSync(file);
      // The conversion assumes mail as an MTA hands it to a delivery agent: LF line ends (Dovecot reads CRLF as
      // LF) and the header first (procmail's -d mode skips leading blank lines; Dovecot reads them as an empty header).
      if (message.includes('\r\n') || message[0] === 0x0a) continue;
      const sieve = ph.run(compiled.path, message, envelopeSender(message));
      expect({ message: r.message, ...sieve }).toEqual({ message: r.message, ...dryVerdict(r, maildir) });
    }
  });
});
