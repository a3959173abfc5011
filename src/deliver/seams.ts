import type * as fs from 'node:fs';
import type { ChildProcess, SpawnOptions } from 'node:child_process';

/**
 * The IO the delivery agent performs, as parameters (docs/architecture.md §4.4): tests pass a
 * real `node:fs` wrapped so that one call fails (ENOSPC half-way through a
 * write, EIO on link()), and a clock whose sleep() returns at once.
 * Only synchronous fs calls are used: delivery is one message at a time and
 * the order of writes, fsyncs and unlinks is the point.
 */
export interface DeliveryFs {
  openSync: typeof fs.openSync;
  closeSync: typeof fs.closeSync;
  writeSync: (fd: number, buffer: Uint8Array, offset?: number, length?: number, position?: number | null) => number;
  readSync: typeof fs.readSync;
  fstatSync: (fd: number) => fs.Stats;
  statSync: (path: string) => fs.Stats;
  lstatSync: (path: string) => fs.Stats;
  ftruncateSync: (fd: number, len?: number) => void;
  truncateSync: (path: string, len?: number) => void;
  fsyncSync: (fd: number) => void;
  linkSync: (existing: string, newPath: string) => void;
  unlinkSync: (path: string) => void;
  renameSync: (from: string, to: string) => void;
  mkdirSync: (path: string, opts?: { mode?: number }) => unknown;
  readdirSync: (path: string) => string[];
  readFileSync: (path: string) => Buffer;
  chmodSync: (path: string, mode: number) => void;
  utimesSync: (path: string, atime: number, mtime: number) => void;
  /** Only needed as root: the system mailbox created at start-up is handed to the recipient (screen-mailbox.ts). */
  chownSync?: (path: string, uid: number, gid: number) => void;
}

/** Wall clock and waiting, so lock timeouts and TIMEOUT can be tested without waiting. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`, or as soon as `cancel` aborts (so a finished wait holds no timer). */
  sleep(ms: number, cancel?: AbortSignal): Promise<void>;
}

export type SpawnFn = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

/**
 * Sends one UDP datagram (comsat.ts): `host` is already vetted (loopback or
 * the COMSAT host). Resolves whether or not anyone listens: comsat is
 * fire-and-forget, as in procmail.
 */
export type DatagramSend = (message: Buffer, port: number, host: string) => Promise<void>;

/** Something text can be written to (process.stderr, or a test buffer). */
export interface TextSink {
  write(chunk: string | Uint8Array): unknown;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, cancel) =>
    new Promise((resolve) => {
      if (cancel?.aborted === true) return resolve();
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        cancel?.removeEventListener('abort', done);
        resolve();
      }
      cancel?.addEventListener('abort', done, { once: true });
    }),
};

/** errno code of a thrown fs error, or '' when it has none. */
export function errnoOf(e: unknown): string {
  return typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string'
    ? (e as { code: string }).code
    : '';
}
