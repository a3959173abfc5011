import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DryRunAnswerer, type DryRunFs } from '../../src/dryrun/answerer.js';
import { destinationMatches } from '../../src/dryrun/expect.js';
import { buildReport } from '../../src/dryrun/build-report.js';
import { shortDestination } from '../../src/dryrun/destination.js';
import { renderTrace } from '../../src/dryrun/render-trace.js';
import type { MessageReport, TimelineEntry } from '../../src/dryrun/report.js';
import type { Request } from '../../src/eval/requests.js';
import type { Span } from '../../src/source/span.js';
import { runDry } from './helpers.js';
import { deliverReq, quiet } from '../helpers/requests.js';

/**
 * How the dry-run report shows the `@` extension actions: destinations
 * --expect can tell apart, the recipe that acted, "would" for what was not
 * done, lookups under their condition, list files that cannot be read.
 */

const MSG = 'From x@example.com  Mon Nov  3 10:00:00 2025\nFrom: x@example.com\nTo: me@example.org\nSubject: hi\n\nbody\n';

let tmp: string | null = null;
afterEach(() => {
  if (tmp !== null) rmSync(tmp, { recursive: true, force: true });
  tmp = null;
});

/** A MAILDIR with rules.rc, msg.eml and the given files. */
function sandbox(rc: string, files: Record<string, string> = {}): { dir: string; rc: string; msg: string } {
  tmp = mkdtempSync(join(tmpdir(), 'mr-dry-ext-'));
  writeFileSync(join(tmp, 'rules.rc'), rc);
  writeFileSync(join(tmp, 'msg.eml'), MSG);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(tmp, name), text);
  return { dir: tmp, rc: join(tmp, 'rules.rc'), msg: join(tmp, 'msg.eml') };
}

async function json(rc: string, args: string[]): Promise<MessageReport> {
  const r = await runDry(rc, args, { json: true });
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as MessageReport;
}

