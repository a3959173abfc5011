import * as fs from 'node:fs';
import type { LdaIo } from '../../src/deliver/agent-io.js';
import { noKernelLocks } from '../../src/deliver/kernel-lock.js';
import type { DeliveryFs } from '../../src/deliver/seams.js';
import { fileUserDb } from '../../src/deliver/userdb.js';
import { FakeClock, realSpawn, Sink } from '../deliver/helpers.js';

/** The uid deliveries in tests run as: ours, or 4242 when the tests run as root. */
export function testUid(): number {
  const uid = process.getuid?.() ?? 0;
  return uid === 0 ? 4242 : uid;
}

/**
 * The delivery agent's seams for a test: a passwd entry `me` (testUid(),
 * home `home`), the message on stdin, the real file system and spawn, a fake
 * clock, no kernel locks, no comsat, and `home` as the mail spool (never the
 * host's /var/mail: the start-up screening would create mailboxes there).
 * `over` replaces any of them.
 */
export function testLdaIo(home: string, message: string, over: Partial<LdaIo> = {}): LdaIo {
  const me = testUid();
  const files: Record<string, string> = { '/etc/passwd': `me:x:${me}:${me}::${home}:/bin/sh\n`, '/etc/group': '' };
  return {
    stdin: async () => Buffer.from(message, 'latin1'),
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
    cwd: home,
    umask: 0o077,
    kernel: noKernelLocks,
    mailSpool: home,
    comsat: async () => undefined,
    ...over,
  };
}
