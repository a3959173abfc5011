import * as fs from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LdaIo } from '../../src/deliver/agent-io.js';
import { deliverFromCommandLine } from '../../src/deliver/command-line.js';
import { fileUserDb } from '../../src/deliver/userdb.js';
import type { DeliveryFs } from '../../src/deliver/seams.js';
import { Sink, tempDir } from './helpers.js';
import { testLdaIo } from '../helpers/lda-io.js';

const MSG = 'From: a@b\nSubject: hello\n\nbody\n';

function setup(over: Partial<LdaIo> = {}, message = MSG) {
  const dir = tempDir();
  const home = join(dir, 'home');
  fs.mkdirSync(home, { mode: 0o755 });
  const uid = process.getuid?.() ?? 0;
  const passwd = `root:x:0:0:root:/root:/bin/sh\nme:x:${uid === 0 ? 4242 : uid}:${uid === 0 ? 4242 : uid}::${home}:/bin/sh\n`;
  const files: Record<string, string> = { '/etc/passwd': passwd, '/etc/group': 'me:x:4242:\n' };
  const stdout = new Sink();
  const stderr = new Sink();
  const switched: unknown[] = [];
  const spool = join(dir, 'spool');
  fs.mkdirSync(spool, { mode: 0o1777 });
  fs.chmodSync(spool, 0o1777);
  const datagrams: { text: string; port: number; host: string }[] = [];
  const io = testLdaIo(dir, message, {
    stdout,
    stderr,
    env: { PATH: '/usr/bin:/bin', TZ: 'UTC', SECRET: 'x' },
    userdb: fileUserDb((p) => files[p] ?? null),
    uid: uid === 0 ? 4242 : uid,
    switchUser: (u, g) => switched.push([u.name, g]),
    mailSpool: spool,
    comsat: async (m, port, host) => void datagrams.push({ text: m.toString('latin1'), port, host }),
    ...over,
  });
  return { dir, home, io, stdout, stderr, switched, spool, datagrams };
}

describe('exit codes', () => {
  it('-h is usage (64), -v is 0, -m without rcfile is 66', async () => {
    const { io, stderr } = setup();
    expect(await deliverFromCommandLine(['-h'], io)).toBe(64);
    expect(stderr.text).toMatch(/^Usage: mailrules/);
    expect(await deliverFromCommandLine(['-v'], io)).toBe(0);
    expect(await deliverFromCommandLine(['-m'], io)).toBe(66);
    expect(stderr.text).toContain('procmail: Missing rcfile\n');
  });

  it('-d with an unknown user is 67', async () => {
    const { io, stderr } = setup();
    expect(await deliverFromCommandLine(['-d', 'nosuchuser'], io)).toBe(67);
    expect(stderr.text).toBe('procmail: Unknown user "nosuchuser"\n');
  });

  it('an internal exception is 75, never 1', async () => {
    const { io } = setup({ stdin: async () => { throw new Error('boom'); } });
    expect(await deliverFromCommandLine(['-m', 'rc'], io)).toBe(75);
  });

  it('undeliverable mail is 73, or 75 with -t', async () => {
    const { io, dir } = setup();
    fs.writeFileSync(join(dir, 'rc'), ':0\n* ^X-Nope\nnope\n', { mode: 0o644 });
    expect(await deliverFromCommandLine(['-m', './rc'], io)).toBe(73);
    expect(await deliverFromCommandLine(['-t', '-m', './rc'], io)).toBe(75);
  });

  it('a missing -m rcfile bounces after "Couldn\'t read"', async () => {
    const { io, stderr } = setup();
    expect(await deliverFromCommandLine(['-m', '/nonexistent/rc'], io)).toBe(73);
    expect(stderr.text).toContain('procmail: Couldn\'t read "/nonexistent/rc"');
  });

  it('a missing rcfile in normal mode: "Couldn\'t read" with its full path, then DEFAULT, 0 (as procmail: `procmail chek`)', async () => {
    const { io, stderr, home, spool } = setup();
    expect(await deliverFromCommandLine(['chek', 'rules.rc'], io)).toBe(0);
    expect(stderr.text).toBe(`procmail: Couldn't read "${home}/chek"\nprocmail: Couldn't read "${home}/rules.rc"\n`);
    expect(fs.readFileSync(join(spool, 'me'), 'latin1')).toContain('body');
  });
});

