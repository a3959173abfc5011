import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SIEVE_MAX_RC_NESTING, YOUNG_SEMI_SPACE_MB } from '../../src/limits.js';
import { LINEAR_REGEX_FLAGS } from '../../src/v8-flags.js';
import { freshBuild } from '../helpers/fresh-build.js';
import { costRatio } from '../helpers/side-by-side.js';

/** bin/mailrules of a build made from the current sources (test/helpers/fresh-build.ts). */
const BIN = freshBuild().bin;

/** A catastrophic pattern costs less than this many times a plain one, start-up included (measured about 1; without the fallback about 100). */
const CATASTROPHIC_FACTOR = 10;
/** Only against a hang: a delivery normally takes a fraction of a second. */
const HANG_MS = 60_000;

describe('bin/mailrules', () => {
  it('starts node with exactly the linear-regex flags the engine would otherwise set, and the young generation size', () => {
    const shebang = readFileSync('bin/mailrules', 'latin1').split('\n')[0]!;
    expect(shebang.startsWith('#!/usr/bin/env -S node ')).toBe(true);
    expect(shebang.split(' ').slice(3)).toEqual([...LINEAR_REGEX_FLAGS, `--max-semi-space-size=${YOUNG_SEMI_SPACE_MB}`]);
  });

  it('a catastrophic pattern costs about what a plain one does in the shipped binary', { timeout: 6 * HANG_MS }, () => {
    // (a+)+$ against 26 a's and a b backtracks for seconds without the fallback (for minutes against 30).
    const env = { ...process.env };
    delete env['NODE_EXTRA_CA_CERTS'];
    const dir = mkdtempSync(join(tmpdir(), 'mr-bin-'));
    writeFileSync(join(dir, 'catastrophic.rc'), ':0 B\n* (a+)+$\nmatched\n');
    writeFileSync(join(dir, 'plain.rc'), ':0 B\n* ^a+$\nmatched\n');
    const deliver = (rc: string) => () => {
      const run = spawnSync(BIN, ['-m', `MAILDIR=${dir}`, `DEFAULT=${dir}/default`, join(dir, rc)], {
        input: `Subject: x\n\n${'a'.repeat(26)}b\n`,
        env,
        timeout: HANG_MS,
      });
      expect(run.signal, `killed after ${HANG_MS} ms`).toBeNull();
      expect(run.status).toBe(0);
    };
    expect(costRatio(deliver('catastrophic.rc'), deliver('plain.rc'), 3)).toBeLessThan(CATASTROPHIC_FACTOR);
    // Not matched: the body has a b after the a's, so every message fell off the end.
    expect(readFileSync(join(dir, 'default'), 'latin1')).toContain('aaab');
    expect(existsSync(join(dir, 'matched'))).toBe(false);
  });
});

