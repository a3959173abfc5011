import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main, type LdaIo } from '../../src/cli/lda.js';
import { noKernelLocks } from '../../src/deliver/kernel-lock.js';
import type { DeliveryFs } from '../../src/deliver/seams.js';
import { fileUserDb } from '../../src/deliver/userdb.js';
import { FakeClock, realSpawn, Sink } from '../deliver/helpers.js';

// Minimal reproducer found while writing test/fuzz (the engine property on EXITCODE).

function io(dir: string): LdaIo {
  const uid = process.getuid?.() ?? 0;
  const me = uid === 0 ? 4242 : uid;
  const files: Record<string, string> = { '/etc/passwd': `me:x:${me}:${me}::${dir}:/bin/sh\n` };
  return {
    stdin: async () => Buffer.from('Subject: x\n\nbody\n', 'latin1'),
    stdout: new Sink(),
    stderr: new Sink(),
    env: { PATH: '/usr/bin:/bin' },
    fs: fs as unknown as DeliveryFs,
    spawn: realSpawn,
    clock: new FakeClock(),
    userdb: fileUserDb((p) => files[p] ?? null),
    hostname: 'testhost',
    pid: 99,
    uid: me,
    cwd: dir,
    umask: 0o077,
    kernel: noKernelLocks,
    mailSpool: dir,
    comsat: async () => undefined,
  };
}

describe('EXITCODE beyond 255 (procmail.md §6.4)', () => {
  // main() returned 257 as is; the process then exits with its low byte, 1,
  // which Postfix takes as a bounce. The low byte is what the MTA sees, and a
  // 1 is turned into EX_TEMPFAIL like any other.
  for (const [value, want] of [['257', 75], ['513', 75], ['256', 0], ['323', 67], ['1', 75], ['42', 42]] as const) {
    it(`EXITCODE=${value} exits ${want}`, async () => {
      const dir = fs.mkdtempSync(join(tmpdir(), 'mailrules-exitcode-'));
      fs.writeFileSync(join(dir, 'rc'), `EXITCODE=${value}\n:0\n/dev/null\n`, { mode: 0o644 });
      expect(await main(['-m', './rc'], io(dir))).toBe(want);
      fs.rmSync(dir, { recursive: true, force: true });
    });
  }
});
