import * as fs from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fileUserDb } from '../../src/deliver/userdb.js';
import { LmtpService, type ServiceOptions } from '../../src/lmtp/service.js';
import type { ForkWorker } from '../../src/lmtp/worker-pool.js';
import { Sink, tempDir } from '../deliver/helpers.js';
import { LmtpClient } from './lmtp-client.js';
import type { ZygoteStarter } from '../../src/lmtp/zygote-start.js';
import { testZygote } from './worker-bundle.js';
import { waitFor } from '../helpers/poll.js';

/**
 * The whole service in this process (listeners, sessions, spool, pool),
 * with real worker processes delivering as the user running the tests:
 * two passwd entries with our uid and different homes and rc files.
 */
const uid = process.getuid?.() ?? 0;
const gid = process.getgid?.() ?? 0;
let fork: ForkWorker;
const running: LmtpService[] = [];
const clients: LmtpClient[] = [];
const holds: string[] = [];

async function client(target: Parameters<typeof LmtpClient.connect>[0]): Promise<LmtpClient> {
  const c = await LmtpClient.connect(target);
  clients.push(c);
  return c;
}

let zygote: ZygoteStarter;

// Workers forked by a zygote, as `mailrules lmtp` starts them by default (worker-process.test.ts runs both ways).
beforeAll(async () => {
  zygote = await testZygote();
  fork = zygote.fork;
}, 60_000);

afterAll(() => zygote.close());

afterEach(async () => {
  // Programs left waiting by a failed test are released; a client left in the
  // middle of a transaction would hold the drain until its idle timeout.
  for (const dir of holds.splice(0)) fs.writeFileSync(join(dir, 'go'), '');
  for (const c of clients.splice(0)) c.socket.destroy();
  for (const s of running.splice(0)) {
    s.drain();
    await s.finished;
  }
});

const OPTIONS: ServiceOptions = {
  listen: ['127.0.0.1:0'],
  stdio: false,
  maxConnections: 10,
  userConcurrency: 10,
  maxRecipients: 100,
  maxSize: 10_000_000,
  idleTimeoutMs: 60_000,
  workerIdleMs: 60_000,
  deliveryTimeoutMs: 60_000,
  maxWorkers: 8,
  user: null,
  socketGroup: null,
  socketMode: 0o660,
  spoolDir: null,
  recipientDelimiter: '+',
  verbose: false,
  hostname: 'lmtp.test',
};

const HOLD = ':0\n* ^Subject:.*hold\n{ :0 c\n| touch HOME_DIR/started; while [ ! -e HOME_DIR/go ]; do sleep 0.05; done\n}\n';

interface World {
  service: LmtpService;
  log: Sink;
  homes: Record<string, string>;
  address: { host: string; port: number };
  stdin: PassThrough;
  stdout: PassThrough;
}

async function world(over: Partial<ServiceOptions> = {}): Promise<World> {
  const root = tempDir();
  fs.chmodSync(root, 0o755);
  const homes: Record<string, string> = {};
  let passwd = '';
  const rcs: Record<string, string> = {
    alice: `MAILDIR=HOME_DIR/Mail\nDEFAULT=HOME_DIR/Mail/inbox/\nEXT=$1\nVIRT=$2\n${HOLD}:0\n* EXT ?? ^^work^^\nwork/\n:0\n* VIRT ?? .\nvirtual/\n`,
    bob: `MAILDIR=HOME_DIR/Mail\nDEFAULT=HOME_DIR/Mail/default.mbox\n${HOLD}:0:\n* ^From:.*carol@\nfrom-carol.mbox\n`,
  };
  for (const [name, rc] of Object.entries(rcs)) {
    const home = join(root, name);
    fs.mkdirSync(join(home, 'Mail'), { recursive: true });
    fs.writeFileSync(join(home, '.procmailrc'), rc.replaceAll('HOME_DIR', home), { mode: 0o644 });
    homes[name] = home;
    holds.push(home);
    passwd += `${name}:x:${uid}:${gid}::${home}:/bin/sh\n`;
  }
  const log = new Sink();
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const service = await LmtpService.start(
    { ...OPTIONS, ...over },
    {
      fs,
      userdb: fileUserDb((p) => (p === '/etc/passwd' ? passwd : p === '/etc/group' ? '' : null)),
      fork,
      uid,
      pid: process.pid,
      env: {},
      stderr: log,
      stdin,
      stdout,
      tmpdir: root,
      now: () => performance.now(),
    },
  );
  running.push(service);
  const m = /^(.*):(\d+)$/.exec(service.addresses[0] ?? '');
  return { service, log, homes, address: { host: m?.[1] ?? '', port: Number(m?.[2] ?? 0) }, stdin, stdout };
}

