// Postfix in front of `mailrules lmtp`: a private Postfix instance (own
// config, queue and data directories, loopback SMTP on a free port, no
// chroot), run with the LMTP service inside the sandbox's mount namespace
// (lmtp-sandbox.ts) so both see the made-up users.
//  - mailbox_transport = lmtp:unix:<socket>: two local users with different
//    rc files, one message to both, an +extension;
//  - scale-out: two services on loopback TCP, each user pinned to one by a
//    transport map listing the other as the next destination; the first
//    is killed (kill -9) in the middle of a run: every message is delivered
//    (duplicates only where Postfix's at-least-once retry makes them).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipReason } from './lda.js';
import { canConnect, freePort, writePostfixConfig } from './postfix-config.js';
import { listFiles, Sandbox, sandboxProblem, startService, waitFor, type RunningService, type SandboxUser } from './lmtp-sandbox.js';

const POSTFIX = '/usr/sbin/postfix';

function postfixProblem(): string | null {
  if (!fs.existsSync(POSTFIX)) return `${POSTFIX} not installed (scripts/ci-install.sh installs it)`;
  if (spawnSync('id', ['postfix']).status !== 0) return 'no postfix system user';
  return null;
}

const skip = skipReason([sandboxProblem(), postfixProblem()]);
const ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' };



const RC_A = `MAILDIR=HOME_DIR/Mail
DEFAULT=HOME_DIR/Mail/inbox/
LOGFILE=HOME_DIR/Mail/log
EXT=$1
:0
* ^Subject:.*urgent
urgent/
:0
* EXT ?? ^^work^^
work/
`;

const RC_B = `MAILDIR=HOME_DIR/Mail
DEFAULT=HOME_DIR/Mail/default.mbox
:0:
* ^From:.*carol@
from-carol.mbox
`;

const RC_NODE = `MAILDIR=HOME_DIR/Mail
DEFAULT=HOME_DIR/Mail/inbox/
`;