describe('running rcfiles', () => {
  it('-m delivers, with command-line assignments, $1 and a cleared environment', async () => {
    const { io, dir } = setup();
    fs.writeFileSync(join(dir, 'rc'), 'LOGFILE=log\nARG=$1\n:0 wc\n| env | sort > env.out\n:0:\n* ^Subject: hello\nbox\n', { mode: 0o644 });
    expect(await deliverFromCommandLine(['-m', 'FOO=bar', './rc', 'first'], io)).toBe(0);
    expect(fs.readFileSync(join(dir, 'box'), 'latin1')).toBe(`${MSG}\n`);
    const env = fs.readFileSync(join(dir, 'env.out'), 'latin1');
    expect(env).toContain('FOO=bar\n');
    expect(env).toContain('TZ=UTC\n');
    expect(env).toContain('SHELLMETAS=&|<>~;?*[\n');
    expect(env).not.toContain('SECRET');
    expect(env).not.toContain('ORGMAIL');
    expect(env).toContain('ARG=first\n');
    expect(fs.readFileSync(join(dir, 'log'), 'latin1')).toContain('  Folder: box');
  });

  it('-p keeps the environment', async () => {
    const { io, dir } = setup();
    fs.writeFileSync(join(dir, 'rc'), ':0 w\n| env > env.out\n', { mode: 0o644 });
    expect(await deliverFromCommandLine(['-p', 'DEFAULT=/dev/null', './rc'], io)).toBe(0);
    expect(fs.readFileSync(join(dir, 'env.out'), 'latin1')).toContain('SECRET=x');
  });

  it('-f generates the From_ line', async () => {
    const { io, dir } = setup();
    fs.writeFileSync(join(dir, 'rc'), ':0\nbox\n', { mode: 0o644 });
    expect(await deliverFromCommandLine(['-f', 'sender@x', '-m', './rc'], io)).toBe(0);
    expect(fs.readFileSync(join(dir, 'box'), 'latin1')).toMatch(/^From sender@x  \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\nFrom: a@b\n/);
  });

  it('-Y keeps Content-Length and escapes the body', async () => {
    const { io, dir } = setup({}, 'Content-Length: 1\n\nFrom x\n');
    fs.writeFileSync(join(dir, 'rc'), ':0\nbox\n', { mode: 0o644 });
    await deliverFromCommandLine(['-Y', '-m', './rc'], io);
    expect(fs.readFileSync(join(dir, 'box'), 'latin1')).toBe('Content-Length: 1\n\n>From x\n\n');
  });

  it('a world-writable rcfile is ignored as suspicious', async () => {
    const { io, dir, stderr } = setup();
    const rc = join(dir, 'rc');
    fs.writeFileSync(rc, 'DEFAULT=box\n');
    fs.chmodSync(rc, 0o666);
    expect(await deliverFromCommandLine(['-m', rc], io)).toBe(73);
    expect(stderr.text).toContain(`procmail: Suspicious rcfile "${rc}"\nprocmail: Couldn't read "${rc}"\n`);
  });

  it('-d delivers as the recipient with ~/.procmailrc (switching identity first when root)', async () => {
    const { io, home, switched } = setup({ uid: 0 });
    fs.writeFileSync(join(home, '.procmailrc'), `:0\n${home}/inbox\n`, { mode: 0o644 });
    // The rcfile belongs to whoever runs the test; make "me" that uid for the security check.
    const uid = process.getuid?.() ?? 0;
    const files: Record<string, string> = { '/etc/passwd': `me:x:${uid === 0 ? 4242 : uid}:4242::${home}:/bin/sh\n` };
    const stat = fs.statSync(join(home, '.procmailrc'));
    const meUid = stat.uid;
    files['/etc/passwd'] = `me:x:${meUid === 0 ? 0 : meUid}:4242::${home}:/bin/sh\n`;
    const code = await deliverFromCommandLine(['-d', 'me'], { ...io, userdb: fileUserDb((p) => files[p] ?? null), uid: meUid === 0 ? 0 : meUid });
    expect(code).toBe(0);
    expect(fs.readFileSync(join(home, 'inbox'), 'latin1')).toMatch(/^From me  /);
    if (meUid !== 0) expect(switched).toEqual([]);
  });

  it('as root, keeps the group of a group-writable spool when becoming the recipient (procmail is setgid mail)', async () => {
    const { io, spool, switched } = setup({ uid: 0 });
    const files: Record<string, string> = { '/etc/passwd': 'rcpt:x:4243:4243::/nonexistent:/bin/sh\n', '/etc/group': 'staff:x:50:rcpt\n' };
    const userdb = fileUserDb((p) => files[p] ?? null);
    // A 2775 spool owned by group 8 ("mail" on Debian), seen through a stat seam.
    const statSync = ((p: string) => (p === spool ? { ...fs.statSync(spool), mode: 0o42775, gid: 8 } : fs.statSync(p))) as typeof fs.statSync;
    const spoolFs = { ...(fs as unknown as DeliveryFs), statSync };
    await deliverFromCommandLine(['-d', 'rcpt'], { ...io, uid: 0, userdb, fs: spoolFs });
    expect(switched[0]).toEqual(['rcpt', [4243, 50, 8]]);
    // A spool that is not group-writable grants nothing: the groups stay the user's own.
    switched.length = 0;
    const closedFs = { ...spoolFs, statSync: ((p: string) => (p === spool ? { ...fs.statSync(spool), mode: 0o40755, gid: 8 } : fs.statSync(p))) as typeof fs.statSync };
    await deliverFromCommandLine(['-d', 'rcpt'], { ...io, uid: 0, userdb, fs: closedFs });
    expect(switched[0]).toEqual(['rcpt', [4243, 50]]);
  });

  it('switches to the recipient before reading any rcfile when root', async () => {
    const order: string[] = [];
    const { io, home } = setup({ uid: 0 });
    fs.writeFileSync(join(home, '.mailrulesrc'), `:0\n/dev/null\n`, { mode: 0o644 });
    const realRead = fs.readFileSync;
    const spyFs = { ...(fs as unknown as DeliveryFs), readFileSync: ((p: string) => (order.push(`read ${p}`), realRead(p))) as DeliveryFs['readFileSync'] };
    const code = await deliverFromCommandLine(['-d', 'me'], { ...io, fs: spyFs, switchUser: (u) => order.push(`switch ${u.name}`) });
    expect(order[0]).toBe('switch me');
    expect(order).toContain(`read ${join(home, '.mailrulesrc')}`);
    expect([0, 73]).toContain(code);
  });
});

