import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestOptions } from '../../src/cli/test-command.js';
import { runDry } from './helpers.js';

const EX = 'examples/whitelist';
let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'mr-dryrun-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** names, sizes and mtimes of everything under `dir` */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p);
      out.push(`${p} ${st.isDirectory() ? 'dir' : st.size} ${st.mtimeMs}`);
      if (st.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

describe('mailrules test writes nothing', () => {
  it('creates and changes no file in any mode', async () => {
    // A MAILDIR where every folder of the example already exists, so any write would show.
    const md = join(tmp, 'Mail');
    cpSync(EX, md, { recursive: true });
    for (const sub of ['cur', 'new', 'tmp']) for (const f of ['inbox', 'quarantine', 'list-announce']) mkdirSync(join(md, f, sub), { recursive: true });
    mkdirSync(join(md, 'backup'));
    writeFileSync(join(md, 'backup', '1'), 'Subject: old\n\n');
    writeFileSync(join(md, 'spam'), 'From x  Mon Jan  1 00:00:00 2001\nSubject: old\n\n');
    writeFileSync(join(md, 'answers.json'), JSON.stringify({ commands: { 'grep -qixF -e "$FROM" white.lst': { exit: 1 } } }));
    const old = join(md, 'old.rc');
    writeFileSync(old, 'DEFAULT=old/\nLOGFILE=old.log\n:0:\n* ^Subject:.*winner\njunk\n');
    const before = [snapshot(md), snapshot('examples')];
    const combos: TestOptions[] = [
      {},
      { trace: true },
      { json: true },
      { exec: false },
      { answers: join(md, 'answers.json') },
      { expect: join(md, 'expected.txt') },
      { compare: old },
      { trace: true, exec: false, answers: join(md, 'answers.json') },
      { json: true, compare: old, expect: join(md, 'expected.txt'), exec: false },
    ];
    const scenarios: [string, string[]][] = [
      [join(md, 'rules.rc'), [`MAILDIR=${md}`, join(md, 'messages')]],
      ['examples/vacation/rules.rc', ['MAILDIR=examples/vacation', 'examples/vacation/messages']],
      ['examples/lists-and-spam/rules.rc', ['MAILDIR=examples/lists-and-spam', 'examples/lists-and-spam/messages']],
    ];
    let runs = 0;
    for (const [rc, args] of scenarios) {
      for (const opts of combos) {
        const r = await runDry(rc, args, opts);
        expect(r.code === 0 || r.code === 1, `${rc} ${JSON.stringify(opts)}: ${r.stderr}`).toBe(true);
        runs++;
      }
    }
    expect(runs).toBe(27);
    expect([snapshot(md), snapshot('examples')]).toEqual(before);
    expect(existsSync(join(md, 'procmail.log'))).toBe(false);
    expect(existsSync('examples/vacation/vacation.cache')).toBe(false);
  });
});

describe('--expect', () => {
  it('passes (exit 0) when every message goes where expected', async () => {
    const r = await runDry(`${EX}/rules.rc`, [`MAILDIR=${EX}`, `${EX}/messages`], { expect: `${EX}/expected.txt` });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('ok: 7 matched, 0 mismatched, 0 missing\n');
    expect(r.code).toBe(0);
  });

  it('fails (exit 1) with a clear report on a mismatch and on a listed message that was not tested', async () => {
    const exp = join(tmp, 'expected-wrong.txt');
    const msgs = join(process.cwd(), EX, 'messages');
    writeFileSync(exp, `# wrong on purpose\n${msgs}/01-alice.eml   inbox/\n${msgs}/03-spam.eml\tspam\n${msgs}/99-gone.eml  spam\n`);
    const r = await runDry(`${EX}/rules.rc`, [`MAILDIR=${EX}`, `${EX}/messages`], { expect: exp });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`MISMATCH ${EX}/messages/01-alice.eml (${exp}:2)\n  expected: inbox/\n  got:      backup/. + inbox/`);
    expect(r.stdout).toContain(`MISSING ${msgs}/99-gone.eml (${exp}:4)`);
    expect(r.stdout).not.toContain('03-spam');
    expect(r.stderr).toContain('FAILED');
    expect(r.stderr).toContain('1 matched, 1 mismatched, 1 missing, 5 not listed');
  });

  it('runs the other examples as regression tests', async () => {
    const ls = await runDry('examples/lists-and-spam/rules.rc', ['MAILDIR=examples/lists-and-spam', 'examples/lists-and-spam/messages'], {
      expect: 'examples/lists-and-spam/expected.txt',
      answers: 'examples/lists-and-spam/answers.json',
    });
    expect(ls.stdout + ls.stderr).toBe('ok: 5 matched, 0 mismatched, 0 missing\n');
    const vac = await runDry('examples/vacation/rules.rc', ['MAILDIR=examples/vacation', 'examples/vacation/messages'], { expect: 'examples/vacation/expected.txt' });
    expect(vac.stdout + vac.stderr).toBe('ok: 3 matched, 0 mismatched, 0 missing\n');
  });
});

