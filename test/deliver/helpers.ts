import * as fs from 'node:fs';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock, DeliveryFs, SpawnFn } from '../../src/deliver/seams.js';
import { DeliveryAnswerer, type DeliveryAnswererOptions } from '../../src/deliver/answerer.js';
import { noKernelLocks } from '../../src/deliver/kernel-lock.js';

export { fullFeed, origin, vars } from '../helpers/requests.js';

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'mailrules-deliver-'));
}

/** A clock whose sleeps return at once but advance time, recording each pause. */
export class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  constructor(public t = 1_795_249_076_000) {}
  now(): number {
    return this.t;
  }
  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.t += ms;
  }
}

export const realSpawn: SpawnFn = (cmd, args, opts) => spawn(cmd, [...args], opts);

/** Collects text written to it. */
export class Sink {
  chunks: Buffer[] = [];
  write(c: string | Uint8Array): boolean {
    this.chunks.push(typeof c === 'string' ? Buffer.from(c, 'latin1') : Buffer.from(c));
    return true;
  }
  get text(): string {
    return Buffer.concat(this.chunks).toString('latin1');
  }
}

/** The real fs with some calls replaced: how every failure path is reached without a full disk. */
export function faultyFs(overrides: Partial<DeliveryFs>): DeliveryFs {
  return { ...(fs as unknown as DeliveryFs), ...overrides };
}

export function errno(code: string): Error {
  return Object.assign(new Error(code), { code });
}

/**
 * writeSync that writes `allow` bytes in total to files whose path matches,
 * then fails with `code` — a disk filling up half-way through a message.
 */
export function failingWrites(code: string, allow: number, match: (fd: number) => boolean = () => true): DeliveryFs['writeSync'] {
  let left = allow;
  return (fd, buffer, offset = 0, length = buffer.length - offset) => {
    if (!match(fd)) return fs.writeSync(fd, buffer, offset, length);
    if (left <= 0) throw errno(code);
    const n = Math.min(left, length);
    left -= n;
    return fs.writeSync(fd, buffer, offset, n);
  };
}

export function makeAnswerer(dir: string, over: Partial<DeliveryAnswererOptions> = {}): { answerer: DeliveryAnswerer; stderr: Sink; stdout: Sink; clock: FakeClock } {
  const stderr = new Sink();
  const stdout = new Sink();
  const clock = over.clock instanceof FakeClock ? over.clock : new FakeClock();
  const answerer = new DeliveryAnswerer({
    fs: fs as unknown as DeliveryFs,
    spawn: realSpawn,
    clock,
    hostname: 'testhost',
    pid: 4242,
    stderr,
    stdout,
    cwd: dir,
    umask: 0o077,
    kernel: noKernelLocks,
    ...over,
  });
  return { answerer, stderr, stdout, clock };
}

export const MSG = Buffer.from('From: a@b\nSubject: hi\n\nFrom the body\nline\n>From x\nFrom y\n', 'latin1');