describe('-d delivery mode details (docs/procmail-semantics.md §6.3, §8.2, §9)', () => {
  /** "me" as the uid running the test, so -d me needs no identity switch. */
  function asMe(over: Partial<LdaIo> = {}) {
    const s = setup(over);
    const uid = process.getuid?.() ?? 0;
    const files: Record<string, string> = {
      '/etc/passwd': `me:x:${uid}:${uid}::${s.home}:/bin/sh\nother:x:${uid + 1}:${uid + 1}::/nonexistent:/bin/sh\n`,
      '/etc/group': '',
    };
    return { ...s, io: { ...s.io, uid, userdb: fileUserDb((p) => files[p] ?? null), ...over } };
  }

  it('falls back to <spool>/$LOGNAME and notifies comsat; VERBOSE gets the [pid] date line from startTime', async () => {
    const { io, home, spool, datagrams } = asMe();
    fs.writeFileSync(join(home, '.procmailrc'), 'VERBOSE=on\n', { mode: 0o644 });
    expect(await deliverFromCommandLine(['-d', 'me'], io)).toBe(0);
    expect(fs.readFileSync(join(spool, 'me'), 'latin1')).toMatch(/^From me {2}/);
    expect(datagrams).toEqual([{ text: `me@0:${spool}/me`, port: 512, host: '127.0.0.1' }]);
    const err = (io.stderr as Sink).text;
    expect(err).toMatch(/^procmail: \[99\] \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\n/);
    expect(err).toContain(`procmail: Notified comsat: "me@0:${spool}/me"\n`);
  });

  it('an rcfile on the command line turns comsat off by default', async () => {
    const { io, dir, datagrams } = asMe();
    fs.writeFileSync(join(dir, 'rc'), ':0\nbox\n', { mode: 0o644 });
    expect(await deliverFromCommandLine(['./rc'], io)).toBe(0);
    expect(datagrams).toEqual([]);
  });

  it('a suid system mailbox stops -d with 67; normal mode delivers anyway', async () => {
    const { io, spool } = asMe();
    fs.writeFileSync(join(spool, 'me'), '');
    fs.chmodSync(join(spool, 'me'), 0o4600);
    expect(await deliverFromCommandLine(['-d', 'me'], io)).toBe(67);
    expect((io.stderr as Sink).text).toBe('procmail: Autoforwarding mailbox found\n');
    expect(fs.statSync(join(spool, 'me')).size).toBe(0);
    expect(await deliverFromCommandLine([], io)).toBe(0);
    expect(fs.statSync(join(spool, 'me')).size).toBeGreaterThan(0);
  });

  it('several recipients: a failed earlier one gives 73 (75 with -t), the last one stopping early its own code', async () => {
    const { io } = asMe();
    expect(await deliverFromCommandLine(['-d', 'nosuchuser', 'me'], io)).toBe(73);
    expect(await deliverFromCommandLine(['-t', '-d', 'nosuchuser', 'me'], io)).toBe(75);
    expect(await deliverFromCommandLine(['-d', 'me', 'nosuchuser'], io)).toBe(67);
    expect(await deliverFromCommandLine(['-d', 'me', 'me'], io)).toBe(0);
  });

  it('a relative home: the default rcfile is skipped, the mail goes to the system mailbox', async () => {
    const s = setup();
    const uid = process.getuid?.() ?? 0;
    const files: Record<string, string> = { '/etc/passwd': `me:x:${uid}:${uid}::relhome:/bin/sh\n` };
    const io = { ...s.io, uid, userdb: fileUserDb((p) => files[p] ?? null) };
    expect(await deliverFromCommandLine(['-d', 'me'], io)).toBe(0);
    expect(s.stderr.text).toContain('procmail: default rcfile is not an absolute path\n');
    expect(fs.readFileSync(join(s.spool, 'me'), 'latin1')).toMatch(/^From me {2}/);
  });
});
