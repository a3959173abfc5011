import * as fs from 'node:fs';
import { join } from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import type { UserEntry } from '../../src/deliver/userdb.js';
import { forkWorker } from '../../src/lmtp/fork-worker.js';
import type { ForkWorker } from '../../src/lmtp/worker-pool.js';
import { tempDir } from '../deliver/helpers.js';

const REPO = join(__dirname, '..', '..');

let bundle: Promise<string> | null = null;

/**
 * The LMTP worker bundled from the current sources the way scripts/build.mjs
 * bundles dist/lmtp-worker.cjs, with the fcntl addon beside it when it is
 * built: tests never run a stale dist/.
 */
export function workerScript(): Promise<string> {
  bundle ??= (async () => {
    const dir = tempDir();
    fs.chmodSync(dir, 0o755);
    const { lmtpWorkerOptions } = (await import('../../scripts/build.mjs' as string)) as { lmtpWorkerOptions: BuildOptions };
    const out = join(dir, 'lmtp-worker.cjs');
    await build({ ...lmtpWorkerOptions, outfile: out, logLevel: 'silent' });
    const addon = join(REPO, 'native', 'build', 'Release', 'fcntl_lock.node');
    if (fs.existsSync(addon)) fs.copyFileSync(addon, join(dir, 'fcntl-lock.node'));
    return out;
  })();
  return bundle;
}

/** Forks real workers of that bundle; their stderr lines are kept. */
export async function testFork(stderr: string[] = []): Promise<ForkWorker> {
  const script = await workerScript();
  return forkWorker({ script, env: { TZ: 'UTC' }, log: (u: UserEntry, pid, line) => stderr.push(`${u.name}[${pid}] ${line}`) });
}
