#!/usr/bin/env node
// LMTP benchmark (README "LMTP service"): the same messages and rc delivered into a
// user's maildir, 20 deliveries at a time as an MTA runs them, side by side
// in one run, on tmpfs and on disk:
//   procmail -d USER        spawned per message
//   mailrules -d USER       spawned per message (bin/mailrules)
//   mailrules lmtp          one service, 20 LMTP connections, warm workers
// Prints deliveries/s and the ratios, the service's own per-recipient
// latency at concurrency 20 and one at a time, the service's CPU time per
// delivery (utime + stime of its process tree, /proc/PID/stat), and peak memory: one
// process's for the spawned agents, the service's process tree (supervisor
// + workers) for the service. A last phase sends mail to 50 users over 20
// connections, once with a worker for every user and once with the workers
// bounded (--max-workers), and reports the tree's memory and throughput.
//
// Latency is the service's own measure, from its log lines: `ms` runs from
// the end of DATA to the recipient's reply (performance.now() in the
// service), `fsync_ms` is the part of it the worker spent inside fsync(2)
// (timed around each call). "Excluding fsync" is ms - fsync_ms per
// delivery, so it holds the spool, the hand-over to the worker, the rc
// load, the engine, the maildir write and the reply, but not the disk.
// Memory per process is read from /proc/PID/smaps_rollup: RSS, PSS
// (shared pages divided among their sharers: the sum over a tree is what
// the tree costs) and USS (Private_Clean + Private_Dirty: what its exit
// would free).
// Not a test: timings on shared machines vary; it prints what it measured.
//
// Needs root: the deliveries run as a made-up user, in a private mount
// namespace whose /etc/passwd, /etc/group and /var/mail are temporary
// copies (nothing on the host is touched).
//
//   node bench/lmtp.mjs [--messages 2000] [--rounds 4] [--concurrency 20] [--users 50]
//                       [--bounded-workers 8] [--tmpfs /dev/shm] [--disk /var/tmp]
//                       [--skip procmail-d,mailrules-d,lmtp,warm-users] [--worker-start fork|zygote]
//                       [--breakdown]
// --breakdown: after the 50-user run, where a worker's own memory is, by mapping
// and V8 space (bench/process-pages.mjs), for a few of the zygote's children,
// the zygote and the supervisor.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { MAILDIR_RC } from './maildir-rc.mjs';
import { numberOption, percentile } from './options.mjs';
import { processMemory } from './process-memory.mjs';
import { privatePagesTable } from './process-pages.mjs';

const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const BIN = path.join(REPO, 'bin', 'mailrules');
const PROCMAIL = '/usr/bin/procmail';
const CORPUS = path.join(REPO, '..', 'shared', 'corpus', 'spamassassin');

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const MESSAGES = numberOption('--messages', 2000);
const CONCURRENCY = numberOption('--concurrency', 20);
const WARM_USERS = numberOption('--users', 50);
const BOUNDED_WORKERS = numberOption('--bounded-workers', 8);
const TMPFS = opt('--tmpfs', '/dev/shm');
const DISK = opt('--disk', '/var/tmp');
/** `fork` or `zygote` (the service's hidden --worker-start); unset: the service's default (a build without the option has only fork). */
const WORKER_START = opt('--worker-start', null);
const SKIP = new Set((opt('--skip', '') ?? '').split(',').filter(Boolean));
const BREAKDOWN = args.includes('--breakdown');
const GOALS = { tmpfs: 2, disk: 1.5, p50ms: 1, rssMB: 150 };

// NODE_EXTRA_CA_CERTS alone adds ~30 ms to every node start here; an MTA gives its agents a clean environment.
const ENV = { PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`, TZ: 'UTC', LC_ALL: 'C' };

for (const f of ['dist/cli.cjs', 'dist/lmtp-worker.cjs', 'dist/deliver.cjs']) {
  if (!fs.existsSync(path.join(REPO, f))) {
    console.error(`${f} is missing: run \`npm run build\` first`);
    process.exit(2);
  }
}

// --- the mount namespace --------------------------------------------------------------------------