describe.skipIf(skip !== null)('postfix → mailrules lmtp', () => {
  let sb: Sandbox;
  let conf = '';
  let smtpPort = 0;
  let started = false;
  let local: RunningService;
  const nodes: RunningService[] = [];
  let users: SandboxUser[] = [];

  const maillog = () => (fs.existsSync(path.join(sb.root, 'maillog')) ? fs.readFileSync(path.join(sb.root, 'maillog'), 'utf8') : '');

  beforeAll(async () => {
    sb = new Sandbox(4);
    users = sb.users;
    sb.write(users[0]!, '.procmailrc', RC_A);
    sb.write(users[1]!, '.procmailrc', RC_B);
    for (const u of users.slice(2)) sb.write(u, '.procmailrc', RC_NODE);
    for (const u of users) sb.write(u, 'Mail/.keep', '');

    const sock = path.join(sb.root, 'lmtp.sock');
    local = await startService(sb, ['--listen', `unix:${sock}`, '--socket-group', 'postfix']);
    for (let i = 0; i < 2; i++) nodes.push(await startService(sb, ['--listen', '127.0.0.1:0']));
    const port = (s: RunningService) => s.address.split(':').at(-1);

    conf = path.join(sb.root, 'etc');
    const queue = path.join(sb.root, 'queue');
    const data = path.join(sb.root, 'data');
    for (const d of [conf, queue, data]) fs.mkdirSync(d);
    spawnSync('chown', ['postfix', data]);
    // Users 2 and 3 are pinned to node 1 and node 2, each with the other as the next destination
    // (the list's "inet:" prefix is written once, before the first).
    const [n1, n2] = [`[127.0.0.1]:${port(nodes[0]!)}`, `[127.0.0.1]:${port(nodes[1]!)}`];
    fs.writeFileSync(path.join(conf, 'transport'), `${users[2]!.name}@localhost lmtp:inet:${n1}, ${n2}\n${users[3]!.name}@localhost lmtp:inet:${n2}, ${n1}\n`);
    smtpPort = await freePort();
    writePostfixConfig(
      { conf, queue, data, root: sb.root },
      smtpPort,
      [
        `mailbox_transport = lmtp:unix:${sock}`,
        `transport_maps = texthash:${conf}/transport`,
        // Retry quickly after the killed node (the defaults wait minutes).
        'minimal_backoff_time = 1s',
        'maximal_backoff_time = 2s',
        'queue_run_delay = 1s',
        'lmtp_connect_timeout = 2s',
      ],
      // X: we do final delivery and announce no DSN, so Postfix reports "delivered", not "relayed".
      ['lmtp unix - - n - - lmtp flags=X'],
    );
    const start = sb.wrap([POSTFIX, '-c', conf, 'start']);
    const r = spawnSync(start[0]!, start.slice(1), { env: ENV, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`postfix start failed: ${r.stderr} ${r.stdout}`);
    started = true;
    const deadline = Date.now() + 15_000;
    while (!(await canConnect(smtpPort))) {
      if (Date.now() > deadline) throw new Error(`postfix did not start:\n${maillog()}`);
      await new Promise((res) => setTimeout(res, 200));
    }
  }, 120_000);

  afterAll(async () => {
    if (started) {
      const stop = sb.wrap([POSTFIX, '-c', conf, 'stop']);
      spawnSync(stop[0]!, stop.slice(1), { env: ENV });
    }
    for (const s of [local, ...nodes]) {
      if (s === undefined) continue;
      if (s.proc.exitCode === null && s.proc.signalCode === null) s.proc.kill('SIGKILL');
      await s.exited;
    }
    sb?.cleanup();
  }, 60_000);

  const send = async (to: string[], from: string, subject: string, text: string) => {
    const t = nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true });
    try {
      await t.sendMail({ from, to, subject, text });
    } finally {
      t.close();
    }
  };
  const readDir = (dir: string) => listFiles(dir).map((f) => fs.readFileSync(path.join(dir, f), 'latin1'));

  it('mailbox_transport = lmtp:unix: delivers to two local users by their own rc files', { timeout: 90_000 }, async () => {
    const [a, b] = users;
    await send([`${a!.name}@localhost`, `${b!.name}@localhost`], 'carol@example.com', 'urgent for both', 'marker-both');
    await send([`${a!.name}+work@localhost`], 'dave@example.com', 'weekly report', 'marker-work');
    await send([`${b!.name}@localhost`], 'dave@example.com', 'from dave', 'marker-dave');
    const mail = (u: SandboxUser, rel: string) => path.join(u.home, 'Mail', rel);
    const has = (where: string, marker: string) => fs.existsSync(where) && (fs.statSync(where).isDirectory() ? readDir(where) : [fs.readFileSync(where, 'latin1')]).some((t) => t.includes(marker));
    const expected: [string, string][] = [
      [mail(a!, 'urgent/new'), 'marker-both'],
      [mail(a!, 'work/new'), 'marker-work'],
      [mail(b!, 'from-carol.mbox'), 'marker-both'],
      [mail(b!, 'default.mbox'), 'marker-dave'],
    ];
    try {
      await waitFor(() => expected.every(([w, m]) => has(w, m)), 'the deliveries', 60_000);
    } catch {
      expect.fail(`not delivered: ${expected.filter(([w, m]) => !has(w, m)).map(([w, m]) => `${m} in ${w}`).join('; ')}\n--- maillog\n${maillog()}\n--- service\n${local.log()}`);
    }
    expect(readDir(mail(a!, 'urgent/new'))).toHaveLength(1);
    expect(fs.readFileSync(mail(b!, 'default.mbox'), 'latin1')).not.toContain('marker-both');
    const [f] = listFiles(mail(a!, 'work/new'));
    expect(fs.statSync(path.join(mail(a!, 'work/new'), f!)).uid).toBe(a!.uid);
    expect(maillog()).toMatch(/relay=.*lmtp\.sock.*status=sent \(250 2\.0\.0 <[^>]+> Delivered\)/);
    // One log line per recipient, with the recipe that stored it (written once the reply is known).
    const line = new RegExp(`^delivery conn=\\d+ user=${a!.name} rcpt=<${a!.name}\\+work@localhost> .*status="250 2.0.0" recipe=\\S+/.procmailrc:8 folder=work/new/`, 'm');
    await waitFor(() => line.test(local.log()), 'the log line');
  });

  it('scale-out: two nodes behind one Postfix, one killed mid-run: every message delivered', { timeout: 180_000 }, async () => {
    const [c, d] = users.slice(2);
    const N = 40;
    const sends: Promise<void>[] = [];
    const markers: string[] = [];
    for (let i = 0; i < N; i++) {
      const u = i % 2 === 0 ? c! : d!;
      const m = `marker-node-${i}-${u.name}`;
      markers.push(m);
      sends.push(send([`${u.name}@localhost`], 'load@example.com', `load ${i}`, m));
      if (i === 10) await Promise.all(sends.splice(0));
      if (i === 12) {
        // Node 1 has delivered some of user c's mail: kill it while the rest is on its way.
        await waitFor(() => (nodes[0]!.log().match(/^delivery .*status="250/gm) ?? []).length >= 3, 'node 1 to deliver', 60_000);
        process.kill(nodes[0]!.pid, 'SIGKILL');
      }
    }
    await Promise.all(sends);
    const found = () => [...readDir(path.join(c!.home, 'Mail/inbox/new')), ...readDir(path.join(d!.home, 'Mail/inbox/new'))];
    const missing = () => markers.filter((m) => !found().some((t) => t.includes(m)));
    try {
      await waitFor(() => missing().length === 0, 'every message', 150_000);
    } catch {
      expect.fail(`lost: ${missing().join(', ')}\n--- maillog\n${maillog().slice(-6000)}`);
    }
    const copies = markers.map((m) => found().filter((t) => t.includes(m)).length);
    expect(Math.min(...copies)).toBe(1);
    // Duplicates only where the retry makes them: messages node 1 may have stored before it died (user c's).
    // User d's mail went to node 2 alone, which never died: each of those exactly once.
    expect(markers.filter((m, i) => copies[i]! > 1 && !m.endsWith(`-${c!.name}`))).toEqual([]);
    // Node 2 took over user c's mail once node 1 was gone.
    await waitFor(() => new RegExp(`^delivery .*user=${c!.name} .*status="250`, 'm').test(nodes[1]!.log()), "node 2's delivery to c");
    console.log(`scale-out: ${N} messages, ${copies.filter((n) => n > 1).length} delivered twice (at-least-once retry)`);
  });
});
