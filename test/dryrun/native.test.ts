import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { expectGolden, runDry } from './helpers.js';

/**
 * examples/native-whitelist: the dry-run report of the `@` extensions
 * (golden copies, UPDATE_GOLDEN=1 rewrites them), and proof that a dry run
 * never sends a notice nor writes the reply cache.
 */
const EX = 'examples/native-whitelist';
const RC = `${EX}/rules.rc`;
const ARGS = [`MAILDIR=${EX}`, `${EX}/messages`];

interface Report {
  message: string;
  destination: string;
  fellThrough: boolean;
  disposition: string;
  exitCode: number;
  lastFolder: string | null;
  notWritten: { at: string | null; kind: string; text: string }[];
  notes: { at: string | null; text: string }[];
  extActions: Record<string, unknown>[];
  recipe: string | null;
  log: string;
}

function parseJsonl(text: string): Report[] {
  return text
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Report);
}

function byName(reports: Report[], name: string): Report {
  const r = reports.find((x) => x.message.endsWith(`/${name}`));
  if (r === undefined) throw new Error(`no report for ${name}`);
  return r;
}

describe('native-whitelist example, golden reports', () => {
  it('short text report with summary', async () => {
    const r = await runDry(RC, ARGS);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expectGolden('native-whitelist.txt', r.stdout);
  });

  it('--trace shows the lookups, the notices not sent, the cache not updated and the refusals', async () => {
    const r = await runDry(RC, ARGS, { trace: true });
    expect(r.code).toBe(0);
    const t = r.stdout;
    expect(t).toContain('* @loop  → held');
    expect(t).toMatch(/lookup pest@example\.net in blocked\.lst → found \(pest@example\.net\)/);
    expect(t).toMatch(/lookup offers@mail\.spam\.example in rejected\.lst → found \(\*\.spam\.example\)/);
    expect(t).toMatch(/lookup frank@family\.example in white\.lst → found \(@family\.example\)/);
    expect(t).toContain('would send a bounce to pest@example.net [not sent]');
    expect(t).toContain('would send a reply to dave@example.com [not sent]');
    expect(t).toMatch(/reply cache \S*\.mailrules-replies: dave@example\.com not replied recently \[not updated\]/);
    expect(t).toContain('Not sending @reply: the message is automatic (Auto-Submitted: auto-replied)');
    // One exit code on the result line, not `rejected, exit 67; exit 67`.
    expect(t).toContain(`  ⇒ rejected (@reject) (by ${RC}:34); exit 67\n`);
    expect(t).not.toMatch(/exit 67; exit 67/);
    // Each lookup prints under its own condition, after its recipe's `:0` line.
    const lines = t.split('\n');
    const cond = lines.findIndex((l) => l.includes(`${RC}:29`) && l.includes('* @sender in blocked.lst  → held'));
    expect(cond).toBeGreaterThan(0);
    expect(lines[cond - 1]).toMatch(new RegExp(`${RC}:28 +:0  RAN`));
    expect(lines[cond + 1]).toMatch(new RegExp(`${RC}:29 +lookup pest@example\\.net in blocked\\.lst → found`));
    for (let i = 0; i < lines.length; i++) {
      if (/ lookup /.test(lines[i]!)) expect(lines[i - 1], `line ${i}: ${lines[i]}`).toMatch(/\* @(sender|address) .*→ (held|failed)$/);
    }
    // Nothing the dry run did not do reads as done.
    expect(t).not.toMatch(/(^|[^d] )sent @/m);
    expect(t).toContain(`${RC}:22    would discard the message (@discard) [nothing stored]`);
    expect(t).toContain(`${RC}:34    would reject (@reject): exit 67, stderr "Mail from your domain is not accepted here."`);
    expectGolden('native-whitelist.trace.txt', t);
  });

  it('--json: one object per message, the extension outcomes in destination, exitCode, lastFolder, notWritten', async () => {
    const r = await runDry(RC, ARGS, { json: true });
    expect(r.code).toBe(0);
    const reports = parseJsonl(r.stdout);
    expect(reports).toHaveLength(9);
    for (const x of reports) expect(x).toMatchObject({ schema: 1 });

    expect(byName(reports, '01-alice.eml').destination).toBe('inbox/');
    expect(byName(reports, '02-list.eml').destination).toBe('lists/');
    expect(byName(reports, '09-cousin.eml').destination).toBe('inbox/');

    const loop = byName(reports, '05-loop.eml');
    expect(loop).toMatchObject({ fellThrough: false, exitCode: 0, lastFolder: '/dev/null' });
    expect(loop.notWritten.filter((n) => n.kind === 'send')).toEqual([]);

    const blocked = byName(reports, '06-blocked.eml');
    expect(blocked).toMatchObject({ fellThrough: false, exitCode: 0, lastFolder: '@bounce pest@example.net' });
    expect(blocked.notWritten).toContainEqual({ at: `${RC}:28`, kind: 'send', text: 'bounce to pest@example.net' });

    expect(byName(reports, '07-rejected.eml')).toMatchObject({ destination: '@reject', recipe: `${RC}:34`, disposition: 'rejected', exitCode: 67 });

    const stranger = byName(reports, '03-stranger.eml');
    expect(stranger).toMatchObject({ fellThrough: true, exitCode: 0 });
    expect(stranger.notWritten).toContainEqual({ at: `${RC}:51`, kind: 'send', text: 'reply to dave@example.com' });

    for (const name of ['04-mailer-daemon.eml', '08-out-of-office.eml']) {
      const x = byName(reports, name);
      expect(x.fellThrough).toBe(true);
      expect(x.notWritten.filter((n) => n.kind === 'send')).toEqual([]);
      expect(x.log).toContain('Not sending @reply');
    }
    // Every extension outcome has its own destination and the recipe that made it.
    const want: [string, string, string | null][] = [
      ['03-stranger.eml', '@reply → dave@example.com + quarantine/', null],
      ['04-mailer-daemon.eml', '@reply refused (the message is automatic (Auto-Submitted: auto-replied)) + quarantine/', null],
      ['05-loop.eml', '@discard', `${RC}:22`],
      ['06-blocked.eml', '@bounce → pest@example.net', `${RC}:28`],
      ['07-rejected.eml', '@reject', `${RC}:34`],
    ];
    for (const [name, destination, recipe] of want) expect(byName(reports, name), name).toMatchObject({ destination, recipe });
    expect(byName(reports, '06-blocked.eml').extActions).toEqual([
      { at: `${RC}:28`, verb: 'bounce', result: 'would-send', handled: true, copy: false, target: '@bounce → pest@example.net', after: 0, to: 'pest@example.net' },
    ]);
    // The `c` reply came first and let processing go on to DEFAULT.
    expect(stranger.extActions).toMatchObject([{ at: `${RC}:51`, verb: 'reply', result: 'would-send', copy: true }]);
    expect(byName(reports, '08-out-of-office.eml').extActions).toMatchObject([
      { verb: 'reply', result: 'refused', handled: true, copy: true, reason: 'the message is automatic (Auto-Submitted: auto-replied)' },
    ]);
    expect(byName(reports, '07-rejected.eml').extActions).toMatchObject([{ verb: 'reject', text: 'Mail from your domain is not accepted here.' }]);
    // Notes never claim a send or a discard the dry run did not make, and the @reject line is not doubled.
    for (const x of reports) for (const n of x.notes) expect(n.text).not.toMatch(/^(sent @|discarded$|rejected: )/);
    expect(blocked.notes).toContainEqual({ at: `${RC}:28`, text: 'would send @bounce to pest@example.net [not sent]' });
    expect(byName(reports, '07-rejected.eml').notes).toEqual([{ at: `${RC}:34`, text: 'would reject (@reject): Mail from your domain is not accepted here.' }]);
    expectGolden('native-whitelist.jsonl', r.stdout);
  });

  it('--expect expected.txt holds', async () => {
    const r = await runDry(RC, ARGS, { expect: `${EX}/expected.txt` });
    expect(r.stdout).toContain('9 matched, 0 mismatched, 0 missing');
    expect(r.code).toBe(0);
  });
});