if (!args.includes('--inside')) {
  if (process.getuid?.() !== 0) {
    console.error('bench/lmtp.mjs needs root: deliveries run as a made-up user in a private mount namespace');
    process.exit(2);
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mr-bench-lmtp-'));
  fs.chmodSync(work, 0o755);
  const base = 3_000_000 + Math.floor(Math.random() * 100_000) * 128;
  // Users whose homes are on tmpfs (t0 for the runs, t1… warm users) and one on disk (d0).
  const homes = { t: path.join(TMPFS, `mr-bench-homes-${process.pid}`), d: path.join(DISK, `mr-bench-homes-${process.pid}`) };
  const users = [...Array.from({ length: WARM_USERS + 1 }, (_, i) => ({ name: `mrbencht${i}`, dir: homes.t })), { name: 'mrbenchd0', dir: homes.d }];
  let pw = fs.readFileSync('/etc/passwd', 'latin1').replace(/\n?$/, '\n');
  let gr = fs.readFileSync('/etc/group', 'latin1').replace(/\n?$/, '\n');
  users.forEach((u, i) => {
    pw += `${u.name}:x:${base + i}:${base + i}::${u.dir}/${u.name}:/bin/sh\n`;
    gr += `${u.name}:x:${base + i}:\n`;
  });
  // An overlay on /etc rather than bind mounts on its files: useradd elsewhere replaces /etc/passwd by
  // rename, which detaches a bind mount on the old file in every namespace.
  for (const d of ['upper', 'work', 'spool']) fs.mkdirSync(path.join(work, d));
  fs.writeFileSync(path.join(work, 'upper', 'passwd'), pw, { mode: 0o644 });
  fs.writeFileSync(path.join(work, 'upper', 'group'), gr, { mode: 0o644 });
  fs.chmodSync(path.join(work, 'spool'), 0o1777);
  for (const d of Object.values(homes)) fs.mkdirSync(d, { recursive: true, mode: 0o755 });
  const q = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
  const mounts = `mount -t overlay overlay -o ${q(`lowerdir=/etc,upperdir=${work}/upper,workdir=${work}/work`)} /etc && mount --bind ${q(path.join(work, 'spool'))} /var/mail`;
  const r = spawnSync('unshare', ['-m', 'sh', '-c', `${mounts} && exec "$@"`, 'sh', process.execPath, new URL(import.meta.url).pathname, ...args, '--inside', String(base)], {
    stdio: 'inherit',
    env: ENV,
  });
  for (const d of [work, ...Object.values(homes)]) fs.rmSync(d, { recursive: true, force: true });
  process.exit(r.status ?? 1);
}

const BASE_UID = Number(args[args.indexOf('--inside') + 1]);
const TMPFS_USERS = Array.from({ length: WARM_USERS + 1 }, (_, i) => ({ name: `mrbencht${i}`, uid: BASE_UID + i }));
const DISK_USER = { name: 'mrbenchd0', uid: BASE_UID + WARM_USERS + 1 };

// --- messages and rc -----------------------------------------------------------------------------

function messages() {
  const out = [];
  for (const sub of ['nice', 'spam']) {
    const dir = path.join(CORPUS, sub);
    if (!fs.existsSync(dir)) continue;
    for (const f of fs.readdirSync(dir).sort()) {
      const p = path.join(dir, f);
      if (fs.statSync(p).isFile()) out.push(fs.readFileSync(p));
    }
  }
  if (out.length === 0) {
    const body = 'Shall we meet at noon? '.repeat(170);
    for (let i = 0; i < 50; i++) out.push(Buffer.from(`From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: lunch ${i}\nMessage-ID: <m${i}@example.com>\n\n${body}\n`));
  }
  // Drop a leading From_ line: each agent writes its own.
  return out.map((m) => (m.subarray(0, 5).toString() === 'From ' ? m.subarray(m.indexOf(0x0a) + 1) : m));
}
const MSGS = messages();
const message = (i) => MSGS[i % MSGS.length];
const source = fs.existsSync(CORPUS) ? `${MSGS.length} SpamAssassin corpus messages, cycled` : '50 generated 4 KB messages, cycled';
const avgBytes = Math.round(MSGS.reduce((n, m) => n + m.length, 0) / MSGS.length);

/** The user's home (from passwd) made fresh: a maildir and the rc. */
function home(user) {
  const dir = fs.readFileSync('/etc/passwd', 'latin1').split('\n').find((l) => l.startsWith(`${user.name}:`)).split(':')[5];
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, 'Maildir'), { recursive: true });
  for (const d of ['cur', 'new', 'tmp']) fs.mkdirSync(path.join(dir, 'Maildir', d));
  fs.writeFileSync(path.join(dir, '.procmailrc'), MAILDIR_RC, { mode: 0o644 });
  spawnSync('chown', ['-R', `${user.uid}:${user.uid}`, dir]);
  fs.chmodSync(dir, 0o755);
  return dir;
}