describe('extension destinations', () => {
  it('a `c` copy then an @bounce: both in order, the bounce is the recipe, the copy is a copy', async () => {
    const s = sandbox('DEFAULT=fallback\n:0 c\nsaved\n\n:0\n@bounce "go away"\n');
    const r = await json(s.rc, [`MAILDIR=${s.dir}`, s.msg]);
    expect(r.destination).toBe('saved + @bounce → x@example.com');
    expect(r.recipe).toBe(`${s.rc}:5`);
    expect(r.fellThrough).toBe(false);
    expect(r.deliveries).toMatchObject([{ target: 'saved', copy: true }]);
    expect(r.extActions).toEqual([
      { at: `${s.rc}:5`, verb: 'bounce', result: 'would-send', handled: true, copy: false, target: '@bounce → x@example.com', after: 1, to: 'x@example.com' },
    ]);
    const short = await runDry(s.rc, [`MAILDIR=${s.dir}`, s.msg]);
    expect(short.stdout).toContain('→ saved (mbox) + @bounce → x@example.com (would be sent) (');
  });

  it('a `c` copy before an @reject stays in the destination; the trace names the exit code once', async () => {
    const s = sandbox(':0 c\nsaved\n\n:0\n@reject "no thanks"\n');
    const r = await json(s.rc, [`MAILDIR=${s.dir}`, s.msg]);
    expect(r).toMatchObject({ destination: 'saved + @reject', recipe: `${s.rc}:4`, exitCode: 67, disposition: 'rejected' });
    const t = await runDry(s.rc, [`MAILDIR=${s.dir}`, s.msg], { trace: true });
    expect(t.stdout).toContain(`⇒ saved (mbox) + rejected (@reject) (by ${s.rc}:4); exit 67; LASTFOLDER=saved\n`);
    expect(t.stdout.match(/would reject \(@reject\)/g)).toHaveLength(1);
  });

  it('--expect: exact destinations, the arrow as ->, refusals without their reason, the old `reject`; `nothing` no longer matches an action', async () => {
    const s = sandbox(
      'LOOPID=me@example.org\n:0\n* ^Subject: loop\n@discard\n:0\n* ^Subject: rej\n@reject "x"\n:0 c\n@reply "away"\n',
    );
    writeFileSync(join(s.dir, 'loop.eml'), MSG.replace('Subject: hi', 'Subject: loop'));
    writeFileSync(join(s.dir, 'rej.eml'), MSG.replace('Subject: hi', 'Subject: rej'));
    writeFileSync(join(s.dir, 'auto.eml'), MSG.replace('Subject: hi', 'Subject: hi\nAuto-Submitted: auto-replied'));
    const args = [`MAILDIR=${s.dir}`, s.msg, join(s.dir, 'loop.eml'), join(s.dir, 'rej.eml'), join(s.dir, 'auto.eml')];
    // The reports themselves, then the matcher on them.
    const r = await runDry(s.rc, args, { json: true });
    const [plain, loop, rej, auto] = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as MessageReport);
    expect(loop!.destination).toBe('@discard');
    expect(destinationMatches('@discard', loop!)).toBe(true);
    expect(destinationMatches('nothing', loop!)).toBe(false);
    expect(destinationMatches('@reject', rej!)).toBe(true);
    expect(destinationMatches('reject', rej!)).toBe(true);
    expect(destinationMatches('@discard', rej!)).toBe(false);
    const fallback = plain!.deliveries[0]!.target;
    expect(plain!.destination).toBe(`@reply → x@example.com + ${fallback}`);
    expect(destinationMatches(`@reply -> x@example.com + ${fallback}`, plain!)).toBe(true);
    expect(destinationMatches(`@reply->x@example.com   +  ${fallback}`, plain!)).toBe(true);
    expect(destinationMatches(`@reply → y@example.com + ${fallback}`, plain!)).toBe(false);
    expect(destinationMatches(fallback, plain!)).toBe(false);
    expect(destinationMatches('DEFAULT', plain!)).toBe(true);
    expect(auto!.destination).toMatch(/^@reply refused \(the message is automatic \(Auto-Submitted: auto-replied\)\) \+ /);
    expect(shortDestination(auto!)).toBe(`@reply refused + ${fallback}`);
    expect(destinationMatches(`@reply refused + ${fallback}`, auto!)).toBe(true);
    expect(destinationMatches(auto!.destination, auto!)).toBe(true);
    expect(destinationMatches(`@bounce refused + ${fallback}`, auto!)).toBe(false);

    // The same through an expect file and the command's exit status.
    const file = join(s.dir, 'expected.txt');
    writeFileSync(file, `msg.eml  @reply -> x@example.com + ${fallback}\nloop.eml  @discard\nrej.eml  reject\nauto.eml  @reply refused + ${fallback}\n`);
    const ok = await runDry(s.rc, args, { expect: file });
    expect(ok.stdout).toContain('4 matched, 0 mismatched, 0 missing');
    expect(ok.code).toBe(0);
    writeFileSync(file, 'loop.eml  nothing\n');
    const bad = await runDry(s.rc, [`MAILDIR=${s.dir}`, join(s.dir, 'loop.eml')], { expect: file });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('got:      @discard');
  });

  it('a reply cache that cannot be read is a failed @reply: not handled, not in the destination', () => {
    const span: Span = { file: 'rc', line: 3, col: 1, start: 20, end: 40 };
    const fallbackReq: Request = deliverReq(['inbox'], Buffer.from(MSG), { fallback: true, origin: { span: null, conditions: [], reason: 'fell off the end of the rcfile' } });
    const timeline: TimelineEntry[] = [
      { kind: 'recipe', span, flags: '', ran: true, why: 'conditions held', conditions: [], score: 0, depth: 0 },
      { kind: 'note', span, text: 'Not sending @reply: reply cache: EACCES' },
      {
        kind: 'answered',
        request: fallbackReq,
        answer: { kind: 'delivered', ok: true, lastFolder: 'inbox', bytes: 1 },
        source: 'simulated',
        folders: [{ folder: 'inbox', type: 'mbox', path: '/m/inbox', stored: 'inbox', file: '/m/inbox', written: true }],
      },
    ];
    const r = buildReport('m', Buffer.from(MSG), timeline, { exitCode: 0, disposition: 'delivered', lastFolder: 'inbox', stderr: null });
    expect(r.destination).toBe('inbox');
    expect(r.fellThrough).toBe(true);
    expect(r.extActions).toEqual([
      { at: 'rc:3', verb: 'reply', result: 'failed', handled: false, copy: false, target: '@reply failed (reply cache: EACCES)', after: 0, reason: 'reply cache: EACCES' },
    ]);
    expect(renderTrace(r, timeline)).toContain('rc:3    Not sending @reply: reply cache: EACCES');
  });

  it('a note of a recipe that did not run is not taken for an action', () => {
    const span: Span = { file: 'rc', line: 3, col: 1, start: 20, end: 40 };
    const timeline: TimelineEntry[] = [
      { kind: 'recipe', span, flags: '', ran: false, why: 'condition failed', conditions: [], score: 0, depth: 0 },
      { kind: 'note', span, text: 'discarded' },
    ];
    const r = buildReport('m', Buffer.from(MSG), timeline, { exitCode: 0, disposition: 'delivered', lastFolder: null, stderr: null });
    expect(r.extActions).toEqual([]);
    expect(r.destination).toBe('nothing');
    expect(r.notes).toEqual([{ at: 'rc:3', text: 'discarded' }]);
  });
});