describe('bin/mailrules subcommands (commander wiring in src/cli/subcommand-cli.ts)', () => {
  const env = { ...process.env };
  delete env['NODE_EXTRA_CA_CERTS'];
  const run = (args: string[]) => spawnSync(BIN, args, { env, encoding: 'utf8' });

  it('--version and the delivery agent\'s -v both report package.json\'s version', () => {
    const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
    expect(run(['--version']).stdout.trim()).toBe(version);
    const v = run(['-v']);
    expect(v.status).toBe(0);
    expect(v.stderr).toMatch(new RegExp(`^mailrules v${version.replace(/\./g, '\\.')} \\(procmail`));
  });

  it('check: 0 for a clean rc, 78 with errors, 64 without arguments', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mr-bin-'));
    writeFileSync(join(dir, 'good.rc'), ':0:\n* ^Subject: hi\ninbox\n');
    writeFileSync(join(dir, 'bad.rc'), ':0\n* ^Subject: (hi\ninbox\n');
    expect(run(['check', join(dir, 'good.rc')]).status).toBe(0);
    const bad = run(['check', join(dir, 'bad.rc')]);
    expect(bad.status).toBe(78);
    expect(bad.stderr + bad.stdout).toContain('bad.rc:2:3: error: Invalid regexp "^Subject: (hi"');
    expect(run(['check']).status).toBe(64);
  });

  it('test: a dry run of the bundled example matches its expectations; an unknown option is 64, not 1', () => {
    const ok = run(['test', '--expect', 'examples/whitelist/expected.txt', 'examples/whitelist/rules.rc', 'MAILDIR=examples/whitelist', 'examples/whitelist/messages']);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('7 matched, 0 mismatched');
    expect(run(['test', '--bogus', 'x.rc', 'y']).status).toBe(64);
  });

  it('to-sieve: the script on stdout, 0 when all converted, 1 when not, 64 without an rc file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mr-bin-'));
    writeFileSync(join(dir, 'good.rc'), ':0\n* ^Subject:.*hi\nhi/\n');
    writeFileSync(join(dir, 'pipe.rc'), ':0\n| spamc\n');
    const good = run(['to-sieve', join(dir, 'good.rc')]);
    expect(good.status).toBe(0);
    expect(good.stdout).toContain('if header :contains "Subject" "hi" {');
    expect(run(['to-sieve', join(dir, 'pipe.rc')]).status).toBe(1);
    expect(run(['to-sieve']).status).toBe(64);
  });

  it('a filter (DEFAULT=|) writes the whole of a large message to a pipe before it exits', () => {
    // On a pipe Node writes asynchronously: leaving with process.exit() cut the message at 64 or 128 KB, exit 0.
    const dir = mkdtempSync(join(tmpdir(), 'mr-bin-'));
    writeFileSync(join(dir, 'filter.rc'), 'DEFAULT=|\n');
    const message = `From a@b  Mon Jan  1 00:00:00 2001\nSubject: big\n\n${`${'x'.repeat(79)}\n`.repeat(20_000)}`;
    const r = spawnSync(BIN, ['-m', join(dir, 'filter.rc')], { input: message, env, cwd: dir, encoding: 'latin1', maxBuffer: 16 * 1024 * 1024 });
    expect(r.status).toBe(0);
    // procmail 3.22 writes the message and the empty line that ends it in an mbox.
    expect(r.stdout).toBe(`${message}\n`);
  });

  it('to-sieve: blocks nested beyond its limit are reported as too deep, before its stack runs out (case 404)', () => {
    // 3,000 levels taken, then 3,000 inside a block that does not match: with a limit of 1,000 the process's stack ran
    // out near level 830 first, and the recipes there came out as "converting it failed ... please report this".
    const out = join(mkdtempSync(join(tmpdir(), 'mr-bin-')), 'deep.sieve');
    // The report of 9,002 recipes is over 1 MB, spawnSync's default buffer.
    const r = spawnSync(BIN, ['to-sieve', '-o', out, 'test/differential/cases/404-blocks-nested-deep/rc'], { env, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
    expect(r.status).toBe(1);
    expect(r.stderr).not.toContain('converting it failed');
    expect(r.stderr).toContain(`blocks nested deeper than ${SIEVE_MAX_RC_NESTING}`);
  });

  it('a mistyped subcommand or a long option: unknown command, 64, stdin never read, nothing delivered', async () => {
    const home = mkdtempSync(join(tmpdir(), 'mr-bin-'));
    // stdin is a pipe nobody writes to or closes: a program that read it would never end.
    const withOpenStdin = (args: string[]) =>
      new Promise<{ status: number | null; stderr: string }>((resolve) => {
        const child = spawn(BIN, args, { env: { ...env, HOME: home }, cwd: home, stdio: ['pipe', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('close', (status) => resolve({ status, stderr }));
      });
    const cases: [string[], string][] = [
      [['chek', 'rules.rc'], "mailrules: unknown command 'chek' (did you mean check?)\n"],
      [['--tset'], "mailrules: unknown command '--tset' (did you mean test?)\n"],
      [['--bogus'], "mailrules: unknown command '--bogus'\n"],
    ];
    for (const [args, first] of cases) {
      const r = await withOpenStdin(args);
      expect(r.status, args.join(' ')).toBe(64);
      expect(r.stderr.startsWith(first), r.stderr).toBe(true);
    }
    expect(readdirSync(home)).toEqual([]);
  });

  it('--help lists the subcommands and points at the delivery agent options', () => {
    const help = run(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/check \[options\] <rcfile\.\.\.>/);
    expect(help.stdout).toContain('mailrules -h');
  });
});