function countDelivered(dir) {
  let n = 0;
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else if (path.basename(d) === 'new') n++;
    }
  };
  walk(path.join(dir, 'Maildir'));
  return n;
}

// --- contenders --------------------------------------------------------------------------------------

/** Spawns `argv` for messages [from, from+count), `CONCURRENCY` at a time; resolves to the wall time in ms. */
async function perMessage(argv, from, count) {
  const MESSAGES = from + count;
  let next = from;
  let failed = 0;
  const codes = new Map();
  const t0 = performance.now();
  const lane = async () => {
    while (next < MESSAGES) {
      const i = next++;
      const code = await new Promise((resolve) => {
        const c = spawn(argv[0], argv.slice(1), { env: ENV, stdio: ['pipe', 'ignore', 'ignore'] });
        c.on('error', () => resolve(-1));
        c.on('close', (code) => resolve(code));
        c.stdin.on('error', () => undefined);
        c.stdin.end(message(i));
      });
      if (code !== 0) {
        failed++;
        codes.set(code, (codes.get(code) ?? 0) + 1);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  return { ms: performance.now() - t0, failed, codes };
}

/** Peak RSS (MB) of one delivery by `argv` (getrusage of the finished child, through python3). */
function oneProcessRss(argv) {
  const py = 'import resource,subprocess,sys\nsubprocess.run(sys.argv[1:], stdin=sys.stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\nprint(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)';
  const r = spawnSync('python3', ['-c', py, ...argv], { input: message(0), env: ENV, encoding: 'latin1' });
  return r.status === 0 ? Number(r.stdout.trim()) / 1024 : NaN;
}

function startService(maxWorkers = 128) {
  // bin/mailrules itself, as systemd's unit runs it: its #! line's node flags apply to the service too.
  const how = WORKER_START === null ? [] : ['--worker-start', WORKER_START];
  const c = spawn(BIN, ['lmtp', '--listen', '127.0.0.1:0', '--user-concurrency', String(CONCURRENCY), '--max-connections', '200', '--max-workers', String(maxWorkers), ...how], {
    env: ENV,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  c.stderr.on('data', (d) => (log += d.toString('latin1')));
  return new Promise((resolve, reject) => {
    const t = setInterval(() => {
      const m = /^started .*listen=127\.0\.0\.1:(\d+)/m.exec(log);
      // Unless asked for plain forks: measured once the zygote forks (before, workers are started the plain way).
      if (m && (WORKER_START === 'fork' || /^zygote note="(zygote \d+ ready|no zygote)/m.test(log))) {
        clearInterval(t);
        resolve({ proc: c, port: Number(m[1]), log: () => log });
      }
    }, 20);
    c.on('exit', () => {
      clearInterval(t);
      reject(new Error(`service exited:\n${log}`));
    });
  });
}

/** A message as an MTA sends it after DATA (CRLF, dot-stuffed, the final dot), made once per message as an MTA's queue file would hold it. */
const wire = new Map();
function onTheWire(msg) {
  let w = wire.get(msg);
  if (w === undefined) {
    const body = msg.toString('latin1').replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..');
    w = Buffer.from(`${body}${body.endsWith('\r\n') ? '' : '\r\n'}.\r\n`, 'latin1');
    wire.set(msg, w);
  }
  return w;
}

/** One LMTP connection that sends transactions one after another. */
function connection(port) {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.setNoDelay(true);
    let buf = '';
    let waiting = null;
    s.on('data', (d) => {
      buf += d.toString('latin1');
      if (waiting) waiting();
    });
    s.on('error', reject);
    const replies = async (n) => {
      for (;;) {
        const lines = buf.split('\r\n');
        const done = lines.slice(0, -1).filter((l) => !/^\d{3}-/.test(l));
        if (done.length >= n) {
          let cut = 0;
          let seen = 0;
          for (const l of lines.slice(0, -1)) {
            cut += l.length + 2;
            if (!/^\d{3}-/.test(l) && ++seen === n) break;
          }
          buf = buf.slice(cut);
          return done.slice(0, n);
        }
        await new Promise((r) => (waiting = r));
        waiting = null;
      }
    };
    s.once('connect', async () => {
      await replies(1);
      s.write('LHLO bench\r\n');
      await replies(1);
      resolve({
        /** One transaction: MAIL, RCPT and DATA pipelined, then the message; resolves to the final reply. */
        async send(rcpts, msg) {
          s.write(`MAIL FROM:<bench@example.org>\r\n${rcpts.map((r) => `RCPT TO:<${r}@localhost>\r\n`).join('')}DATA\r\n`);
          const r = await replies(rcpts.length + 2);
          if (!r.at(-1).startsWith('354')) throw new Error(`DATA refused: ${r.join(' | ')}`);
          s.write(onTheWire(msg));
          return replies(rcpts.length);
        },
        close: () => s.end('QUIT\r\n'),
      });
    });
  });
}

/** Every process's children: Map(ppid -> [pid, ...]), as strings. */
function childrenMap() {
  const children = new Map();
  for (const line of (spawnSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'latin1' }).stdout ?? '').split('\n')) {
    const [p, pp] = line.trim().split(/\s+/);
    if (p !== undefined && pp !== undefined) children.set(pp, [...(children.get(pp) ?? []), p]);
  }
  return children;
}

/** Every descendant of `pid` (as strings): workers forked by the zygote are its children, not the supervisor's. */
function descendants(pid) {
  const children = childrenMap();
  const all = [];
  for (let todo = [String(pid)]; todo.length > 0; ) {
    const next = children.get(todo.pop()) ?? [];
    all.push(...next);
    todo.push(...next);
  }
  return all;
}

/** CPU time (utime + stime, ms) of the service's process tree, and of the supervisor alone: `delivery` lines say per delivery. */
function treeCpu(pid) {
  const all = [String(pid), ...descendants(pid)];
  const ticks = (p) => {
    try {
      const stat = fs.readFileSync(`/proc/${p}/stat`, 'latin1');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return Number(f[11]) + Number(f[12]);
    } catch {
      return 0;
    }
  };
  const tick = 1000 / CLOCK_TICKS;
  return { tree: all.reduce((n, p) => n + ticks(p), 0) * tick, supervisor: ticks(pid) * tick };
}
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'latin1' }).stdout.trim()) || 100;

