// `-d` delivery mode against real procmail, in docs/procmail-semantics.md §13 B's sandbox:
// a private mount namespace overlays /etc/passwd, /etc/group (fake users
// pmtest 4242 and pmtest2 4243, homes in a temp dir) and /var/mail, so the
// host is never written. Both programs run as root, as sendmail's local
// mailer runs them; mailrules switches to the recipient itself. Compared:
// exit code, stderr, and every file left in the spool and the homes
// (bytes, mode, owner), with From_ dates, pids, maildir and BOGUS names
// normalised.
import { spawnSync } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHILD_ENV, ldaBundle, PROCMAIL, skipReason } from './lda';
import { privateEtc, shQuote } from '../helpers/private-etc.js';

const MSG = 'From: a@b\nSubject: hello\n\nbody\n';
const U1 = { name: 'pmtest', uid: 4242 };
const U2 = { name: 'pmtest2', uid: 4243 };

function sandboxProblem(): string | null {
  if (process.getuid?.() !== 0) return 'not root (the sandbox needs unshare and mount)';
  if (!fs.existsSync(PROCMAIL)) return `${PROCMAIL} is not installed`;
  const r = spawnSync('unshare', ['-m', 'sh', '-c', 'mount --bind /tmp /mnt && umount /mnt'], { encoding: 'latin1' });
  if (r.error !== undefined || r.status !== 0) return `unshare/mount not permitted here (${r.error?.message ?? r.stderr.trim()})`;
  return null;
}

const reason = skipReason([sandboxProblem()]);

let root = '';
const mail = () => path.join(root, 'mail');
const home = (u: { name: string }) => path.join(root, 'home', u.name);

function buildSandbox(): void {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'mailrules-dmode-'));
  fs.chmodSync(root, 0o755);
  const passwd = fs.readFileSync('/etc/passwd', 'latin1').replace(/\n?$/, '\n');
  const group = fs.readFileSync('/etc/group', 'latin1').replace(/\n?$/, '\n');
  fs.mkdirSync(path.join(root, 'home'), { mode: 0o755 });
  let pw = passwd;
  let gr = group;
  for (const u of [U1, U2]) {
    pw += `${u.name}:x:${u.uid}:${u.uid}:PM Test:${home(u)}:/bin/sh\n`;
    gr += `${u.name}:x:${u.uid}:\n`;
  }
  fs.writeFileSync(path.join(root, 'passwd'), pw);
  fs.writeFileSync(path.join(root, 'group'), gr);
}

/** A clean spool and homes for the next run. */
function reset(setup: () => void): void {
  for (const d of [mail(), home(U1), home(U2)]) fs.rmSync(d, { recursive: true, force: true });
  fs.mkdirSync(mail());
  fs.chmodSync(mail(), 0o1777);
  for (const u of [U1, U2]) {
    fs.mkdirSync(home(u), { mode: 0o755 });
    fs.chownSync(home(u), u.uid, u.uid);
  }
  setup();
}

function writeRc(u: { name: string; uid: number }, text: string): void {
  const f = path.join(home(u), '.procmailrc');
  fs.writeFileSync(f, text.replaceAll('$H', home(u)), { mode: 0o644 });
  fs.chownSync(f, u.uid, u.uid);
}

interface Run {
  code: number | null;
  stderr: string;
  files: Record<string, string>;
}

function runIn(cmd: string[], args: string[]): Run {
  const etc = privateEtc(root, [
    [path.join(root, 'passwd'), 'passwd'],
    [path.join(root, 'group'), 'group'],
  ]);
  const script = `${etc} && mount --bind ${shQuote(mail())} /var/mail && cd / && exec "$@"`;
  const r = spawnSync('unshare', ['-m', 'sh', '-c', script, 'sh', ...cmd, ...args], { input: MSG, env: CHILD_ENV, encoding: 'latin1', timeout: 120_000 });
  return { code: r.status, stderr: normalise(r.stderr), files: snapshot() };
}

