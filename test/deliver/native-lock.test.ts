import * as fs from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { FcntlLocker, loadNativeFcntl } from '../../src/deliver/kernel-lock.js';
import { tempDir } from './helpers.js';

const ADDON = join(__dirname, '..', '..', 'native', 'build', 'Release', 'fcntl_lock.node');

describe('native/fcntl-lock.c', () => {
  it('excludes another process holding an fcntl lock, and reports a bad fd as a failure', async (ctx) => {
    if (!fs.existsSync(ADDON)) {
      if (process.env.CI === 'true') throw new Error('native addon not built: run npm run build');
      ctx.skip();
    }
    const native = loadNativeFcntl(ADDON);
    const file = join(tempDir(), 'box');
    fs.writeFileSync(file, '');
    const holder = spawn('python3', ['-c', `import fcntl,os,time\nfd=os.open(${JSON.stringify(file)},os.O_WRONLY)\nfcntl.lockf(fd,fcntl.LOCK_EX)\nprint("held",flush=True)\ntime.sleep(0.5)`], { stdio: ['ignore', 'pipe', 'inherit'] });
    const ok = await new Promise<boolean>((resolve) => {
      holder.on('error', () => resolve(false));
      holder.stdout.once('data', () => resolve(true));
    });
    if (!ok) ctx.skip();
    const fd = fs.openSync(file, 'a');
    expect([native.EAGAIN, native.EACCES]).toContain(native.lock(fd, 0));
    const clock = { now: () => Date.now(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };
    expect(await new FcntlLocker(clock, () => 100, () => undefined, async () => native).lock(fd, 0)).toBe(false);
    const patient = new FcntlLocker(clock, () => 5000, () => undefined, async () => native);
    const t0 = Date.now();
    expect(await patient.lock(fd, 0)).toBe(true);
    expect(Date.now() - t0).toBeGreaterThan(150);
    expect(await patient.unlock(fd, 0)).toBe(true);
    fs.closeSync(fd);
    // Not busy, just wrong: no retrying until TIMEOUT.
    expect(await new FcntlLocker(clock, () => 60_000, () => undefined, async () => native).lock(9999, 0)).toBe(false);
    expect(() => loadNativeFcntl(join(tempDir(), 'missing.node'))).toThrow();
  });
});