/** The service's process tree: RSS, PSS and USS sums (MB), the supervisor's share, and the number of processes. */
function treeMemory(pid) {
  const kids = descendants(pid);
  const sum = { rss: 0, pss: 0, uss: 0, procs: 0, supervisor: null };
  for (const p of [String(pid), ...kids]) {
    const m = processMemory(p);
    if (m === null) continue;
    if (p === String(pid)) sum.supervisor = m;
    sum.rss += m.rss;
    sum.pss += m.pss;
    sum.uss += m.uss;
    sum.procs++;
  }
  return sum;
}

/** "RSS … PSS … USS …" of a treeMemory(), with the supervisor and the mean worker apart. */
function memoryLine(m) {
  const workers = m.procs - 1;
  const sup = m.supervisor ?? { rss: NaN, pss: NaN, uss: NaN };
  const per = (k) => (workers > 0 ? (m[k] - sup[k]) / workers : NaN);
  return (
    `${m.procs} processes: RSS ${fmt(m.rss, 1)} MB (sum; shared pages counted in each), PSS ${fmt(m.pss, 1)} MB, USS ${fmt(m.uss, 1)} MB; ` +
    `supervisor PSS ${fmt(sup.pss, 1)} / USS ${fmt(sup.uss, 1)} MB, a worker on average PSS ${fmt(per('pss'), 1)} / USS ${fmt(per('uss'), 1)} MB`
  );
}

