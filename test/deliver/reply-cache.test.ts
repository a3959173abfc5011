import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import { answerReplyCache } from '../../src/deliver/ext-answers.js';
import { checkAndRecord, parseCache, type CacheFs } from '../../src/deliver/reply-cache.js';
import type { ReplyCacheRequest } from '../../src/eval/requests.js';
import { UniqueNames } from '../../src/deliver/unique-name.js';

const names = new UniqueNames(process.pid, 'test');

const DAY = 86_400_000;
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mr-cache-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function fakeClock(start: number) {
  const c = { t: start, slept: 0, now: () => c.t, sleep: async (ms: number) => { c.slept += ms; } };
  return c;
}

describe('reply cache', () => {
  it('replies once per sender per period, then again after it expires', async () => {
    const file = join(dir, 'cache');
    const clock = fakeClock(1_700_000_000_000);
    expect(await checkAndRecord(fs, clock, file, 'Alice@X.org', 7, names)).toEqual({ recent: false });
    expect(await checkAndRecord(fs, clock, file, 'alice@x.org', 7, names)).toEqual({ recent: true });
    expect(await checkAndRecord(fs, clock, file, 'carol@x.org', 7, names)).toEqual({ recent: false });
    clock.t += 7 * DAY - 1000;
    expect(await checkAndRecord(fs, clock, file, 'alice@x.org', 7, names)).toEqual({ recent: true });
    clock.t += 2000;
    expect(await checkAndRecord(fs, clock, file, 'alice@x.org', 7, names)).toEqual({ recent: false });
    // carol's entry expired and was pruned when alice's was rewritten.
    expect([...parseCache(readFileSync(file, 'latin1')).keys()]).toEqual(['alice@x.org']);
    expect(fs.existsSync(`${file}.lock`)).toBe(false);
    expect(fs.existsSync(`${file}.tmp`)).toBe(false);
  });
  it('keeps the file bounded and ignores junk lines', async () => {
    const file = join(dir, 'cache');
    const now = 1_700_000_000;
    const lines = ['garbage', ''];
    for (let i = 0; i < 10_050; i++) lines.push(`${now - 10_050 + i} u${i}@x`);
    writeFileSync(file, lines.join('\n'));
    const clock = fakeClock(now * 1000);
    expect(await checkAndRecord(fs, clock, file, 'new@x', 7, names)).toEqual({ recent: false });
    const m = parseCache(readFileSync(file, 'latin1'));
    expect(m.size).toBe(10_000);
    expect(m.has('u0@x')).toBe(false);
    expect([...m.keys()].at(-1)).toBe('new@x');
  });
  it('waits for a held lock, then gives up with an error', async () => {
    const file = join(dir, 'cache');
    writeFileSync(`${file}.lock`, '');
    const clock = fakeClock(Date.now());
    const r = await checkAndRecord(fs, clock, file, 'a@x', 7, names);
    expect(r).toEqual({ error: `timed out waiting for lock ${file}.lock` });
    expect(clock.slept).toBeGreaterThanOrEqual(10_000);
    expect(fs.existsSync(`${file}.lock`)).toBe(true);
  });
  it('breaks a stale lock (stale by the file system clock, as every dotlock)', async () => {
    const file = join(dir, 'cache');
    writeFileSync(`${file}.lock`, '');
    const old = new Date(Date.now() - 120_000);
    fs.utimesSync(`${file}.lock`, old, old);
    const clock = fakeClock(Date.now());
    expect(await checkAndRecord(fs, clock, file, 'a@x', 7, names)).toEqual({ recent: false });
    expect(fs.existsSync(`${file}.lock`)).toBe(false);
  });
  it('a failed write (ENOSPC) leaves the old cache intact and reports it', async () => {
    const file = join(dir, 'cache');
    writeFileSync(file, '1700000000 old@x\n');
    // The lock is taken; writing the new cache fails.
    const cacheFds = new Set<number>();
    const failing: CacheFs = {
      ...fs,
      openSync: (path: string, flags: string, mode?: number) => {
        const fd = fs.openSync(path, flags, mode);
        if (path === `${file}.tmp`) cacheFds.add(fd);
        return fd;
      },
      writeSync: (fd: number, buf: Uint8Array, offset?: number, length?: number) => {
        if (cacheFds.has(fd)) throw Object.assign(new Error('no space'), { code: 'ENOSPC' });
        return fs.writeSync(fd, buf, offset, length);
      },
    } as CacheFs;
    const r = await checkAndRecord(failing, fakeClock(1_700_000_100_000), file, 'a@x', 7, names);
    expect(r).toMatchObject({ error: expect.stringMatching(/cannot write .*no space/) });
    expect(readFileSync(file, 'latin1')).toBe('1700000000 old@x\n');
    expect(fs.existsSync(`${file}.tmp`)).toBe(false);
    expect(fs.existsSync(`${file}.lock`)).toBe(false);
  });
  it('answerReplyCache resolves relative paths against cwd', async () => {
    const req: ReplyCacheRequest = { kind: 'reply-cache', file: '.mailrules-replies', sender: 'a@x', days: 7, origin: { span: null, conditions: [], reason: '' }, log: { verbose: false, tz: null } };
    expect(await answerReplyCache(req, fs, fakeClock(Date.now()), names, dir)).toEqual({ kind: 'reply-cache', recent: false });
    expect(await answerReplyCache(req, fs, fakeClock(Date.now()), names, dir)).toEqual({ kind: 'reply-cache', recent: true });
    expect(readFileSync(join(dir, '.mailrules-replies'), 'latin1')).toMatch(/^\d+ a@x\n$/);
    const err = await answerReplyCache({ ...req, file: join(dir, 'nodir', 'c') }, fs, fakeClock(Date.now()), names);
    expect(err.error).toMatch(/cannot create lock/);
  });
  it('concurrent deliveries in separate processes lose no entries', async () => {
    const bundle = join(dir, 'worker.cjs');
    await build({
      stdin: {
        contents: `import * as fs from 'node:fs';
import { checkAndRecord } from './src/deliver/reply-cache.ts';
import { UniqueNames } from './src/deliver/unique-name.ts';
const names = new UniqueNames(process.pid, 'test');
const clock = { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };
const [file, who] = process.argv.slice(2);
(async () => { for (let i = 0; i < 25; i++) { const r = await checkAndRecord(fs, clock, file, who + i + '@x', 7, names); if ('error' in r) { console.error(r.error); process.exit(1); } } })();`,
        resolveDir: join(__dirname, '../..'),
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      outfile: bundle,
      logLevel: 'silent',
    });
    const file = join(dir, 'shared-cache');
    const env = { ...process.env };
    delete env['NODE_EXTRA_CA_CERTS'];
    const codes = await Promise.all(
      ['p', 'q', 'r', 's', 't', 'u'].map(
        (who) => new Promise<number | null>((res) => spawn(process.execPath, [bundle, file, who], { stdio: 'inherit', env }).on('close', res)),
      ),
    );
    expect(codes).toEqual([0, 0, 0, 0, 0, 0]);
    expect(parseCache(readFileSync(file, 'latin1')).size).toBe(150);
  }, 60_000);
});