describe('--compare', () => {
  it('lists only the messages whose fate differs', async () => {
    const old = join(tmp, 'old-whitelist.rc');
    // The old rules had no spam recipe: 03-spam fell through to quarantine.
    writeFileSync(old, readFileSync(`${EX}/rules.rc`, 'latin1').replace(/^:0:\n\* 2\^0[\s\S]*$/m, ''));
    const r = await runDry(`${EX}/rules.rc`, [`MAILDIR=${EX}`, `${EX}/messages`], { compare: old });
    // A changed fate fails, as an expectation would.
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      `${EX}/messages/03-spam.eml: quarantine/ (maildir) (fell off the end) → spam (mbox) (${EX}/rules.rc:48)\n` +
        `-- 1 of 7 messages would go elsewhere under ${EX}/rules.rc than under ${old}\n`,
    );
  });
});

describe('--answers', () => {
  it('answers a ? condition by rc line and marks it', async () => {
    const ans = join(tmp, 'answers.json');
    writeFileSync(ans, JSON.stringify({ lines: { 'rules.rc:32': { exit: 0 } } }));
    const r = await runDry(`${EX}/rules.rc`, [`MAILDIR=${EX}`, `${EX}/messages/04-stranger.eml`], { answers: ans });
    expect(r.stdout).toBe(`${EX}/messages/04-stranger.eml → backup/. (MH) + inbox/ (maildir) (${EX}/rules.rc:37: * ? grep -qixF -e "$FROM" white.lst) [answered by --answers: ${EX}/rules.rc:32]\n`);
  });

  it('explores the other branch of the vacation recipe without running anything', async () => {
    const r = await runDry('examples/vacation/rules.rc', ['MAILDIR=examples/vacation', 'examples/vacation/messages/02-friend.eml'], {
      answers: 'examples/vacation/answers.json',
      json: true,
    });
    const rep = JSON.parse(r.stdout) as { destination: string; assumed: boolean; notWritten: { kind: string; text: string }[] };
    // The cache check answered 0 ("already replied"): no reply, and nothing assumed.
    expect(rep.destination).toBe('| formail -rD 8192 vacation.cache + inbox/');
    expect(rep.assumed).toBe(false);
    expect(rep.notWritten.filter((n) => n.kind === 'pipe')).toHaveLength(1);
  });

  it('rejects a malformed answers file with exit 64', async () => {
    const ans = join(tmp, 'bad-answers.json');
    writeFileSync(ans, '{"commands": {"x": {"exit": "one"}}}');
    const r = await runDry(`${EX}/rules.rc`, [`${EX}/messages`], { answers: ans });
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('"exit" must be an integer');
  });
});

