// The LDA under a real MTA: a private Postfix instance (own config, queue and
// data directories under a temp dir, `postfix -c DIR start`) listening only
// on 127.0.0.1:<free high port>, with
//   mailbox_command = <node> <copy of bin/mailrules> -a "$EXTENSION"
// (docs/procmail-semantics.md §6.2: Postfix's usual procmail line). Local users get a
// ~/.procmailrc (and an identical ~/.mailrulesrc); messages sent over SMTP
// with nodemailer must end up where those rc files say.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshBuild } from '../helpers/fresh-build.js';
import { REPO, skipReason } from './lda.js';
import { canConnect, freePort, writePostfixConfig } from './postfix-config.js';

const POSTFIX = '/usr/sbin/postfix';
const DELIVERY_WAIT_MS = 30_000;

function postfixProblem(): string | null {
  if (process.platform !== 'linux') return 'needs Linux';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'needs root (postfix start, useradd)';
  if (!fs.existsSync(POSTFIX)) return `${POSTFIX} not installed (scripts/ci-install.sh installs it)`;
  if (spawnSync('id', ['postfix']).status !== 0) return 'no postfix system user';
  if (!fs.existsSync('/usr/sbin/useradd')) return 'useradd not available';
  return null;
}

const skip = skipReason([postfixProblem()]);