const files = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir) : []);
const readAll = (dir: string): string[] => files(dir).map((f) => fs.readFileSync(join(dir, f), 'latin1'));

/** A client whose one message to alice is held in her rc (HOLD) until HOME/go exists: its delivery is running. */
async function heldDelivery(w: World): Promise<LmtpClient> {
  const c = await client(w.address);
  c.send('LHLO mta\nMAIL FROM:<x@y>\nRCPT TO:<alice@x>\nDATA\nSubject: hold\n\nx\n.\n');
  await waitFor(() => fs.existsSync(join(w.homes.alice!, 'started')), 'the held delivery');
  return c;
}

describe('mailrules lmtp service', () => {
  it('delivers one message to two users by their own rc files, extension as $1, one reply per recipient', async () => {
    const w = await world();
    const c = await client(w.address);
    c.send('LHLO mta\nMAIL FROM:<carol@example.org>\nRCPT TO:<alice+work@example.org>\nRCPT TO:<nobody@example.org>\nRCPT TO:<bob@example.org>\nDATA\n');
    await c.until(6);
    c.send('From: Carol <carol@example.org>\nSubject: report\n\n..leading dot\n.\nQUIT\n');
    const r = await c.until(9);
    expect(r).toEqual([
      '220 lmtp.test LMTP mailrules ready',
      '250 SIZE 10000000',
      '250 2.1.0 Ok',
      '250 2.1.5 Ok',
      '550 5.1.1 <nobody@example.org> User unknown in local recipient table',
      '250 2.1.5 Ok',
      '354 End data with <CR><LF>.<CR><LF>',
      '250 2.0.0 <alice+work@example.org> Delivered',
      '250 2.0.0 <bob@example.org> Delivered',
      '221 2.0.0 Bye',
    ]);
    const [work] = readAll(join(w.homes.alice!, 'Mail/work/new'));
    expect(work).toBe('From: Carol <carol@example.org>\nSubject: report\n\n.leading dot\n');
    const mbox = fs.readFileSync(join(w.homes.bob!, 'Mail/from-carol.mbox'), 'latin1');
    expect(mbox).toMatch(/^From carol@example\.org {2}\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\nFrom: Carol/);
    expect(w.log.text).toMatch(/^delivery conn=1 user=alice rcpt=<alice\+work@example.org> from=<carol@example.org> size=\d+ status="250 2.0.0" recipe=\S+\/alice\/.procmailrc:\d+ folder=work\/new\/\S+ ms=[\d.]+ fsync_ms=[\d.]+$/m);
    expect(w.log.text).toMatch(/^delivery conn=1 user=bob .* status="250 2.0.0" recipe=\S+\/bob\/.procmailrc:\d+ folder=from-carol.mbox ms=/m);
    // The recipient refused at RCPT has its own line.
    expect(w.log.text).toMatch(/^rcpt conn=1 rcpt=<nobody@example.org> from=<carol@example.org> status="550 5.1.1" why="<nobody@example.org> User unknown in local recipient table"$/m);
  });

  it('--user: every recipient is that one user, the address as $2', async () => {
    const w = await world({ user: 'alice' });
    const c = await client(w.address);
    c.send('LHLO mta\nMAIL FROM:<>\nRCPT TO:<someone@virtual.example>\nDATA\nSubject: hi\n\nx\n.\n');
    expect((await c.until(6)).at(-1)).toBe('250 2.0.0 <someone@virtual.example> Delivered');
    expect(files(join(w.homes.alice!, 'Mail/virtual/new'))).toHaveLength(1);
    expect(w.log.text).toContain('from=<> ');
  });

  it('builds the From_ line as -f would: the envelope sender, MAILER-DAEMON for the null sender', async () => {
    const w = await world();
    const c = await client(w.address);
    c.send('LHLO mta\nMAIL FROM:<>\nRCPT TO:<bob@x>\nDATA\nFrom: Mail Delivery System <daemon@x>\nSubject: bounce\n\nx\n.\n');
    expect((await c.until(6)).at(-1)).toBe('250 2.0.0 <bob@x> Delivered');
    c.send('MAIL FROM:<dave@example.net>\nRCPT TO:<bob@x>\nDATA\nFrom: dave@example.net\nSubject: hi\n\ny\n.\n');
    expect((await c.until(10)).at(-1)).toBe('250 2.0.0 <bob@x> Delivered');
    const mbox = fs.readFileSync(join(w.homes.bob!, 'Mail/default.mbox'), 'latin1');
    const fromLines = mbox.split('\n').filter((l) => l.startsWith('From '));
    expect(fromLines).toEqual([
      expect.stringMatching(/^From MAILER-DAEMON {2}\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}$/),
      expect.stringMatching(/^From dave@example\.net {2}\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}$/),
    ]);
  });

  it('a message refused after DATA gets a log line per recipient too, saying why', async () => {
    const w = await world({ maxSize: 100 });
    const c = await client(w.address);
    c.send(`LHLO mta\nMAIL FROM:<carol@example.org>\nRCPT TO:<alice@x>\nRCPT TO:<bob+tag@x>\nDATA\nSubject: big\n\n${'y'.repeat(200)}\n.\n`);
    expect((await c.until(7)).slice(-2)).toEqual(['552 5.3.4 Message size exceeds fixed limit', '552 5.3.4 Message size exceeds fixed limit']);
    expect(w.log.text.split('\n').filter((l) => l.startsWith('delivery '))).toEqual([
      'delivery conn=1 user=alice rcpt=<alice@x> from=<carol@example.org> size=215 status="552 5.3.4" why="Message size exceeds fixed limit" ms=0.00',
      'delivery conn=1 user=bob rcpt=<bob+tag@x> from=<carol@example.org> size=215 status="552 5.3.4" why="Message size exceeds fixed limit" ms=0.00',
    ]);
  });

  it('--verbose logs every command and reply of the session; without it, none', async () => {
    const quiet = await world();
    const q = await client(quiet.address);
    q.send('LHLO mta\nNOOP\nQUIT\n');
    await q.until(4);
    await q.closedNow();
    expect(quiet.log.text).not.toMatch(/^lmtp /m);
    const w = await world({ verbose: true });
    const c = await client(w.address);
    c.send('LHLO mta\nVRFY bob\nQUIT\n');
    await c.until(4);
    await c.closedNow();
    await waitFor(() => w.log.text.includes('disconnect conn=1'), 'the disconnect line');
    const lines = w.log.text.split('\n').filter((l) => /^(lmtp|connect|disconnect) /.test(l));
    expect(lines).toEqual([
      'connect conn=1',
      'lmtp conn=1 S="220 lmtp.test LMTP mailrules ready"',
      'lmtp conn=1 C="LHLO mta"',
      'lmtp conn=1 S="250-lmtp.test 250-PIPELINING 250-8BITMIME 250-SMTPUTF8 250-ENHANCEDSTATUSCODES 250 SIZE 10000000"',
      'lmtp conn=1 C="VRFY bob"',
      'lmtp conn=1 S="252 2.5.2 Cannot VRFY user, but will accept message and attempt delivery"',
      'lmtp conn=1 C=QUIT',
      'lmtp conn=1 S="221 2.0.0 Bye"',
      'disconnect conn=1',
    ]);
  });

  it('over --user-concurrency, RCPT gets 451 4.7.1 before any data is sent', async () => {
    const w = await world({ userConcurrency: 1 });
    const a = await heldDelivery(w);
    const b = await client(w.address);
    b.send('LHLO mta\nMAIL FROM:<x@y>\nRCPT TO:<alice@x>\nRCPT TO:<bob@x>\n');
    expect((await b.until(5)).slice(-2)).toEqual(['451 4.7.1 <alice@x> Too many concurrent deliveries for this user, try again later', '250 2.1.5 Ok']);
    expect(w.log.text).toMatch(/^rcpt conn=2 rcpt=<alice@x> from=<x@y> status="451 4\.7\.1" why="<alice@x> Too many concurrent deliveries for this user, try again later"$/m);
    fs.writeFileSync(join(w.homes.alice!, 'go'), '');
    expect((await a.until(6)).at(-1)).toBe('250 2.0.0 <alice@x> Delivered');
    b.send('RSET\nMAIL FROM:<x@y>\nRCPT TO:<alice@x>\n');
    expect((await b.until(8)).at(-1)).toBe('250 2.1.5 Ok');
  });

  it('--idle-timeout: a silent connection is told 421 4.4.2 and closed; one waiting for its delivery is not', async () => {
    const w = await world({ idleTimeoutMs: 100 });
    const busy = await heldDelivery(w);
    const idle = await client(w.address);
    idle.send('LHLO mta\n');
    await idle.closedNow();
    expect(idle.replies.at(-1)).toBe('421 4.4.2 lmtp.test Timeout exceeded, closing connection');
    // Held for several idle timeouts: the delivery's connection stays.
    await new Promise((r) => setTimeout(r, 400));
    expect(busy.closed).toBe(false);
    fs.writeFileSync(join(w.homes.alice!, 'go'), '');
    // The sixth reply, not the last: on a busy machine the 421 that follows 100 ms later may already be in.
    expect((await busy.until(6))[5]).toBe('250 2.0.0 <alice@x> Delivered');
    await busy.closedNow();
    expect(busy.replies.at(-1)).toBe('421 4.4.2 lmtp.test Timeout exceeded, closing connection');
  });

  it('over --max-connections, a connection is answered 421 and closed', async () => {
    const w = await world({ maxConnections: 1 });
    const a = await client(w.address);
    await a.until(1);
    const b = await client(w.address);
    await b.closedNow();
    expect(b.replies).toEqual(['421 4.3.2 lmtp.test Too many connections, try again later']);
  });

  it('drains: the transaction in progress gets its 250, idle and new connections 421, then it stops', async () => {
    const w = await world();
    const busy = await client(w.address);
    busy.send('LHLO mta\nMAIL FROM:<x@y>\nRCPT TO:<alice@x>\nRCPT TO:<bob@x>\nDATA\nSubject: hold\n\nx\n.\n');
    await waitFor(() => fs.existsSync(join(w.homes.alice!, 'started')) && fs.existsSync(join(w.homes.bob!, 'started')), 'both deliveries');
    const idle = await client(w.address);
    idle.send('LHLO mta\n');
    await idle.until(2);
    w.service.drain();
    await idle.closedNow();
    expect(idle.replies.at(-1)).toBe('421 4.3.2 lmtp.test Service shutting down, try again later');
    const late = await client(w.address);
    await late.closedNow();
    expect(late.replies).toEqual(['421 4.3.2 lmtp.test Service shutting down, try again later']);
    let stopped = false;
    void w.service.finished.then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 200));
    expect(stopped).toBe(false);
    fs.writeFileSync(join(w.homes.alice!, 'go'), '');
    fs.writeFileSync(join(w.homes.bob!, 'go'), '');
    const r = await busy.until(8);
    expect(r.slice(-3)).toEqual(['250 2.0.0 <alice@x> Delivered', '250 2.0.0 <bob@x> Delivered', '421 4.3.2 lmtp.test Service shutting down, try again later']);
    await w.service.finished;
    expect(w.service.pool.size).toBe(0);
    expect(files(join(w.homes.alice!, 'Mail/inbox/new'))).toHaveLength(1);
  });

  it('listens on a Unix socket with the mode asked for', async () => {
    const dir = tempDir();
    const path = join(dir, 'lmtp.sock');
    const w = await world({ listen: [`unix:${path}`], socketMode: 0o660 });
    expect(w.service.addresses).toEqual([`unix:${path}`]);
    expect(fs.statSync(path).mode & 0o777).toBe(0o660);
    const c = await client(path);
    c.send('LHLO mta\nQUIT\n');
    expect(await c.until(3)).toEqual(['220 lmtp.test LMTP mailrules ready', '250 SIZE 10000000', '221 2.0.0 Bye']);
  });

  it("--socket-group gives the Unix socket the MTA's group; an unknown group stops the start", async () => {
    // Root may give any group (CI runs as root); anyone else only another of their own, if they have one.
    const other = uid === 0 ? 4242 : (process.getgroups?.() ?? []).find((g) => g !== gid);
    if (other !== undefined) {
      const path = join(tempDir(), 'lmtp.sock');
      await world({ listen: [`unix:${path}`], socketGroup: String(other) });
      expect(fs.statSync(path).gid).toBe(other);
    }
    await expect(world({ listen: [`unix:${join(tempDir(), 'x.sock')}`], socketGroup: 'no-such-group-here' })).rejects.toThrow('--socket-group no-such-group-here: no such group');
  });

  it('listens on several --listen at once, TCP and a Unix socket', async () => {
    const path = join(tempDir(), 'lmtp.sock');
    const w = await world({ listen: ['127.0.0.1:0', `unix:${path}`] });
    expect(w.service.addresses).toEqual([expect.stringMatching(/^127\.0\.0\.1:\d+$/), `unix:${path}`]);
    for (const target of [w.address, path]) {
      const c = await client(target);
      c.send('LHLO mta\nMAIL FROM:<x@y>\nRCPT TO:<bob@x>\nDATA\nSubject: both\n\nz\n.\nQUIT\n');
      expect((await c.until(7)).slice(-2)).toEqual(['250 2.0.0 <bob@x> Delivered', '221 2.0.0 Bye']);
    }
    expect(fs.readFileSync(join(w.homes.bob!, 'Mail/default.mbox'), 'latin1').match(/^Subject: both$/gm)).toHaveLength(2);
  });

  it('says at start, as root, when the mail spool is closed to users (workers never hold its group)', async () => {
    const started = async (mode: number): Promise<string> => {
      const log = new Sink();
      const spoolFs = { ...fs, statSync: ((p: string) => (p === '/var/mail' ? { ...fs.statSync(tempDir()), mode: 0o40000 | mode } : fs.statSync(p))) as typeof fs.statSync };
      const service = await LmtpService.start(OPTIONS, {
        fs: spoolFs,
        userdb: fileUserDb(() => ''),
        fork,
        uid: 0,
        pid: process.pid,
        env: {},
        stderr: log,
        stdin: new PassThrough(),
        stdout: new PassThrough(),
        tmpdir: tempDir(),
        now: () => performance.now(),
      });
      running.push(service);
      return log.text;
    };
    // Debian's /var/mail, root:mail 2775.
    expect(await started(0o2775)).toMatch(/^warning note="\/var\/mail is not writable by users: deliveries whose DEFAULT is there are deferred; set DEFAULT in \$HOME/m);
    expect(await started(0o1777)).not.toContain('warning');
  });

  it('--stdio: one session on stdin/stdout, and the service ends with it', async () => {
    const w = await world({ stdio: true, listen: [] });
    let out = '';
    w.stdout.on('data', (d: Buffer) => (out += d.toString('latin1')));
    w.stdin.write('LHLO mta\r\nMAIL FROM:<a@b>\r\nRCPT TO:<bob@x>\r\nDATA\r\nFrom: dave@x\r\n\r\nhi\r\n.\r\nQUIT\r\n');
    await w.service.finished;
    running.splice(running.indexOf(w.service), 1);
    expect(out.split('\r\n').filter((l) => l !== '' && !/^\d{3}-/.test(l)).slice(-3)).toEqual(['354 End data with <CR><LF>.<CR><LF>', '250 2.0.0 <bob@x> Delivered', '221 2.0.0 Bye']);
    expect(fs.readFileSync(join(w.homes.bob!, 'Mail/default.mbox'), 'latin1')).toContain('\nhi\n');
  });

  it('a client that disconnects in the middle of DATA gets nothing delivered', async () => {
    const w = await world();
    const c = await client(w.address);
    c.send('LHLO mta\nMAIL FROM:<x@y>\nRCPT TO:<alice@x>\nDATA\nSubject: cut\n\npartial');
    await c.until(5);
    c.socket.destroy();
    await new Promise((r) => setTimeout(r, 300));
    expect(files(join(w.homes.alice!, 'Mail/inbox/new'))).toEqual([]);
    expect(w.log.text).not.toContain('delivery conn=');
  });
});
