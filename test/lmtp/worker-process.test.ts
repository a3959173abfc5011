import * as fs from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deliverFromCommandLine } from '../../src/deliver/command-line.js';
import type { UserEntry } from '../../src/deliver/userdb.js';
import { fileUserDb } from '../../src/deliver/userdb.js';
import type { DeliveryResult } from '../../src/lmtp/delivery-result.js';
import { SpoolDirectory } from '../../src/lmtp/spool.js';
import { WorkerPool, type ForkWorker } from '../../src/lmtp/worker-pool.js';
import { Sink, tempDir } from '../deliver/helpers.js';
import type { ZygoteStarter } from '../../src/lmtp/zygote-start.js';
import { testFork, testZygote } from './worker-bundle.js';
import { waitFor } from '../helpers/poll.js';

/**
 * Real worker processes (the bundle built from these sources), delivering
 * as the user running the tests: the LDA's code path, kill -9, the
 * delivery timeout, big messages, thousands of names from one process.
 */
const uid = process.getuid?.() ?? 0;
const gid = process.getgid?.() ?? 0;
let fork: ForkWorker;
const forks = new Map<string, ForkWorker>();
let zygote: ZygoteStarter;
const stderr: string[] = [];
const pools: WorkerPool[] = [];
const homes: string[] = [];

beforeAll(async () => {
  forks.set('fork', await testFork(stderr));
  zygote = await testZygote(stderr);
  forks.set('zygote', zygote.fork);
}, 60_000);

afterAll(() => zygote.close());

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.shutdown()));
  // Programs left waiting by a test (pass or fail) are released.
  for (const dir of homes.splice(0)) fs.writeFileSync(join(dir, 'go'), '');
});

function home(rc: string): { user: UserEntry; dir: string } {
  const dir = tempDir();
  fs.chmodSync(dir, 0o755);
  fs.writeFileSync(join(dir, '.procmailrc'), rc.replaceAll('HOME_DIR', dir), { mode: 0o644 });
  fs.mkdirSync(join(dir, 'Mail'));
  homes.push(dir);
  return { user: { name: `u${uid}`, uid, gid, dir, shell: '/bin/sh' }, dir };
}

function pool(over: { deliveryTimeoutMs?: number; perUser?: number } = {}): { pool: WorkerPool; deliver: (u: UserEntry, text: string | Buffer, argv?: string[]) => Promise<DeliveryResult> } {
  const p = new WorkerPool({
    fork,
    maxWorkers: 8,
    perUser: over.perUser ?? 1,
    workerIdleMs: 60_000,
    extraWorkerIdleMs: 60_000,
    deliveryTimeoutMs: over.deliveryTimeoutMs ?? 60_000,
    startTimeoutMs: 30_000,
    exitGraceMs: 5_000,
    maxBytesInDelivery: 64 * 1024 * 1024,
    chunkBytes: 64 * 1024,
    log: () => undefined,
  });
  pools.push(p);
  const spool = new SpoolDirectory(tempDir(), fs, process.pid, 128 * 1024);
  return {
    pool: p,
    deliver: (u, text, argv = ['-t', '-f', 'sender@example.org', '-a', '', '-d', u.name]) => {
      const s = spool.open();
      s.write(Buffer.isBuffer(text) ? text : Buffer.from(text, 'latin1'));
      return p.deliver({ user: u, groups: () => [u.gid], argv, message: s.finish() });
    },
  };
}

const files = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []);
const MSG = 'From: Alice <alice@example.com>\nSubject: lunch\n\nShall we?\n';