function sh(cmd: string, args: string[], env?: NodeJS.ProcessEnv): string {
  const r = spawnSync(cmd, args, { env: env ?? { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr?.toString()} ${r.stdout?.toString()}`);
  }
  return r.stdout.toString();
}


/** Files under dir (recursively), relative paths. */
function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listFiles(p).map((f) => path.join(e.name, f)));
    else out.push(e.name);
  }
  return out;
}

async function waitFor(check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return check();
}


const tag = (process.pid % 100000).toString(36);
const USER_A = `mrta${tag}`;
const USER_B = `mrtb${tag}`;

const RC_A = `# user A: maildirs, by subject and by +extension ($1 from -a "$EXTENSION")
MAILDIR=$HOME/Mail
DEFAULT=$HOME/Mail/inbox/
LOGFILE=$HOME/Mail/log
EXT=$1
:0
* ^Subject:.*urgent
urgent/
:0
* EXT ?? ^^work^^
work/
`;

const RC_B = `# user B: mbox with a lock, by sender
MAILDIR=$HOME/Mail
DEFAULT=$HOME/Mail/default.mbox
LOGFILE=$HOME/Mail/log
:0:
* ^From:.*carol@
from-carol.mbox
`;

describe.skipIf(skip !== null)('postfix → mailrules LDA', () => {
  let root = '';
  let conf = '';
  let port = 0;
  let started = false;
  const users: string[] = [];

  beforeAll(async () => {
    root = fs.mkdtempSync('/tmp/mr-postfix-');
    // The recipients' LDA processes must reach the homes and the LDA copy.
    fs.chmodSync(root, 0o755);
    conf = path.join(root, 'etc');
    const queue = path.join(root, 'queue');
    const data = path.join(root, 'data');
    fs.mkdirSync(conf);
    fs.mkdirSync(queue);
    fs.mkdirSync(data);
    sh('chown', ['postfix', data]);

    // A world-readable copy of the LDA: the repo (and node_modules) may sit
    // under a home directory the recipients cannot enter. MAILRULES_LDA
    // (e.g. /usr/bin/procmail) replaces it to validate the test itself.
    const lda = path.join(root, 'lda');
    const ldaCmd = process.env.MAILRULES_LDA?.trim() || `${process.execPath} ${lda}/bin/mailrules`;
    fs.mkdirSync(path.join(lda, 'bin'), { recursive: true });
    fs.mkdirSync(path.join(lda, 'dist'));
    const built = freshBuild();
    fs.copyFileSync(built.bin, path.join(lda, 'bin', 'mailrules'));
    // dist/deliver.cjs is the loader; the agent is deliver-body.cjs, with its code cache.
    for (const f of ['deliver.cjs', 'deliver-body.cjs', 'deliver-body.cache']) {
      const from = path.join(built.dist, f);
      if (fs.existsSync(from)) fs.copyFileSync(from, path.join(lda, 'dist', f));
    }
    fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(lda, 'node_modules'));
    sh('chmod', ['-R', 'a+rX', lda]);

    port = await freePort();
    writePostfixConfig({ conf, queue, data, root }, port, [`mailbox_command = ${ldaCmd} -a "$EXTENSION"`]);

    for (const [user, rc] of [
      [USER_A, RC_A],
      [USER_B, RC_B],
    ] as const) {
      const home = path.join(root, 'home', user);
      fs.mkdirSync(path.dirname(home), { recursive: true, mode: 0o755 });
      sh('useradd', ['-m', '-d', home, '-s', '/bin/sh', user]);
      users.push(user);
      for (const name of ['.procmailrc', '.mailrulesrc']) {
        fs.writeFileSync(path.join(home, name), rc, { mode: 0o644 });
        sh('chown', [`${user}:`, path.join(home, name)]);
      }
      fs.mkdirSync(path.join(home, 'Mail'), { mode: 0o700 });
      sh('chown', [`${user}:`, path.join(home, 'Mail')]);
      fs.chmodSync(home, 0o755);
    }

    sh(POSTFIX, ['-c', conf, 'start']);
    started = true;
    const up = await waitFor(() => canConnect(port), 10_000);
    if (!up) throw new Error('postfix did not start');
  }, 60_000);

  afterAll(() => {
    if (started) spawnSync(POSTFIX, ['-c', conf, 'stop'], { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
    const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' };
    for (const u of users) {
      // An LDA still running as the test user (e.g. stuck in a lock wait)
      // would make userdel fail: end those processes, by pid, first.
      const pids = spawnSync('ps', ['-o', 'pid=', '-u', u], { env }).stdout?.toString().split(/\s+/).filter(Boolean) ?? [];
      for (const pid of pids) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
      spawnSync('userdel', ['-r', '-f', u], { env });
    }
    if (root !== '') fs.rmSync(root, { recursive: true, force: true });
  }, 30_000);

  it('files each SMTP message where the recipient rc says', { timeout: 90_000 }, async () => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
    const send = (to: string, from: string, subject: string, text: string) =>
      transport.sendMail({ from, to, subject, text });
    await send(`${USER_A}@localhost`, 'alice@example.com', 'an urgent matter', 'marker-urgent');
    await send(`${USER_A}+work@localhost`, 'alice@example.com', 'weekly report', 'marker-work');
    await send(`${USER_A}@localhost`, 'alice@example.com', 'hello', 'marker-inbox');
    await send(`${USER_B}@localhost`, 'carol@example.com', 'from carol', 'marker-carol');
    await send(`${USER_B}@localhost`, 'dave@example.com', 'from dave', 'marker-dave');
    transport.close();

    const homeA = path.join(root, 'home', USER_A, 'Mail');
    const homeB = path.join(root, 'home', USER_B, 'Mail');
    const readAll = (dir: string) => listFiles(dir).map((f) => fs.readFileSync(path.join(dir, f), 'latin1'));
    const expectations: [string, string][] = [
      [path.join(homeA, 'urgent', 'new'), 'marker-urgent'],
      [path.join(homeA, 'work', 'new'), 'marker-work'],
      [path.join(homeA, 'inbox', 'new'), 'marker-inbox'],
      [path.join(homeB, 'from-carol.mbox'), 'marker-carol'],
      [path.join(homeB, 'default.mbox'), 'marker-dave'],
    ];
    const contains = (where: string, marker: string) =>
      fs.existsSync(where) &&
      (fs.statSync(where).isDirectory() ? readAll(where) : [fs.readFileSync(where, 'latin1')]).some((t) =>
        t.includes(marker),
      );
    const delivered = await waitFor(() => expectations.every(([w, m]) => contains(w, m)), DELIVERY_WAIT_MS);
    const maillog = fs.existsSync(path.join(root, 'maillog')) ? fs.readFileSync(path.join(root, 'maillog'), 'utf8') : '';
    if (!delivered) {
      const missing = expectations.filter(([w, m]) => !contains(w, m)).map(([w, m]) => `${m} not in ${w}`);
      expect.fail(`not delivered within ${DELIVERY_WAIT_MS} ms: ${missing.join('; ')}\n--- maillog\n${maillog}`);
    }
    // Each message exactly once, nowhere else.
    expect(readAll(path.join(homeA, 'urgent', 'new'))).toHaveLength(1);
    expect(readAll(path.join(homeA, 'work', 'new'))).toHaveLength(1);
    expect(readAll(path.join(homeA, 'inbox', 'new'))).toHaveLength(1);
    expect(fs.readFileSync(path.join(homeB, 'default.mbox'), 'latin1')).not.toContain('marker-carol');
    // Files belong to the recipient (the LDA ran as that user).
    const owner = (p: string) => fs.statSync(p).uid;
    const uidA = Number(sh('id', ['-u', USER_A]).trim());
    const uidB = Number(sh('id', ['-u', USER_B]).trim());
    expect(owner(path.join(homeA, 'urgent'))).toBe(uidA);
    expect(owner(path.join(homeB, 'from-carol.mbox'))).toBe(uidB);
    expect(maillog).toMatch(/status=sent \(delivered to command/);
  });
});