/** Every file under `dir` with its bytes and mtime, to prove a run changed nothing. */
function snapshot(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(dir, rel)).sort()) {
    const r = rel === '' ? name : `${rel}/${name}`;
    const st = statSync(join(dir, r));
    if (st.isDirectory()) out.push(`${r}/ ${st.mtimeMs}`, ...snapshot(dir, r));
    else out.push(`${r} ${st.size} ${st.mtimeMs} ${readFileSync(join(dir, r)).toString('base64')}`);
  }
  return out;
}

describe('a dry run never sends and never writes the reply cache', () => {
  let tmp: string | null = null;
  afterEach(() => {
    if (tmp !== null) rmSync(tmp, { recursive: true, force: true });
    tmp = null;
  });

  /** A copy of the example plus a fake SENDMAIL that leaves a file in `<tmp>/sent/` whenever it runs. */
  function sandbox(): { dir: string; sendmail: string; sentDir: string } {
    tmp = mkdtempSync(join(tmpdir(), 'mr-native-'));
    const dir = join(tmp, 'maildir');
    cpSync(EX, dir, { recursive: true });
    const sentDir = join(tmp, 'sent');
    const sendmail = join(tmp, 'sendmail');
    writeFileSync(sendmail, `#!/bin/sh\nmkdir -p '${sentDir}'\ncat > "$(mktemp '${sentDir}/n.XXXXXX')"\nexit 0\n`, { mode: 0o755 });
    return { dir, sendmail, sentDir };
  }

  it('runs no SENDMAIL for @bounce or @reply, and creates no cache, lock or folder', async () => {
    const { dir, sendmail, sentDir } = sandbox();
    // The fake really does leave a trace when run, so its absence below means something.
    const probe = spawnSync(sendmail, ['-oi', '-f', '<>', '--', 'x@example.org'], { input: 'probe\n' });
    expect(probe.status).toBe(0);
    expect(readdirSync(sentDir)).toHaveLength(1);
    rmSync(sentDir, { recursive: true });

    const before = snapshot(dir);
    for (const opts of [{}, { trace: true }, { json: true }]) {
      const r = await runDry(join(dir, 'rules.rc'), [`MAILDIR=${dir}`, `SENDMAIL=${sendmail}`, join(dir, 'messages')], opts);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      if ('trace' in opts) {
        expect(r.stdout).toContain('would send a bounce to pest@example.net [not sent]');
        expect(r.stdout).toContain('would send a reply to dave@example.com [not sent]');
      }
    }
    expect(existsSync(sentDir)).toBe(false);
    expect(existsSync(join(dir, '.mailrules-replies'))).toBe(false);
    expect(snapshot(dir)).toEqual(before);
  });

  it('reads the reply cache (a recent reply suppresses another) without updating it', async () => {
    const { dir, sendmail, sentDir } = sandbox();
    const cache = join(dir, '.mailrules-replies');
    const recent = Math.floor(Date.now() / 1000) - 3600;
    writeFileSync(cache, `${recent} dave@example.com\n`);
    const before = snapshot(dir);
    const r = await runDry(join(dir, 'rules.rc'), [`MAILDIR=${dir}`, `SENDMAIL=${sendmail}`, join(dir, 'messages', '03-stranger.eml')], { trace: true });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Not sending @reply: already replied to dave@example.com within 7 days');
    expect(r.stdout).not.toContain('would send a reply');
    expect(existsSync(sentDir)).toBe(false);
    expect(snapshot(dir)).toEqual(before);

    // An entry older than REPLYDAYS no longer counts, and is not pruned from the file either.
    writeFileSync(cache, `${recent - 8 * 86_400} dave@example.com\n`);
    const before2 = snapshot(dir);
    const r2 = await runDry(join(dir, 'rules.rc'), [`MAILDIR=${dir}`, `SENDMAIL=${sendmail}`, join(dir, 'messages', '03-stranger.eml')], { trace: true });
    expect(r2.stdout).toContain('would send a reply to dave@example.com [not sent]');
    expect(snapshot(dir)).toEqual(before2);
    unlinkSync(cache);
  });
});