/** Per delivery, from the service's log lines: `ms` (end of DATA to reply) and `fsync_ms` (the worker's time in fsync). */
const latencies = (log) => [...log.matchAll(/^delivery .* ms=([\d.]+) fsync_ms=([\d.]+)$/gm)].map((m) => ({ ms: Number(m[1]), fsync: Number(m[2]) }));
/** "p50 …, p99 …" of all, then without fsync, then fsync alone. */
function latencyLine(xs) {
  const all = xs.map((x) => x.ms);
  const own = xs.map((x) => x.ms - x.fsync);
  const sync = xs.map((x) => x.fsync);
  return (
    `p50 ${fmt(percentile(all, 50), 2)} ms, p99 ${fmt(percentile(all, 99), 2)} ms; excluding fsync p50 ${fmt(percentile(own, 50), 2)} ms, p99 ${fmt(percentile(own, 99), 2)} ms` +
    ` (fsync p50 ${fmt(percentile(sync, 50), 2)} ms; ${xs.length} deliveries)`
  );
}

/** A running service with its user's workers warm (their start-up is paid once per user, not per message). */
async function warmService(USER) {
  const svc = await startService();
  const warm = await connection(svc.port);
  await warm.send([USER.name], message(0)).catch((e) => {
    throw new Error(`${e.message}\n--- service log\n${svc.log()}`);
  });
  warm.close();
  const peak = { rss: 0, pss: 0, uss: 0, procs: 0, supervisor: null };
  const sampler = setInterval(() => {
    const m = treeMemory(svc.proc.pid);
    if (m.pss > peak.pss) Object.assign(peak, m);
  }, 100);
  return {
    ...svc,
    peak,
    async stop() {
      clearInterval(sampler);
      svc.proc.kill('SIGTERM');
      await new Promise((r) => svc.proc.on('exit', r));
    },
  };
}

/** Messages [from, from+count) over CONCURRENCY connections, a transaction each; the server-side latencies from its log. */
async function lmtpBatch(svc, USER, from, count) {
  const logStart = svc.log().length;
  const conns = await Promise.all(Array.from({ length: CONCURRENCY }, () => connection(svc.port)));
  let next = from;
  let failed = 0;
  const t0 = performance.now();
  await Promise.all(
    conns.map(async (c) => {
      while (next < from + count) {
        const i = next++;
        const [r] = await c.send([USER.name], message(i));
        if (!r.startsWith('250')) failed++;
      }
    }),
  );
  const ms = performance.now() - t0;
  for (const c of conns) c.close();
  await new Promise((r) => setTimeout(r, 200));
  return { ms, failed, latencies: latencies(svc.log().slice(logStart)) };
}

/** One delivery at a time: the latency of a single delivery, nothing queued before it. */
async function soloLatencies(svc, USER, n) {
  const solo = await connection(svc.port);
  const start = svc.log().length;
  for (let i = 0; i < n; i++) await solo.send([USER.name], message(i));
  solo.close();
  await new Promise((r) => setTimeout(r, 200));
  return latencies(svc.log().slice(start));
}

/**
 * 10 messages to each of 50 users, round robin over 20 connections: every
 * user's worker is started once and kept (maxWorkers above the users), or
 * at most maxWorkers exist and the least recently used gives way.
 */
