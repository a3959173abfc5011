#!/usr/bin/env node
// One LMTP worker forked by the zygote (docs/lmtp-zygote.md), driven for many
// deliveries, its own memory read as it goes: what a long-lived worker of a
// busy user holds, where bench/lmtp.mjs's 50-user run sees ten deliveries a
// worker. Several builds side by side in alternating rounds (--builds: this
// checkout by default; another checkout's dist/ to compare with, e.g. main's).
// For each: the zygote is forked as the service forks it (fork-worker.ts: the
// build's own worker flags, a 1 MB young generation), asked for one child
// (zygote-protocol.ts), and the child is driven over its socket in frames
// (frames.ts: a 4-byte length, then v8.serialize) as the pool drives it: init,
// then one delivery at a time into a maildir. USS (what the worker's exit
// would free: Private_Clean + Private_Dirty of /proc/PID/smaps_rollup) after
// each of --at deliveries, and after --idle seconds without mail.
//
// Run as root (the zygote is root, as under the service; the worker becomes
// root again). Not a test: it prints what it measured.
//
//   node bench/lmtp-zygote-worker.mjs [--builds DIR,DIR] [--at 10,100,1000] [--rounds 2] [--idle 12] [--dir /dev/shm]
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { binaryNodeFlags } from '../scripts/build.mjs';
import { MAILDIR_RC } from './maildir-rc.mjs';
import { numberOption } from './options.mjs';
import { processMemory } from './process-memory.mjs';
import { workerMessages } from './worker-messages.mjs';

const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const BUILDS = opt('--builds', REPO).split(',').map((d) => path.resolve(d));
const AT = opt('--at', '10,100,1000').split(',').map(Number).sort((a, b) => a - b);
const ROUNDS = numberOption('--rounds', 2);
const IDLE_S = numberOption('--idle', 12);
const DIR = opt('--dir', fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir());
const CORPUS = path.join(REPO, '..', 'shared', 'corpus', 'spamassassin', 'nice');

if (process.getuid?.() !== 0) {
  console.error('bench/lmtp-zygote-worker.mjs needs root: the zygote runs as root, as under the service');
  process.exit(2);
}
for (const b of BUILDS) {
  if (!fs.existsSync(path.join(b, 'dist', 'lmtp-worker.cjs'))) {
    console.error(`${b}/dist/lmtp-worker.cjs is missing: run \`npm run build\` there first`);
    process.exit(2);
  }
}

const MSGS = workerMessages(CORPUS);

/** The node flags the service forks the zygote with, as that build has them (fork-worker.ts). */
function zygoteFlags(build) {
  const shipped = [...fs.readFileSync(path.join(build, 'src', 'lmtp', 'worker-flags.ts'), 'latin1').matchAll(/'(--[a-z0-9=-]+)'/g)].map((m) => m[1]);
  return [...binaryNodeFlags().filter((f) => !f.startsWith('--max-semi-space-size')), ...shipped, '--max-semi-space-size=1'];
}

/** Frames on a socket: send(value), next() resolves to the next value read. */
function framed(socket) {
  let buf = Buffer.alloc(0);
  const values = [];
  let waiting = null;
  socket.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 4 && buf.length >= 4 + buf.readUInt32BE(0)) {
      const n = buf.readUInt32BE(0);
      values.push(deserialize(buf.subarray(4, 4 + n)));
      buf = buf.subarray(4 + n);
    }
    if (waiting !== null && values.length > 0) waiting(values.shift());
  });
  return {
    send(value) {
      const body = serialize(value);
      const head = Buffer.alloc(4);
      head.writeUInt32BE(body.length, 0);
      socket.write(Buffer.concat([head, body]));
    },
    next: () => (values.length > 0 ? Promise.resolve(values.shift()) : new Promise((r) => (waiting = (v) => ((waiting = null), r(v))))),
  };
}

async function run(build) {
  const home = fs.mkdtempSync(path.join(DIR, 'mr-bench-zworker-'));
  fs.chmodSync(home, 0o755);
  for (const d of ['cur', 'new', 'tmp']) fs.mkdirSync(path.join(home, 'Maildir', d), { recursive: true });
  fs.writeFileSync(path.join(home, '.procmailrc'), MAILDIR_RC, { mode: 0o644 });
  const zygote = fork(path.join(build, 'dist', 'lmtp-worker.cjs'), ['zygote'], {
    serialization: 'advanced',
    execArgv: zygoteFlags(build),
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: { TZ: 'UTC' },
    cwd: '/',
    detached: true,
  });
  let pid = null;
  try {
    const forked = await new Promise((resolve, reject) => {
      zygote.on('message', (m, handle) => {
        if (m.t === 'zygote-ready') zygote.send({ t: 'fork', id: 1 });
        else if (m.t === 'forked') {
          zygote.send({ t: 'took', id: 1 });
          resolve({ pid: m.pid, socket: handle });
        } else if (m.t === 'zygote-unavailable' || m.t === 'fork-failed') reject(new Error(m.error));
      });
      zygote.on('exit', () => reject(new Error('the zygote exited')));
    });
    pid = forked.pid;
    const ch = framed(forked.socket);
    ch.send({ t: 'init', user: { name: 'root', uid: 0, gid: 0, dir: home, shell: '/bin/sh' }, groups: [0] });
    if ((await ch.next()).t !== 'ready') throw new Error('the worker did not become ready');
    const uss = {};
    for (let i = 0; i < AT.at(-1); i++) {
      const m = MSGS[i % MSGS.length];
      ch.send({ t: 'deliver', id: i + 1, argv: ['-t', '-f', 'bench@example.org', '-a', '', '-d', 'root'], size: m.length, data: m, last: true });
      const r = await ch.next();
      if (r.result?.code !== 0) throw new Error(`delivery ${i} failed: ${JSON.stringify(r.result)}`);
      if (AT.includes(i + 1)) uss[i + 1] = processMemory(pid).uss;
    }
    await new Promise((r) => setTimeout(r, IDLE_S * 1000));
    uss.idle = processMemory(pid).uss;
    uss.zygote = processMemory(zygote.pid).uss;
    forked.socket.destroy();
    return uss;
  } finally {
    if (pid !== null) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    zygote.kill('SIGKILL');
    fs.rmSync(home, { recursive: true, force: true });
  }
}

console.log(`One worker forked by the zygote, ${AT.at(-1)} deliveries one at a time into a maildir in ${DIR}, ${ROUNDS} rounds, load average ${os.loadavg()[0].toFixed(1)}, node ${process.version}`);
const results = new Map(BUILDS.map((b) => [b, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const b of round % 2 === 0 ? BUILDS : [...BUILDS].reverse()) results.get(b).push(await run(b));
}
const keys = [...AT.map(String), 'idle', 'zygote'];
const label = (k) => (k === 'idle' ? `${IDLE_S} s idle` : k === 'zygote' ? 'zygote' : `after ${k}`);
console.log(`\n  worker USS, MB (mean of ${ROUNDS}):  ${keys.map((k) => label(k).padStart(12)).join('')}`);
for (const b of BUILDS) {
  const rs = results.get(b);
  const mean = (k) => rs.reduce((n, r) => n + r[k], 0) / rs.length;
  console.log(`  ${path.relative(process.cwd(), b) || '.'}`.padEnd(36) + keys.map((k) => mean(k).toFixed(2).padStart(12)).join(''));
}
