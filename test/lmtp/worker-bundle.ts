import * as fs from 'node:fs';
import { join } from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import type { UserEntry } from '../../src/deliver/userdb.js';
import { forkBundle, forkWorker, killGroup } from '../../src/lmtp/fork-worker.js';
import { LMTP_FRAME_MAX_BYTES, LMTP_ZYGOTE_EXIT_STATUS_MS } from '../../src/limits.js';
import { ZYGOTE_ARG } from '../../src/lmtp/zygote-native.js';
import { zygoteStarter, type ZygoteStarter } from '../../src/lmtp/zygote-start.js';
import type { ForkWorker } from '../../src/lmtp/worker-pool.js';
import { tempDir } from '../deliver/helpers.js';
import { pollUntil } from '../helpers/poll.js';

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

/**
 * Workers forked by a zygote of that bundle (src/lmtp/zygote-start.ts),
 * resolved once the zygote is ready, so no test silently gets the plain
 * fork it falls back to. Throws when the addon is not built.
 */
export async function testZygote(stderr: string[] = [], over: { restartMs?: number } = {}): Promise<ZygoteStarter> {
  const script = await workerScript();
  const log: string[] = [];
  const starter = zygoteStarter({
    spawn: () => forkBundle(script, [ZYGOTE_ARG], { TZ: 'UTC' }, (line) => stderr.push(`zygote ${line}`)),
    fallback: forkWorker({ script, env: { TZ: 'UTC' }, log: (u: UserEntry, pid, line) => stderr.push(`${u.name}[${pid}] ${line}`) }),
    worker: { maxFrameBytes: LMTP_FRAME_MAX_BYTES, exitStatusMs: LMTP_ZYGOTE_EXIT_STATUS_MS, kill: killGroup },
    restartMs: over.restartMs ?? 0,
    now: () => performance.now(),
    log: (line) => log.push(line),
  });
  await untilReady(starter, log);
  return starter;
}

/** Waits (bounded by steps, not time) for a zygote to be ready; throws with its log when it is not. */
export async function untilReady(starter: ZygoteStarter, log: readonly string[] = []): Promise<void> {
  if (!(await pollUntil(() => starter.ready, 600, 50))) throw new Error(`no zygote: ${log.join('; ')}`);
}
