import { spawnSync, type SpawnSyncOptionsWithBufferEncoding, type SpawnSyncReturns } from 'node:child_process';
import { makePipes, systemNativePipes, type NativePipes } from './os-pipe.js';

/** What spawnSyncPiped takes: spawnSync's options, the input given as a Buffer. */
export interface PipedSpawnSyncOptions extends Omit<SpawnSyncOptionsWithBufferEncoding, 'stdio' | 'input'> {
  readonly input: Buffer;
}

/**
 * spawnSync with real pipes (os-pipe.ts says why) for the synchronous
 * runners (the dry run's): stdin, stdout and stderr are pipe(2) ends, fed
 * and drained by native/os-pipe.c's pump on a thread of its own while
 * spawnSync blocks. It answers as spawnSync does, EPIPE included (the
 * program did not read all its input), so callers only swap the call.
 * Without the addon it is spawnSync itself.
 */
export function spawnSyncPiped(
  file: string,
  args: readonly string[],
  options: PipedSpawnSyncOptions,
  native: NativePipes | null = systemNativePipes(),
): SpawnSyncReturns<Buffer> {
  const made = native === null ? null : makePipes(native, 3);
  if (native === null || made === null) return spawnSync(file, args, options);
  const [input, output, errors] = made as [number[], number[], number[]];
  const theirs = [input[0]!, output[1]!, errors[1]!];
  const { input: data, maxBuffer = 1024 * 1024, timeout = 0, ...rest } = options;
  let pump: unknown;
  try {
    // Written now as far as the pipe takes it, before the program exists, as procmail does.
    pump = native.pumpStart(input[1]!, data, output[0]!, errors[0]!, maxBuffer);
  } catch {
    // No thread: the pump closed its ends; the program's go too, and Node's pipes do the job.
    for (const fd of theirs) native.close(fd);
    return spawnSync(file, args, options);
  }
  const started = Date.now();
  let r: SpawnSyncReturns<Buffer>;
  try {
    r = spawnSync(file, args, { ...rest, ...(timeout > 0 ? { timeout } : {}), stdio: theirs });
  } finally {
    // Now the program's exit (and whatever it left running) decides when the pipes end.
    for (const fd of theirs) native.close(fd);
  }
  const spawnFailed = r.error !== undefined;
  const waitMs = spawnFailed ? 0 : timeout > 0 ? Math.max(0, timeout - (Date.now() - started)) : -1;
  const p = native.pumpFinish(pump, waitMs);
  const error =
    r.error ??
    (p.timedOut
      ? syncError('ETIMEDOUT', file, args)
      : p.overflow
        ? syncError('ENOBUFS', file, args)
        : p.writeErrno === native.EPIPE
          ? syncError('EPIPE', file, args)
          : undefined);
  return { ...r, stdout: p.stdout, stderr: p.stderr, output: [null, p.stdout, p.stderr], ...(error !== undefined ? { error } : {}) };
}

/** The error spawnSync itself gives for the same condition. */
function syncError(code: string, file: string, args: readonly string[]): Error {
  return Object.assign(new Error(`spawnSync ${file} ${code}`), { code, syscall: `spawnSync ${file}`, path: file, spawnargs: [...args] });
}
