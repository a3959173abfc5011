import * as fs from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { UserEntry } from '../../src/deliver/userdb.js';
import type { DeliveryResult } from '../../src/lmtp/delivery-result.js';
import { SpoolDirectory } from '../../src/lmtp/spool.js';
import { LMTP_WORKER_NODE_FLAGS } from '../../src/lmtp/worker-flags.js';
import { WorkerPool } from '../../src/lmtp/worker-pool.js';
import type { ZygoteStarter } from '../../src/lmtp/zygote-start.js';
import { tempDir } from '../deliver/helpers.js';
import { testZygote, untilReady } from './worker-bundle.js';
import { waitFor } from '../helpers/poll.js';

/**
 * What only workers forked by the zygote (native/zygote-fork.c,
 * src/lmtp/zygote.ts) can get wrong: whose children they are, who they
 * become, the zygote dying under them, zombies, and several forks asked
 * for at once (each answered by exactly one child).
 */
const root = process.getuid?.() === 0;
const NOBODY = 65534;
const pools: WorkerPool[] = [];
const starters: ZygoteStarter[] = [];

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.shutdown()));
  for (const s of starters.splice(0)) s.close();
});

function home(uid: number, gid: number, name: string): UserEntry {
  const dir = tempDir();
  fs.chmodSync(dir, 0o755);
  fs.writeFileSync(join(dir, '.procmailrc'), `MAILDIR=${dir}/Mail\n:0\ninbox/\n`, { mode: 0o644 });
  fs.mkdirSync(join(dir, 'Mail'));
  fs.chownSync(dir, uid, gid);
  fs.chownSync(join(dir, 'Mail'), uid, gid);
  fs.chownSync(join(dir, '.procmailrc'), uid, gid);
  return { name, uid, gid, dir, shell: '/bin/sh' };
}

function me(name: string): UserEntry {
  return home(process.getuid?.() ?? 0, process.getgid?.() ?? 0, name);
}

async function setup(stderr: string[] = []): Promise<{ zygote: ZygoteStarter; pool: WorkerPool; deliver: (u: UserEntry) => Promise<DeliveryResult>; log: string[] }> {
  const zygote = await testZygote(stderr);
  starters.push(zygote);
  const log: string[] = [];
  const pool = new WorkerPool({
    fork: zygote.fork,
    maxWorkers: 16,
    perUser: 1,
    workerIdleMs: 60_000,
    extraWorkerIdleMs: 60_000,
    deliveryTimeoutMs: 60_000,
    startTimeoutMs: 30_000,
    exitGraceMs: 5_000,
    maxBytesInDelivery: 64 * 1024 * 1024,
    chunkBytes: 64 * 1024,
    log: (line) => log.push(line),
  });
  pools.push(pool);
  const spool = new SpoolDirectory(tempDir(), fs, process.pid, 128 * 1024);
  const deliver = (u: UserEntry): Promise<DeliveryResult> => {
    const s = spool.open();
    s.write(Buffer.from('From: a@example.org\nSubject: hi\n\nhello\n'));
    return pool.deliver({ user: u, groups: () => [u.gid], argv: ['-t', '-f', 'a@example.org', '-a', '', '-d', u.name], message: s.finish() });
  };
  return { zygote, pool, deliver, log };
}