describe('list files', () => {
  it('an unreadable list file is an error in the trace and the log, as in delivery, not a silent "not found"', async () => {
    const s = sandbox(':0\n* @sender in missing.lst\nfound\n\n:0\n* @sender in there.lst\nthere\n', { 'there.lst': 'x@example.com\n' });
    const t = await runDry(s.rc, [`MAILDIR=${s.dir}`, s.msg], { trace: true });
    expect(t.code).toBe(0);
    const missing = join(s.dir, 'missing.lst');
    expect(t.stdout).toContain(`${s.rc}:1  :0  skipped: condition failed\n  ${s.rc}:2    * @sender in missing.lst  → failed\n  ${s.rc}:2      lookup x@example.com in missing.lst → error: Couldn't read "${missing}" (ENOENT)`);
    expect(t.stdout).toContain(`log: procmail: Couldn't read "${missing}" (ENOENT)`);
    expect(t.stdout).toContain(`${s.rc}:6      lookup x@example.com in there.lst → found (x@example.com)`);
    const r = await json(s.rc, [`MAILDIR=${s.dir}`, s.msg]);
    expect(r.log).toContain(`Couldn't read "${missing}" (ENOENT)`);
    expect(r.destination).toBe('there');
  });

  it('the answerer answers lookups with src/deliver/ext-answers.ts over its read-only fs, fakes without stat included', () => {
    const origin = { span: null, conditions: [], reason: 'condition' };
    const files: Record<string, string> = { '/m/list': '@example.com\n' };
    const fs: DryRunFs = { isDirectory: (p) => p === '/m', readText: (p) => files[p] ?? null, readdir: () => null };
    const a = new DryRunAnswerer({ exec: false, answers: null, runner: () => ({ exitCode: 0, output: Buffer.alloc(0), stderr: Buffer.alloc(0), failure: null }), fs, initialDir: '/m' });
    a.begin();
    expect(a.answer({ kind: 'lookup', file: 'list', addresses: ['a@example.com'], origin, log: quiet })).toEqual({ kind: 'lookup', matched: 'a@example.com', entry: '@example.com' });
    expect(a.answer({ kind: 'lookup', file: 'nope', addresses: ['a@example.com'], origin, log: quiet })).toEqual({
      kind: 'lookup',
      matched: null,
      entry: null,
      error: 'Couldn\'t read "/m/nope" (ENOENT)',
    });
    const withStat: DryRunFs = { ...fs, stat: (p) => (p === '/m/list' ? { error: 'EACCES' } : { error: 'ENOENT' }) };
    const b = new DryRunAnswerer({ exec: false, answers: null, runner: () => ({ exitCode: 0, output: Buffer.alloc(0), stderr: Buffer.alloc(0), failure: null }), fs: withStat, initialDir: '/m' });
    b.begin();
    expect(b.answer({ kind: 'lookup', file: 'list', addresses: ['a@example.com'], origin, log: quiet })).toMatchObject({ matched: null, error: 'Couldn\'t read "/m/list" (EACCES)' });
  });
});