describe('inputs and exit codes', () => {
  it('reads an mbox on stdin', async () => {
    const mbox = ['01-alice', '03-spam']
      .map((n) => `From x@y  Mon Jan  1 00:00:00 2001\n${readFileSync(`${EX}/messages/${n}.eml`, 'latin1')}\n`)
      .join('');
    const r = await runDry(`${EX}/rules.rc`, [`MAILDIR=${EX}`, '-'], { json: true }, { stdin: Buffer.from(mbox, 'latin1') });
    const reps = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { message: string; destination: string });
    expect(reps.map((x) => [x.message, x.destination])).toEqual([
      ['-#1', 'backup/. + inbox/'],
      ['-#2', 'spam'],
    ]);
  });

  it('exit 66 for a missing message, 64 without messages; an rc with errors is tested as delivery would run it', async () => {
    const missing = await runDry(`${EX}/rules.rc`, [join(tmp, 'nope.eml')]);
    expect(missing.code).toBe(66);
    expect(missing.stderr).toContain('nope.eml');
    expect((await runDry(`${EX}/rules.rc`, ['MAILDIR=/tmp'])).code).toBe(64);
    expect((await runDry(join(tmp, 'no-such.rc'), [`${EX}/messages`])).code).toBe(66);
    const bad = join(tmp, 'bad.rc');
    writeFileSync(bad, 'DEFAULT=inbox/\n:0\n* ^Subject: x\n');
    const r = await runDry(bad, [`MAILDIR=${tmp}`, `${EX}/messages/01-alice.eml`]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: error: `));
    expect(r.stderr).toContain('has 1 error; testing what delivery would do with it');
    expect(r.stdout).toBe(`${EX}/messages/01-alice.eml → inbox/ (maildir) (fell off the end: DEFAULT)\n`);
  });

  it('an rc that is a directory or a binary file: the same wording as check, 66 and 78', async () => {
    const dir = await runDry(tmp, [`${EX}/messages`]);
    expect(dir.code).toBe(66);
    expect(dir.stderr).toBe(`${tmp}: error: Couldn't read "${tmp}": is a directory\n`);
    const bin = join(tmp, 'a.out');
    writeFileSync(bin, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0x0a, 0x1b, 0x5b]));
    const binary = await runDry(bin, [`${EX}/messages`]);
    expect(binary.code).toBe(78);
    expect(binary.stderr).toBe(`${bin}: error: not a text file (a NUL byte on line 1)\n`);
  });

  it('shows bounce and the exit code the delivery agent would return', async () => {
    const rc = join(tmp, 'bounce.rc');
    writeFileSync(rc, 'DEFAULT=\nORGMAIL=\n:0\n* ^Subject:.*nothing-matches-this\nx\n');
    const r = await runDry(rc, [`${EX}/messages/01-alice.eml`], { json: true });
    const rep = JSON.parse(r.stdout) as { destination: string; exitCode: number; disposition: string };
    expect(rep).toMatchObject({ destination: 'bounce', exitCode: 73, disposition: 'bounced' });
  });
});

const CORPUS = join(process.cwd(), '..', 'shared', 'corpus', 'spamassassin');
describe.skipIf(!existsSync(CORPUS))('replaying the SpamAssassin corpus', () => {
  it('replays nice/, spam/ and nice.mbox', async () => {
    const rc = join(tmp, 'corpus.rc');
    writeFileSync(rc, 'DEFAULT=inbox/\n:0:\n* ^Subject:.*(viagra|money|free)\nspam\n:0\n* ^List-Id:\nlists/\n:0 B\n* GTUBE\ngtube/\n');
    // MAILDIR must exist: the dry run predicts that folders under a missing one could not be made.
    const r = await runDry(rc, [`MAILDIR=${tmp}`, join(CORPUS, 'nice'), join(CORPUS, 'spam'), join(CORPUS, 'nice.mbox')], { json: true });
    expect(r.stderr).toBe('');
    const reps = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { message: string; destination: string; exitCode: number });
    expect(reps.length).toBe(61 + 73 + 3);
    expect(reps.every((x) => x.exitCode === 0)).toBe(true);
    expect(reps.filter((x) => x.message.includes('nice.mbox#'))).toHaveLength(3);
    expect(reps.find((x) => x.message.endsWith('spam/gtube.eml'))?.destination).toBe('gtube/');
  });
});