function normalise(text: string): string {
  return text
    .replace(/^procmail: \[\d+\] .*\n/gm, '')
    .replace(/^(>?From \S+ {2})\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}$/gm, '$1<date>')
    .replace(/\d+\.\d+_\d+\.[^/"\s]+/g, '<maildir-name>')
    .replaceAll(root, '<root>')
    .replace(/BOGUS\.(\w+)\.[A-Za-z0-9_-]+/g, 'BOGUS.$1.<ino>');
}

/** Every file under the spool and the homes: mode, owner, normalised contents. */
function snapshot(): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of fs.readdirSync(dir).sort()) {
      // mailrules' compiled-rcfile cache (src/deliver/compiled-rc-cache.ts) is ours alone.
      if (name === '.cache') continue;
      const full = path.join(dir, name);
      const st = fs.lstatSync(full);
      const key = normalise(full);
      const meta = `${(st.mode & 0o7777).toString(8)} uid=${st.uid}`;
      if (st.isDirectory()) {
        out[`${key}/`] = meta;
        walk(full);
      } else if (st.isSymbolicLink()) out[key] = `${meta} -> ${fs.readlinkSync(full)}`;
      else out[key] = `${meta}\n${normalise(fs.readFileSync(full, 'latin1'))}`;
    }
  };
  walk(mail());
  walk(path.join(root, 'home'));
  return out;
}

/** Runs the same setup under procmail and under mailrules and returns both results. */
function both(args: string[], setup: () => void = () => undefined): { procmail: Run; mailrules: Run } {
  reset(setup);
  const procmail = runIn([PROCMAIL], args);
  reset(setup);
  const mailrules = runIn([process.execPath, ldaBundle()], args);
  return { procmail, mailrules };
}

function expectSame(r: { procmail: Run; mailrules: Run }): void {
  expect(r.mailrules.code).toBe(r.procmail.code);
  expect(r.mailrules.stderr).toBe(r.procmail.stderr);
  expect(r.mailrules.files).toEqual(r.procmail.files);
}

function mailbox(u: { name: string }, text: string, mode: number, uid: number): void {
  const f = path.join(mail(), u.name);
  fs.writeFileSync(f, text);
  fs.chownSync(f, uid, uid);
  fs.chmodSync(f, mode);
}

