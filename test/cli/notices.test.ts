// @bounce and @reply through the delivery agent: the notice goes through
// $SENDMAIL $SENDMAILFLAGS as a forward does, and names the host fully.
import * as fs from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deliverFromCommandLine } from '../../src/deliver/command-line.js';
import { faultyFs, tempDir } from '../deliver/helpers.js';
import { testLdaIo } from '../helpers/lda-io.js';

const MSG = 'From alice@example.org  Sat Nov 21 07:35:16 2026\nFrom: alice@example.org\nSubject: hi\n\nbody\n';

function run(rcLines: string[], etc: Record<string, string>) {
  const home = tempDir();
  const sm = join(home, 'sendmail');
  fs.writeFileSync(sm, `#!/bin/sh\nprintf '%s\\n' "$@" > "${home}/argv"\ncat > "${home}/stdin"\n`, { mode: 0o755 });
  fs.writeFileSync(join(home, 'rc'), [`SENDMAIL=${sm}`, ...rcLines, ''].join('\n'));
  const fsWithEtc = faultyFs({
    readFileSync: ((p: string) => (p in etc ? Buffer.from(etc[p]!) : fs.readFileSync(p))) as typeof fs.readFileSync,
  });
  const io = testLdaIo(home, MSG, { hostname: 'vm', fs: fsWithEtc, env: { PATH: '/usr/bin:/bin' } });
  return { home, io, go: () => deliverFromCommandLine(['-f', 'alice@example.org', join(home, 'rc')], io), read: (f: string) => fs.readFileSync(join(home, f), 'latin1') };
}

describe('notices through the delivery agent', () => {
  it('@bounce: $SENDMAILFLAGS like a forward, and Reporting-MTA from /etc/mailname', async () => {
    const t = run(['SENDMAILFLAGS="-C /etc/mail/alt.cf"', ':0', '@bounce "no"'], { '/etc/mailname': 'vm.example.org\n' });
    expect(await t.go()).toBe(0);
    expect(t.read('argv')).toBe('-C\n/etc/mail/alt.cf\n-oi\n-f\n<>\n--\nalice@example.org\n');
    expect(t.read('stdin')).toContain('\nReporting-MTA: dns; vm.example.org\n');
    expect(t.read('stdin')).toContain('<MAILER-DAEMON@vm.example.org>');
  });

  it('@reply: From $LOGNAME at the recipient\'s domain when the host has no qualified name', async () => {
    const t = run(['REPLYCACHE=$HOME/replies', ':0', '@reply "away"'], { '/etc/mailname': '', '/etc/hosts': '127.0.0.1 localhost vm\n' });
    t.io = { ...t.io, stdin: async () => Buffer.from(MSG.replace('\n', '\nDelivered-To: me@example.net\n')) };
    expect(await deliverFromCommandLine(['-f', 'alice@example.org', join(t.home, 'rc')], t.io)).toBe(0);
    expect(t.read('stdin')).toMatch(/^From: me@example\.net$/m);
  });
});