// Both ways a worker is started: a fresh Node (fork-worker.ts), and a fork of the zygote (zygote-start.ts).
describe.each(['fork', 'zygote'])('LMTP worker processes (%s)', (how) => {
  beforeAll(() => {
    fork = forks.get(how)!;
  });

  it('deliver exactly as the delivery agent does with the same command line', async () => {
    const rc = 'MAILDIR=HOME_DIR/Mail\nLOGFILE=HOME_DIR/log\nEXT=$1\n:0\n* ^Subject:.*lunch\n* EXT ?? ^^work^^\nwork/\n:0\ninbox/\n';
    const a = home(rc);
    const { deliver } = pool();
    const r = await deliver(a.user, MSG, ['-t', '-f', 'sender@example.org', '-a', 'work', '-d', a.user.name]);
    expect(r).toMatchObject({ kind: 'finished', code: 0, recipe: `${a.dir}/.procmailrc:4`, disposition: 'delivered' });
    // The same, through the agent's deliverFromCommandLine() in this process.
    const b = home(rc);
    const code = await deliverFromCommandLine(['-t', '-f', 'sender@example.org', '-a', 'work', '-d', b.user.name], {
      stdin: async () => Buffer.from(MSG),
      stdout: new Sink(),
      stderr: new Sink(),
      env: { TZ: 'UTC' },
      fs: fs as never,
      spawn: () => {
        throw new Error('no programs');
      },
      clock: { now: () => Date.now(), sleep: (ms) => new Promise((res) => setTimeout(res, ms)) },
      userdb: fileUserDb((p) => (p === '/etc/passwd' ? `${b.user.name}:x:${uid}:${gid}::${b.dir}:/bin/sh\n` : '')),
      hostname: 'h',
      pid: 4242,
      uid,
      cwd: '/',
      umask: 0o077,
      mailSpool: b.dir,
      comsat: async () => undefined,
    });
    expect(code).toBe(0);
    const read = (d: string) => files(join(d, 'Mail/work/new')).map((f) => fs.readFileSync(join(d, 'Mail/work/new', f), 'latin1'));
    // The From_ line's date differs by the time between the two runs; the rest must not.
    const norm = (t: string) => t.replace(/^From (\S+) {2}.*$/m, 'From $1  DATE');
    expect(read(a.dir).map(norm)).toEqual(read(b.dir).map(norm));
    expect(read(a.dir)).toHaveLength(1);
    const log = (d: string) => fs.readFileSync(join(d, 'log'), 'latin1').replace(/^From (\S+) {2}.*$/m, 'From $1  DATE').replace(/new\/\S+\s+/, 'new/NAME ');
    expect(log(a.dir)).toBe(log(b.dir));
  });

  it('stay warm: one process makes many deliveries, each with its own maildir name and $$', async () => {
    const a = home('MAILDIR=HOME_DIR/Mail\n:0\n* ^Subject:\n{ PIDS=$$\n:0 c\n| echo $$ >> HOME_DIR/pids\n:0\ninbox/\n}\n');
    const { pool: p, deliver } = pool();
    const results = [];
    for (let i = 0; i < 60; i++) results.push(await deliver(a.user, `${MSG}${i}\n`));
    expect(results.every((r) => r.kind === 'finished' && r.code === 0)).toBe(true);
    expect(files(join(a.dir, 'Mail/inbox/new'))).toHaveLength(60);
    const pids = fs.readFileSync(join(a.dir, 'pids'), 'latin1').trim().split('\n');
    expect(new Set(pids).size).toBe(60);
    expect(p.pids().get(a.user.name)).toHaveLength(1);
  });

  it('follow an edited rc file from the next delivery on, and leave its compiled form in the user\'s cache for the next worker', async () => {
    const a = home('MAILDIR=HOME_DIR/Mail\n:0\n* ^Subject: lunch\nlunch/\n');
    const first = pool();
    expect(await first.deliver(a.user, MSG)).toMatchObject({ kind: 'finished', code: 0 });
    // The same length, another folder: only the text tells the two apart.
    fs.writeFileSync(join(a.dir, '.procmailrc'), `MAILDIR=${a.dir}/Mail\n:0\n* ^Subject: lunch\nlnuch/\n`);
    expect(await first.deliver(a.user, MSG)).toMatchObject({ kind: 'finished', code: 0 });
    expect([files(join(a.dir, 'Mail/lunch/new')).length, files(join(a.dir, 'Mail/lnuch/new')).length]).toEqual([1, 1]);
    await first.pool.shutdown();
    // The user's cache holds the edited rc's compiled form. Changed there to deliver elsewhere (the rc's text
    // kept), it shows that a new worker takes it from the cache rather than compiling the rc again.
    const cacheDir = join(a.dir, '.cache', 'mailrules');
    const [cached] = files(cacheDir).filter((f) => f.endsWith('.json'));
    expect(cached).toBeDefined();
    const entry = JSON.parse(fs.readFileSync(join(cacheDir, cached!), 'latin1')) as { compiled: { items: unknown } };
    entry.compiled.items = JSON.parse(JSON.stringify(entry.compiled.items).replaceAll('"lnuch/"', '"cached/"'));
    fs.writeFileSync(join(cacheDir, cached!), JSON.stringify(entry), { mode: 0o600 });
    const second = pool();
    expect(await second.deliver(a.user, MSG)).toMatchObject({ kind: 'finished', code: 0 });
    expect(files(join(a.dir, 'Mail/cached/new'))).toHaveLength(1);
    expect(files(join(a.dir, 'Mail/lnuch/new'))).toHaveLength(1);
  });

  it('carry a message bigger than a chunk intact, 8-bit and NUL bytes included', async () => {
    const a = home('MAILDIR=HOME_DIR/Mail\n:0\ninbox/\n');
    const { deliver } = pool();
    const body = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let i = 0; i < body.length; i++) body[i] = i % 251 === 0 ? 0x0a : (i * 7) % 256;
    const msg = Buffer.concat([Buffer.from('Subject: big\n\n'), body, Buffer.from('\n')]);
    expect(await deliver(a.user, msg)).toMatchObject({ kind: 'finished', code: 0 });
    const [f] = files(join(a.dir, 'Mail/inbox/new'));
    const got = fs.readFileSync(join(a.dir, 'Mail/inbox/new', f!));
    // Maildir keeps the message without the From_ line the agent added.
    expect(got.equals(msg)).toBe(true);
  });

  it('kill -9 of a worker during a delivery fails that recipient only, and the next delivery gets a new worker', async () => {
    const rc = 'MAILDIR=HOME_DIR/Mail\n:0\n* ^Subject:.*hold\n{ :0 c\n| touch HOME_DIR/started; while [ ! -e HOME_DIR/go ]; do sleep 0.05; done\n}\n:0\ninbox/\n';
    const a = home(rc);
    const { pool: p, deliver } = pool();
    const held = deliver(a.user, 'Subject: hold\n\nx\n');
    await waitFor(() => fs.existsSync(join(a.dir, 'started')), 'the delivery to start');
    const [pid] = p.pids().get(a.user.name)!;
    // The worker alone, as the OOM killer or an admin would: its program is left waiting (released below).
    process.kill(pid!, 'SIGKILL');
    expect(await held).toMatchObject({ kind: 'failed', why: 'crashed', detail: 'delivery interrupted (worker signal SIGKILL)' });
    expect(files(join(a.dir, 'Mail/inbox/new'))).toEqual([]);
    const next = await deliver(a.user, 'Subject: plain\n\ny\n');
    expect(next).toMatchObject({ kind: 'finished', code: 0 });
    expect(p.pids().get(a.user.name)).not.toContain(pid);
    expect(files(join(a.dir, 'Mail/inbox/new'))).toHaveLength(1);
  });

  it('a delivery that hangs past --delivery-timeout is answered, and its worker killed with what it runs', async () => {
    const a = home('MAILDIR=HOME_DIR/Mail\n:0\n| echo $$ > HOME_DIR/started; exec sleep 600\n');
    const { pool: p, deliver } = pool({ deliveryTimeoutMs: 1500 });
    const r = deliver(a.user, 'Subject: hang\n\nx\n');
    await waitFor(() => fs.existsSync(join(a.dir, 'started')) && fs.readFileSync(join(a.dir, 'started'), 'latin1').endsWith('\n'), 'the delivery to start');
    const [pid] = p.pids().get(a.user.name)!;
    const program = Number(fs.readFileSync(join(a.dir, 'started'), 'latin1'));
    expect(await r).toMatchObject({ kind: 'failed', why: 'timeout' });
    await waitFor(() => !p.pids().get(a.user.name)?.includes(pid!), 'the worker to be gone');
    // The hung program went with its worker (its process group).
    await waitFor(() => !fs.existsSync(`/proc/${program}`), 'the program to be gone');
  });

  it('@reject: the finished result carries its text and the rejected disposition', async () => {
    const a = home('MAILDIR=HOME_DIR/Mail\n:0\n* ^Subject:.*spam\n@reject "no thanks"\n');
    const { deliver } = pool();
    const r = await deliver(a.user, 'Subject: spam\n\nx\n');
    expect(r).toMatchObject({ kind: 'finished', code: 67, disposition: 'rejected' });
    expect(r.kind === 'finished' ? r.rejectText : null).toContain('no thanks');
  });
});