describe.skipIf(reason !== null)('-d delivery mode against procmail (private mount namespace)', () => {
  beforeAll(buildSandbox);
  afterAll(() => {
    if (root !== '') fs.rmSync(root, { recursive: true, force: true });
  });

  it('no rcfile: a new system mailbox with a generated From_ line', () => {
    const r = both(['-d', U1.name]);
    expectSame(r);
    expect(r.mailrules.files['<root>/mail/pmtest']).toBe(`600 uid=4242\nFrom root  <date>\n${MSG}\n`);
  });

  it('the system mailbox is created at start-up even when the rcfile delivers elsewhere', () => {
    const r = both(['-d', U1.name], () => writeRc(U1, 'MAILDIR=$H\n:0\ninbox\n'));
    expectSame(r);
    expect(r.mailrules.files['<root>/mail/pmtest']).toBe('600 uid=4242\n');
  });

  it('loose permissions are tightened; u+x and group read/write are left alone', () => {
    for (const mode of [0o644, 0o664, 0o744, 0o660]) {
      const r = both(['-d', U1.name], () => mailbox(U1, 'old\n\n', mode, U1.uid));
      expectSame(r);
    }
  });

  it('a suid or sgid mailbox is autoforwarding: exit 67, nothing written', () => {
    for (const mode of [0o4600, 0o2600]) {
      const r = both(['-d', U1.name], () => mailbox(U1, 'old\n\n', mode, U1.uid));
      expectSame(r);
      expect(r.mailrules.code).toBe(67);
      expect(r.mailrules.stderr).toBe('procmail: Autoforwarding mailbox found\n');
    }
  });

  it('a mailbox owned by someone else is renamed to BOGUS.$LOGNAME.<inode> after a second look', () => {
    const r = both(['-d', U1.name], () => mailbox(U1, 'old\n\n', 0o600, 0));
    expectSame(r);
    expect(r.mailrules.stderr).toBe('procmail: Renaming bogus mailbox "/var/mail/pmtest" info "/var/mail/BOGUS.pmtest.<ino>"\n');
  }, 120_000);

  it('a lockfile owned by another user is moved away silently', () => {
    const r = both(['-d', U1.name], () => {
      mailbox(U1, 'old\n\n', 0o600, U1.uid);
      fs.writeFileSync(path.join(mail(), 'pmtest.lock'), 'x\n');
      fs.chownSync(path.join(mail(), 'pmtest.lock'), 1, 1);
    });
    expectSame(r);
  });

  it('several recipients: one delivery each', () => {
    const r = both(['-d', U1.name, U2.name]);
    expectSame(r);
    expect(r.mailrules.code).toBe(0);
    expect(Object.keys(r.mailrules.files)).toEqual(expect.arrayContaining(['<root>/mail/pmtest', '<root>/mail/pmtest2']));
  });

  it('several recipients: a failed earlier one makes it 73, an unknown last one 67', () => {
    const failing = () => writeRc(U2, 'EXITCODE=42\n');
    for (const args of [['-d', U2.name, U1.name], ['-d', U1.name, U2.name], ['-d', U1.name, 'nosuchuser'], ['-d', 'nosuchuser', U1.name]]) {
      const r = both(args, failing);
      expectSame(r);
    }
  });

  it('VERBOSE lines for mbox, maildir, MH, links and the DEFAULT fall-back match', () => {
    const rc = 'LOGFILE=$H/log\nVERBOSE=on\nMAILDIR=$H/Mail\n:0 c\nmd/\n:0 c\nmh/.\n:0 c\nmd2/ mh2/.\n:0 c:\nmbox\n:0 c\n/dev/null\n:0\n* ^Subject: nope\nx\n';
    const r = both(['-d', U1.name], () => {
      writeRc(U1, rc);
      fs.mkdirSync(path.join(home(U1), 'Mail'));
      fs.chownSync(path.join(home(U1), 'Mail'), U1.uid, U1.uid);
    });
    expectSame(r);
    expect(r.mailrules.files['<root>/home/pmtest/log']).toContain('procmail: Locking "mbox.lock"\nprocmail: Assigning "LASTFOLDER=mbox"\nprocmail: Opening "mbox"\n');
  });

  it('kernel locks work when the install tree is unreadable to the recipient (a clone under `mktemp -d`)', (ctx) => {
    const dist = path.dirname(ldaBundle());
    if (!fs.existsSync(path.join(dist, 'fcntl-lock.node'))) {
      // Without the addon only os-lock is left, and that lives in node_modules, outside the copy.
      if (process.env.CI === 'true') throw new Error('dist/fcntl-lock.node was not built');
      ctx.skip();
    }
    const install = fs.mkdtempSync(path.join(root, 'install-'));
    expect(fs.statSync(install).mode & 0o777).toBe(0o700);
    fs.cpSync(dist, path.join(install, 'dist'), { recursive: true });
    reset(() => writeRc(U1, 'LOGFILE=$H/log\nVERBOSE=on\nMAILDIR=$H\n:0\nmbox\n'));
    const r = runIn([process.execPath, path.join(install, 'dist', 'deliver.cjs')], ['-d', U1.name]);
    fs.rmSync(install, { recursive: true, force: true });
    expect(r.code).toBe(0);
    const log = r.files['<root>/home/pmtest/log'] ?? '';
    expect(log).toContain('procmail: Acquiring kernel-lock\n');
    expect(log).not.toContain('Kernel locks unavailable');
    expect(r.stderr).toBe('');
  });

  it('comsat: the datagram and the log line', async () => {
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
    const port = sock.address().port;
    const got: string[] = [];
    sock.on('message', (m) => got.push(normalise(m.toString('latin1'))));
    try {
      const rc = `LOGFILE=$H/log\nVERBOSE=on\nCOMSAT=${port}@127.0.0.1\nMAILDIR=$H\n:0 c\nold\n:0\nnew/\n`;
      reset(() => undefined);
      const seen: string[][] = [];
      for (const cmd of [[PROCMAIL], [process.execPath, ldaBundle()]]) {
        reset(() => {
          writeRc(U1, rc);
          fs.writeFileSync(path.join(home(U1), 'old'), 'x\n');
          fs.chownSync(path.join(home(U1), 'old'), U1.uid, U1.uid);
        });
        runIn(cmd, ['-d', U1.name]);
        await new Promise((resolve) => setTimeout(resolve, 200));
        seen.push(got.splice(0));
      }
      expect(seen[1]).toEqual(seen[0]);
      expect(seen[1]).toEqual(['pmtest@0:<root>/home/pmtest/new/new/<maildir-name>']);
    } finally {
      sock.close();
    }
  });
});