async function warmUsersRun(maxWorkers) {
  const svc = await startService(maxWorkers);
  const users = TMPFS_USERS.slice(1);
  const dirs = users.map((u) => home(u));
  try {
    const conns = await Promise.all(Array.from({ length: CONCURRENCY }, () => connection(svc.port)));
    let next = 0;
    let failed = 0;
    const total = WARM_USERS * 10;
    let peak = { rss: 0, pss: 0, uss: 0, procs: 0, supervisor: null };
    const sampler = setInterval(() => {
      const m = treeMemory(svc.proc.pid);
      if (m.pss > peak.pss) peak = m;
    }, 100);
    const t0 = performance.now();
    await Promise.all(
      conns.map(async (c) => {
        while (next < total) {
          const i = next++;
          const [r] = await c.send([users[i % WARM_USERS].name], message(i));
          if (!r.startsWith('250')) failed++;
        }
      }),
    );
    const ms = performance.now() - t0;
    clearInterval(sampler);
    const after = treeMemory(svc.proc.pid);
    // The sampler looks every 100 ms: the last look can be the highest.
    if (after.pss > peak.pss) peak = after;
    const breakdown = BREAKDOWN && maxWorkers > WARM_USERS ? privateMemoryLines(svc.proc.pid) : [];
    for (const c of conns) c.close();
    // Idle for a while: what the tree shrinks to once the workers' heaps are trimmed.
    await new Promise((r) => setTimeout(r, IDLE_SAMPLE_MS));
    const idle = treeMemory(svc.proc.pid);
    const starts = (svc.log().match(/^worker note="worker \S+ for \S+ ready/gm) ?? []).length;
    return { peak, after, idle, rate: (total * 1000) / ms, failed, total, starts, breakdown };
  } finally {
    svc.proc.kill('SIGTERM');
    await new Promise((r) => svc.proc.on('exit', r));
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  }
}
/** --breakdown: the private pages of up to 8 of the zygote's children (mean), of the zygote and of the supervisor. */
function privateMemoryLines(pid) {
  const children = childrenMap();
  const zygote = (children.get(String(pid)) ?? []).find((p) => (children.get(p) ?? []).length > 0);
  if (zygote === undefined) return ['  no zygote with children: nothing to break down'];
  const workers = children.get(zygote).slice(0, 8);
  return [
    `  private memory of a worker forked by the zygote, by what it holds (mean of ${workers.length}, KB):`,
    ...privatePagesTable(workers, zygote),
    '  of the zygote:',
    ...privatePagesTable([zygote]),
    '  of the supervisor:',
    ...privatePagesTable([String(pid)]),
  ];
}

/** How long the warm-users phase waits, idle, before its last memory sample. */
const IDLE_SAMPLE_MS = 12_000;

// --- run -------------------------------------------------------------------------------------------------

const fmt = (n, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : '-');
console.log(`LMTP benchmark: ${MESSAGES} messages (${source}, ${avgBytes} bytes on average), concurrency ${CONCURRENCY}, ${os.cpus().length} CPUs, node ${process.version}`);
const results = {};
const ROUNDS = numberOption('--rounds', 4);
for (const [label, where, USER] of [
  ['tmpfs', TMPFS, TMPFS_USERS[0]],
  ['disk', DISK, DISK_USER],
]) {
  const fsType = spawnSync('stat', ['-f', '-c', '%T', where], { encoding: 'latin1' }).stdout.trim();
  console.log(`\n== ${label}: ${where} (${fsType}), ${ROUNDS} interleaved rounds`);
  const dir = home(USER);
  const contenders = [
    { name: 'procmail -d', key: 'procmail-d', argv: [PROCMAIL, '-d', USER.name] },
    { name: 'mailrules -d', key: 'mailrules-d', argv: [process.execPath, BIN, '-d', USER.name] },
    { name: 'mailrules lmtp', key: 'lmtp', argv: null },
  ].filter((c) => !SKIP.has(c.key) && (c.key !== 'procmail-d' || fs.existsSync(PROCMAIL)));
  const row = Object.fromEntries(contenders.map((c) => [c.name, { ms: 0, failed: 0, codes: new Map(), latencies: [] }]));
  const svc = contenders.some((c) => c.argv === null) ? await warmService(USER) : null;
  const before = countDelivered(dir);
  const cpuBefore = svc === null ? null : treeCpu(svc.proc.pid);
  // Each round gives every contender its share, in a rotating order: the machine's load changes hit all alike.
  const share = Math.ceil(MESSAGES / ROUNDS);
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < contenders.length; k++) {
      const c = contenders[(round + k) % contenders.length];
      const from = round * share;
      const count = Math.min(share, MESSAGES - from);
      const r = c.argv === null ? await lmtpBatch(svc, USER, from, count) : await perMessage(c.argv, from, count);
      const acc = row[c.name];
      acc.ms += r.ms;
      acc.failed += r.failed;
      for (const [code, n] of r.codes ?? []) acc.codes.set(code, (acc.codes.get(code) ?? 0) + n);
      acc.latencies.push(...(r.latencies ?? []));
    }
  }
  const stored = countDelivered(dir) - before;
  // Read before the one-at-a-time deliveries, with the workers still alive (their CPU leaves the tree with them).
  const cpu = cpuBefore === null ? null : treeCpu(svc.proc.pid);
  const single = svc === null ? [] : await soloLatencies(svc, USER, 200);
  if (svc !== null) await svc.stop();
  for (const c of contenders) {
    const r = row[c.name];
    r.rate = (MESSAGES * 1000) / r.ms;
    const failed = r.failed ? `, ${r.failed} FAILED${r.codes.size ? ` (exit ${[...r.codes].map(([k, n]) => `${k}: ${n}`).join(', ')})` : ''}` : '';
    let line = `  ${c.name.padEnd(15)} ${fmt(r.rate).padStart(6)} deliveries/s  (${fmt(r.ms / 1000, 1)} s${failed})`;
    if (c.argv) {
      r.rss = oneProcessRss(c.argv);
      line += `  peak RSS ${fmt(r.rss, 1)} MB per process`;
    } else {
      r.single = single;
      line +=
        `\n${' '.repeat(18)}server-side latency at concurrency ${CONCURRENCY}: ${latencyLine(r.latencies)}` +
        `\n${' '.repeat(18)}one at a time: ${latencyLine(single)}` +
        `\n${' '.repeat(18)}CPU of the service (supervisor, zygote and workers) ${fmt((cpu.tree - cpuBefore.tree) / MESSAGES, 3)} ms per delivery, the supervisor's ${fmt((cpu.supervisor - cpuBefore.supervisor) / MESSAGES, 3)} ms` +
        `\n${' '.repeat(18)}peak memory of the service, ${memoryLine(svc.peak)}`;
    }
    console.log(line);
  }
  const expected = MESSAGES * contenders.length;
  console.log(`  stored: ${stored} messages in the maildir (expected ${expected})`);
  fs.rmSync(dir, { recursive: true, force: true });
  const lm = row['mailrules lmtp'];
  const pm = row['procmail -d'];
  const md = row['mailrules -d'];
  if (lm && pm) {
    const ratio = lm.rate / pm.rate;
    const goal = GOALS[label];
    console.log(`  lmtp / procmail -d      = ${fmt(ratio, 2)}  (goal >= ${goal}: ${ratio >= goal ? 'met' : 'NOT met'})`);
  }
  if (lm && md) console.log(`  lmtp / mailrules -d     = ${fmt(lm.rate / md.rate, 1)}`);
  if (pm && md) console.log(`  procmail / mailrules -d = ${fmt(pm.rate / md.rate, 1)}`);
  results[label] = row;
}
console.log(`load average at the end: ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
for (const label of ['tmpfs', 'disk']) {
  const t = results[label]?.['mailrules lmtp'];
  if (!t) continue;
  const own = percentile(
    t.single.map((x) => x.ms - x.fsync),
    50,
  );
  console.log(`server-side p50 excluding fsync on ${label}, one at a time: ${fmt(own, 2)} ms (goal <= ${GOALS.p50ms}: ${own <= GOALS.p50ms ? 'met' : 'NOT met'})`);
}
if (!SKIP.has('warm-users')) {
  for (const maxWorkers of [WARM_USERS + 14, BOUNDED_WORKERS]) {
    const w = await warmUsersRun(maxWorkers);
    const failed = w.failed ? `, ${w.failed} FAILED` : '';
    console.log(
      `\n== ${WARM_USERS} users, ${CONCURRENCY} connections, --max-workers ${maxWorkers} (${w.total} deliveries on tmpfs, 10 per user, round robin)\n` +
        `  ${fmt(w.rate)} deliveries/s${failed}; ${w.starts} worker starts\n` +
        `  at the peak (PSS), ${memoryLine(w.peak)}\n` +
        `  after the run, ${memoryLine(w.after)}\n` +
        `  idle ${IDLE_SAMPLE_MS / 1000} s later, ${memoryLine(w.idle)}\n` +
        `  goal <= ${GOALS.rssMB} MB: ${w.peak.pss <= GOALS.rssMB ? 'met' : 'NOT met'} (peak PSS of the tree)`,
    );
    if (w.breakdown.length > 0) console.log(w.breakdown.join('\n'));
  }
}
