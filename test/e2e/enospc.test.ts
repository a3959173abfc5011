// Disk full, for real: a 16 KiB tmpfs (docs/procmail-semantics.md §13 B). An mbox write that
// runs out of space must be truncated back to its former size and the message
// must fall through to DEFAULT (§7.2, §7.7); an unwritable DEFAULT must exit
// EX_CANTCREAT 73, or EX_TEMPFAIL 75 with -t (§6.3).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ldaCommand, runLda, skipReason } from './lda.js';

const EXISTING = 'existing content\n\n';

function mountProblem(): string | null {
  if (process.platform !== 'linux') return 'needs Linux tmpfs';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'needs root to mount a tmpfs';
  const probe = fs.mkdtempSync(path.join(os.tmpdir(), 'mr-mountprobe-'));
  try {
    const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'none', probe]);
    if (r.status !== 0) return `cannot mount tmpfs: ${r.stderr.toString().trim()}`;
    spawnSync('umount', [probe]);
    return null;
  } finally {
    fs.rmSync(probe, { recursive: true, force: true });
  }
}

const skip = skipReason([mountProblem()]);

/** About 27 KB: larger than the whole tmpfs. */
const BIG = [
  'From: alice@example.com',
  'To: bob@example.org',
  'Subject: too big for the disk',
  '',
  ...Array.from({ length: 600 }, (_, i) => `line ${i} of a message that does not fit on the small disk`),
  '',
].join('\n');

describe.skipIf(skip !== null)('ENOSPC on a full tmpfs', () => {
  let base = '';
  let small = '';
  let mounted = false;

  beforeAll(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'mr-enospc-'));
    small = path.join(base, 'small');
    fs.mkdirSync(small);
    const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=16k,mode=0777', 'none', small]);
    if (r.status !== 0) throw new Error(`mount failed: ${r.stderr.toString()}`);
    mounted = true;
  });

  afterAll(() => {
    if (mounted) spawnSync('umount', [small]);
    if (base !== '') fs.rmSync(base, { recursive: true, force: true });
  });

  it('truncates the mbox back and falls back to DEFAULT', async () => {
    const box = path.join(small, 'box');
    fs.writeFileSync(box, EXISTING, { mode: 0o600 });
    const rc = path.join(base, 'rc-box');
    fs.writeFileSync(rc, `MAILDIR=${base}\nLOGFILE=${base}/log\nDEFAULT=${base}/default\n:0:\nsmall/box\n`, { mode: 0o644 });

    const r = await runLda([...ldaCommand(), '-m', rc], BIG);
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readFileSync(box, 'latin1'), 'mbox not truncated back to its former size').toBe(EXISTING);
    expect(fs.readFileSync(path.join(base, 'default'), 'latin1')).toBe(BIG + '\n');
    expect(fs.existsSync(path.join(small, 'box.lock')), 'lockfile left on the full disk').toBe(false);
    const log = fs.readFileSync(path.join(base, 'log'), 'latin1');
    expect(log).toContain('No space left to finish writing "small/box"');
    expect(log).toContain('Truncated file to former size');
  });

  for (const [args, code] of [
    [[], 73],
    [['-t'], 75],
  ] as const) {
    it(`exits ${code} when DEFAULT cannot be written${args.length ? ' with ' + args.join(' ') : ''}`, async () => {
      const target = path.join(small, `default${code}`);
      const rc = path.join(base, `rc-${code}`);
      fs.writeFileSync(rc, `MAILDIR=${base}\nLOGFILE=${base}/log${code}\nDEFAULT=${target}\n:0\n* ^X-Nope\nnope\n`, {
        mode: 0o644,
      });
      const r = await runLda([...ldaCommand(), ...args, '-m', rc], BIG);
      expect(r.code, r.stderr).toBe(code);
      // Nothing half-written may stay behind on the full disk.
      if (fs.existsSync(target)) expect(fs.statSync(target).size).toBe(0);
      expect(fs.readFileSync(path.join(base, `log${code}`), 'latin1')).toContain(
        code === 73 ? '**Bounced**' : '**Requeued**',
      );
    });
  }
});