/** Fields of /proc/PID/stat after the command name: [state, ppid, ...]. */
function stat(pid: number): string[] | null {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    return s.slice(s.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

function childrenOf(ppid: number): Array<{ pid: number; state: string }> {
  const out = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const s = stat(Number(d));
    if (s !== null && Number(s[1]) === ppid) out.push({ pid: Number(d), state: s[0]! });
  }
  return out;
}

const workerPid = (pool: WorkerPool, u: UserEntry): number => pool.pids().get(u.name)![0]!;

const until = (check: () => boolean, what: string): Promise<void> => waitFor(check, what, 20);

describe('workers forked by the zygote', () => {
  it('are its children, lead their own process group, and deliver', async () => {
    const { zygote, pool, deliver } = await setup();
    const u = me('zself');
    expect(await deliver(u)).toMatchObject({ kind: 'finished', code: 0 });
    const pid = workerPid(pool, u);
    expect(Number(stat(pid)![1])).toBe(zygote.pid);
    // The pgrp field: setsid() made it the leader of its own.
    expect(Number(stat(pid)![2])).toBe(pid);
    expect(fs.readdirSync(join(u.dir, 'Mail/inbox/new'))).toHaveLength(1);
  });

  it('come from a zygote whose warm-up ran the worker loop over a socket without failing, and left no descriptor of it open', async () => {
    const stderr: string[] = [];
    const { zygote, deliver } = await setup(stderr);
    // Ready, nothing forked yet: the warm-up's listening socket and the connection it accepted (both named by
    // the path in the warm-up's directory) are closed, so no child inherits them.
    const inodes = fs
      .readdirSync(`/proc/${zygote.pid}/fd`)
      .map((fd) => /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${zygote.pid}/fd/${fd}`))?.[1])
      .filter((i) => i !== undefined);
    expect(inodes.length).toBeGreaterThan(0);
    const unix = fs.readFileSync('/proc/net/unix', 'latin1').split('\n').map((l) => l.trim().split(/\s+/));
    expect(unix.filter((f) => inodes.includes(f[6]) && (f[7] ?? '').includes('mailrules-zygote-'))).toEqual([]);
    // A delivery: the zygote's stderr (where a failed warm-up is said) has arrived by then.
    expect(await deliver(me('zwarm'))).toMatchObject({ kind: 'finished', code: 0 });
    expect(stderr.filter((l) => /warm-up/.test(l))).toEqual([]);
  });

  it("run with the workers' node flags, which they inherit from the zygote's command line", async () => {
    const { pool, deliver } = await setup();
    const u = me('zflags');
    expect(await deliver(u)).toMatchObject({ kind: 'finished', code: 0 });
    // A fork keeps its parent's argv: what V8 was started with is what the worker runs with.
    const argv = fs.readFileSync(`/proc/${workerPid(pool, u)}/cmdline`, 'latin1').split('\0');
    expect(LMTP_WORKER_NODE_FLAGS.length).toBeGreaterThan(0);
    for (const flag of LMTP_WORKER_NODE_FLAGS) expect(argv).toContain(flag);
    expect(argv).toContain('zygote');
  });

  it.runIf(root)('become the user they are given before they read its files', async () => {
    const { pool, deliver } = await setup();
    const u = home(NOBODY, NOBODY, 'znobody');
    expect(await deliver(u)).toMatchObject({ kind: 'finished', code: 0 });
    const status = fs.readFileSync(`/proc/${workerPid(pool, u)}/status`, 'latin1');
    expect(/^Uid:\s+(.*)$/m.exec(status)![1]!.split(/\s+/)).toEqual([String(NOBODY), String(NOBODY), String(NOBODY), String(NOBODY)]);
    expect(/^Groups:\s*(.*)$/m.exec(status)![1]!.trim()).toBe(String(NOBODY));
    const [file] = fs.readdirSync(join(u.dir, 'Mail/inbox/new'));
    expect(fs.statSync(join(u.dir, 'Mail/inbox/new', file!)).uid).toBe(NOBODY);
  });

  it('asked for several at once, fork exactly one child each (a child never acts on a request meant for the zygote)', async () => {
    const { zygote, pool, deliver } = await setup();
    const users = Array.from({ length: 6 }, (_, i) => me(`zmany${i}`));
    const results = await Promise.all(users.map((u) => deliver(u)));
    expect(results.every((r) => r.kind === 'finished' && r.code === 0)).toBe(true);
    const workers = users.map((u) => workerPid(pool, u)).sort();
    expect(childrenOf(zygote.pid!).map((c) => c.pid).sort()).toEqual(workers);
  });

  it('kill -9 of a worker: 451 for its delivery, a new worker for the next, and no zombie left', async () => {
    const { zygote, pool, deliver } = await setup();
    const u = me('zkill');
    fs.writeFileSync(join(u.dir, '.procmailrc'), `:0\n| sleep 30\n`);
    const running = deliver(u);
    await until(() => pool.pids().get(u.name) !== undefined && childrenOf(workerPid(pool, u)).length > 0, 'the delivery to run');
    const pid = workerPid(pool, u);
    process.kill(pid, 'SIGKILL');
    expect(await running).toMatchObject({ kind: 'failed', why: 'crashed' });
    try {
      // Its program, if it still runs.
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone with it
    }
    fs.writeFileSync(join(u.dir, '.procmailrc'), `MAILDIR=${u.dir}/Mail\n:0\ninbox/\n`);
    expect(await deliver(u)).toMatchObject({ kind: 'finished', code: 0 });
    expect(workerPid(pool, u)).not.toBe(pid);
    await until(() => childrenOf(zygote.pid!).every((c) => c.state !== 'Z') && stat(pid) === null, 'the zygote to reap');
  });

  it('kill -9 of the zygote: its workers deliver on, new ones are started anyway, and another zygote takes over', async () => {
    const { zygote, pool, deliver, log } = await setup();
    const a = me('zdie');
    expect(await deliver(a)).toMatchObject({ kind: 'finished', code: 0 });
    const first = zygote.pid!;
    const worker = workerPid(pool, a);
    process.kill(first, 'SIGKILL');
    await until(() => !zygote.ready, 'the zygote to be missed');
    // Its worker lives on, on its own socket.
    expect(await deliver(a)).toMatchObject({ kind: 'finished', code: 0 });
    expect(workerPid(pool, a)).toBe(worker);
    // A new user meanwhile: a plain fork, or the next zygote's child; either way delivered.
    const b = me('zdie2');
    expect(await deliver(b)).toMatchObject({ kind: 'finished', code: 0 });
    await untilReady(zygote, log);
    expect(zygote.pid).not.toBe(first);
    const c = me('zdie3');
    expect(await deliver(c)).toMatchObject({ kind: 'finished', code: 0 });
    expect(Number(stat(workerPid(pool, c))![1])).toBe(zygote.pid);
    for (const u of [a, b, c]) expect(fs.readdirSync(join(u.dir, 'Mail/inbox/new')).length).toBeGreaterThan(0);
  });

  it('shut down with the pool: a running delivery finishes, then every worker exits and the zygote is left with no child', async () => {
    const { zygote, pool, deliver } = await setup();
    const u = me('zdrain');
    fs.writeFileSync(join(u.dir, '.procmailrc'), `MAILDIR=${u.dir}/Mail\n:0 w\n| while [ ! -e ${u.dir}/go ]; do sleep 0.05; done\n:0\ninbox/\n`);
    const running = deliver(u);
    await until(() => pool.pids().get(u.name) !== undefined && childrenOf(workerPid(pool, u)).length > 0, 'the delivery to run');
    const done = pool.shutdown();
    fs.writeFileSync(join(u.dir, 'go'), '');
    expect(await running).toMatchObject({ kind: 'finished', code: 0 });
    await done;
    await until(() => childrenOf(zygote.pid!).length === 0, 'the workers to be reaped');
  });
});
