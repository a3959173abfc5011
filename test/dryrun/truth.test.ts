// `mailrules test` tells what delivery would do: the trial of a new user with
// an ordinary ~/.procmailrc, replayed against the delivery agent itself.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { deliverFromCommandLine as lda } from '../../src/deliver/command-line.js';
import { systemClock } from '../../src/deliver/seams.js';
import type { MessageReport } from '../../src/dryrun/report.js';
import { testLdaIo } from '../helpers/lda-io.js';
import { runDry } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'mailrules-truth-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function msg(i: number, id: string, subject = `message ${i}`): string {
  return `From sender${i}@example.org  Mon Jan  1 00:00:0${i % 10} 2001\nFrom: sender${i}@example.org\nTo: me@example.org\nSubject: ${subject}\nMessage-ID: <${id}>\n\nbody ${i}\n\n`;
}

const hasFormail = (() => {
  try {
    execFileSync('sh', ['-c', 'command -v formail'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

function jsonLines(stdout: string): MessageReport[] {
  return stdout
    .trimEnd()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as MessageReport);
}

// procmailex(5)'s duplicate check, first in an ordinary rc; 10 messages, the 7th a copy of the 3rd.
const DEDUP_RC = ':0 Wh: msgid.lock\n| formail -D 8192 msgid.cache\n\n:0\n* ^Subject:.*(2|4|6)\nevens/\n\n:0\nrest\n';
const ids = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a3', 'a8', 'a9', 'a10'];

describe.skipIf(!hasFormail && process.env.CI !== 'true')("the duplicate check first (issue's case 1)", () => {
  const dir = join(tmp, 'dedup');
  mkdirSync(dir);
  const rc = join(dir, 'rules.rc');
  writeFileSync(rc, DEDUP_RC);
  const mbox = join(dir, 'saved.mbox');
  writeFileSync(mbox, ids.map((id, i) => msg(i + 1, id)).join(''));

  it('by default assumes the W program says "not a duplicate", files every message, and says so', async () => {
    const r = await runDry(rc, [`MAILDIR=${dir}`, mbox]);
    const lines = r.stdout.split('\n').filter((l) => l.includes(' → '));
    expect(lines).toHaveLength(10);
    // Each says what it assumed, and where the other answer ("a duplicate") leads: to the pipe, nowhere else.
    for (const l of lines) expect(l).toMatch(/→ (evens\/ \(maildir\)|rest \(mbox\)) .*\[assumed exit 1 of .*rules\.rc:1; exit 0: → \| formail -D 8192 msgid\.cache\]$/);
    expect(lines[0]).toContain('saved.mbox#1 "message 1" → rest (mbox)');
    expect(r.stdout).toContain("10 of 10 outcomes assume a program's result; see --answers (or --scratch)");
    expect(existsSync(join(dir, 'msgid.cache'))).toBe(false);
  });

  it('with --scratch runs formail in a copy of MAILDIR: 9 of 10 filed, the copy of the 3rd dropped, as delivery does', async () => {
    const reports = jsonLines((await runDry(rc, [`MAILDIR=${dir}`, mbox], { json: true, scratch: true })).stdout);
    expect(reports.map((x) => x.destination)).toEqual(['rest', 'evens/', 'rest', 'evens/', 'rest', 'evens/', '| formail -D 8192 msgid.cache', 'rest', 'rest', 'rest']);
    expect(reports.every((x) => !x.assumed)).toBe(true);
    expect(existsSync(join(dir, 'msgid.cache'))).toBe(false);

    // The delivery agent, one message after another, into a fresh MAILDIR.
    const live = join(tmp, 'dedup-live');
    mkdirSync(live);
    for (const [i, id] of ids.entries()) {
      // One process per message, as the MTA runs it: its own pid and the real clock (maildir names).
      const code = await lda(['-m', `MAILDIR=${live}`, `DEFAULT=${live}/DEFAULT`, rc], testLdaIo(live, msg(i + 1, id), { pid: 1000 + i, clock: systemClock }));
      expect(code).toBe(0);
    }
    const evens = readdirSync(join(live, 'evens', 'new')).length;
    const rest = readFileSync(join(live, 'rest'), 'latin1').split('\nFrom ').length;
    expect([evens, rest]).toEqual([3, 6]);
  });
});

describe('folders delivery cannot make (the issue\'s case 2)', () => {
  it('lists/$MATCH/ without lists/, nonexistent/dir/box, a/b/c/inbox/: Unable to treat as directory, then DEFAULT', async () => {
    const dir = join(tmp, 'nodirs');
    mkdirSync(dir);
    const rc = join(dir, 'rules.rc');
    writeFileSync(rc, 'DEFAULT=inbox/\n:0\n* ^From:.*\\/sender1\nlists/$MATCH/\n:0\n* ^Subject:.*2\nnonexistent/dir/box\n:0\n* ^Subject:.*3\na/b/c/inbox/\n');
    for (const i of [1, 2, 3]) writeFileSync(join(dir, `m${i}.eml`), msg(i, `x${i}`).replace(/^From .*\n/, ''));
    const r = await runDry(rc, [`MAILDIR=${dir}`, join(dir, 'm1.eml'), join(dir, 'm2.eml'), join(dir, 'm3.eml')], { json: true });
    const reports = jsonLines(r.stdout);
    expect(reports.map((x) => [x.destination, x.fellThrough])).toEqual([
      ['inbox/', true],
      ['inbox/', true],
      ['inbox/', true],
    ]);
    expect(reports[0]!.log).toContain('procmail: Unable to treat as directory "lists/sender1"\nprocmail: Error while writing to "lists/sender1"\n');
    expect(reports[1]!.log).toContain('procmail: Error while writing to "nonexistent/dir/box"\n');
    expect(reports[2]!.deliveries[0]).toMatchObject({ target: 'a/b/c/inbox/', ok: false, folders: [{ type: 'mbox', written: false }] });
    const trace = await runDry(rc, [`MAILDIR=${dir}`, join(dir, 'm1.eml')], { trace: true });
    expect(trace.stdout).toContain('delivery to lists/sender1/ (mbox) → lists/sender1 (not written) would fail: Unable to treat as directory "lists/sender1"; Error while writing to "lists/sender1"');
    expect(readdirSync(dir).sort()).toEqual(['m1.eml', 'm2.eml', 'm3.eml', 'rules.rc']);
  });

  it('a lockfile that exists now: delivery would wait for it, and the report says so', async () => {
    const dir = join(tmp, 'locked');
    mkdirSync(dir);
    const rc = join(dir, 'rules.rc');
    writeFileSync(rc, 'LOCKTIMEOUT=60\n:0:\nbox\n');
    writeFileSync(join(dir, 'box.lock'), '0');
    writeFileSync(join(dir, 'm.eml'), msg(1, 'l1'));
    const r = jsonLines((await runDry(rc, [`MAILDIR=${dir}`, join(dir, 'm.eml')], { json: true })).stdout)[0]!;
    expect(r.destination).toBe('box');
    expect(r.notes.map((n) => n.text)).toContain('lockfile box.lock exists now: delivery would wait for it, retrying every 8 s (LOCKSLEEP), and force it once it is 60 s old (LOCKTIMEOUT)');
  });
});

describe("procmail's command line: -f and -a", () => {
  it('-f makes the From_ line @sender rules and the log see; -a sets $1', async () => {
    const dir = join(tmp, 'envelope');
    mkdirSync(dir);
    const rc = join(dir, 'rules.rc');
    writeFileSync(rc, ':0\n* ^From boss@example\\.com\nboss\n:0\n* $ ^Subject:.*$1\nby-arg\n');
    const m = join(dir, 'm.eml');
    writeFileSync(m, 'From: x@example.org\nSubject: about widgets\n\nbody\n');
    const r = jsonLines((await runDry(rc, [`MAILDIR=${dir}`, m], { json: true, from: 'boss@example.com' })).stdout)[0]!;
    expect(r.destination).toBe('boss');
    const a = jsonLines((await runDry(rc, [`MAILDIR=${dir}`, m], { json: true, arg: ['widgets'] })).stdout)[0]!;
    expect(a.destination).toBe('by-arg');
  });
});

describe('from the same trial', () => {
  const dir = join(tmp, 'trial');
  mkdirSync(dir);
  const rc = join(dir, 'rules.rc');
  writeFileSync(rc, 'DEFAULT=inbox/\n:0\n* ^Subject:.*urgent\nurgent/\n');

  it('a maildir replays in delivery order, not in the order of its names', async () => {
    const md = join(dir, 'md');
    for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(md, sub), { recursive: true });
    // Delivered at 999, 1000 and 1000 (second of that second): lexical order would put 1000 first.
    writeFileSync(join(md, 'cur', '999.5_1.host:2,S'), msg(1, 'o1', 'first'));
    writeFileSync(join(md, 'new', '1000.5_10.host'), msg(3, 'o3', 'third'));
    writeFileSync(join(md, 'new', '1000.5_2.host'), msg(2, 'o2', 'second'));
    const r = jsonLines((await runDry(rc, [`MAILDIR=${dir}`, md], { json: true })).stdout);
    expect(r.map((x) => x.subject)).toEqual(['first', 'second', 'third']);
  });

  it('--compare exits 1 when a fate changes (0 with --changes-ok) and with --trace traces only the changed messages', async () => {
    const old = join(dir, 'old.rc');
    writeFileSync(old, 'DEFAULT=inbox/\n');
    const mbox = join(dir, 'two.mbox');
    writeFileSync(mbox, msg(1, 'c1', 'urgent: call') + msg(2, 'c2', 'hello'));
    const r = await runDry(rc, [`MAILDIR=${dir}`, mbox], { compare: old });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(`${mbox}#1 "urgent: call": inbox/ (maildir) (fell off the end) → urgent/ (maildir) (${rc}:2)\n-- 1 of 2 messages would go elsewhere under ${rc} than under ${old}\n`);
    expect((await runDry(rc, [`MAILDIR=${dir}`, mbox], { compare: old, changesOk: true })).code).toBe(0);
    const t = await runDry(rc, [`MAILDIR=${dir}`, mbox], { compare: old, trace: true });
    expect(t.stdout.match(/^== /gm)).toHaveLength(1);
    expect(t.stdout).toContain(`== ${mbox}#1 `);
    const same = await runDry(rc, [`MAILDIR=${dir}`, mbox], { compare: rc });
    expect(same.code).toBe(0);
  });

  it('--expect: DEFAULT alone is any fall-back; after a c copy, with +, it is that fall-back', async () => {
    const crc = join(dir, 'copy.rc');
    writeFileSync(crc, 'DEFAULT=inbox/\n:0 c\nbackup/.\n');
    const m = join(dir, 'one.eml');
    writeFileSync(m, msg(1, 'e1', 'hello'));
    const exp = join(dir, 'expected.txt');
    writeFileSync(exp, 'one.eml   backup/. + DEFAULT\n');
    const r = await runDry(crc, [`MAILDIR=${dir}`, m], { expect: exp });
    expect(r.stdout + r.stderr).toBe('ok: 1 matched, 0 mismatched, 0 missing\n');
    writeFileSync(exp, 'one.eml   DEFAULT\n');
    expect((await runDry(crc, [`MAILDIR=${dir}`, m], { expect: exp })).code).toBe(0);
    writeFileSync(exp, 'one.eml   other/. + DEFAULT\n');
    expect((await runDry(crc, [`MAILDIR=${dir}`, m], { expect: exp })).code).toBe(1);
  });

  it('--trace cuts a long filter output and says how long it was; an INCLUDERC shows once', async () => {
    const frc = join(dir, 'filter.rc');
    writeFileSync(join(dir, 'inc.rc'), ':0\n* ^Subject: never\nnever\n');
    writeFileSync(frc, 'DEFAULT=inbox/\nINCLUDERC=inc.rc\n:0 fw\n| cat\n');
    const m = join(dir, 'long.eml');
    const body = 'x'.repeat(5000);
    writeFileSync(m, `Subject: long\n\n${body}\n`);
    const t = (await runDry(frc, [`MAILDIR=${dir}`, m], { trace: true })).stdout;
    expect(t).toMatch(/filter \| cat → exit 0 \(ran\) output \(5017 bytes, the first 160 shown\) "Subject: long\\n\\nx{145}"…/);
    expect(t.match(/INCLUDERC/g)).toHaveLength(1);
  });
});

describe('an rc with errors (the issue\'s case 7) and TRAP (case 8)', () => {
  it('is tested as delivery runs it, with the diagnostics first; a TRAP whose status decides is run', async () => {
    const dir = join(tmp, 'errors');
    mkdirSync(dir);
    const rc = join(dir, 'rules.rc');
    writeFileSync(rc, 'EXITCODE=\nTRAP="cat >/dev/null; exit 2"\n:0\n* ^Subject: (unclosed\nbroken\n:0\n* ^Subject: x\n\n:0\n* ^From:\nok\n');
    const m = join(dir, 'm.eml');
    writeFileSync(m, 'From: a@b\nSubject: x\n\nbody\n');
    const r = await runDry(rc, [`MAILDIR=${dir}`, m], { json: true });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('error: Invalid regexp "^Subject: (unclosed"');
    const rep = jsonLines(r.stdout)[0]!;
    expect(rep.exitCode).toBe(2);
    expect(rep.destination).toBe('ok');
  });
});
