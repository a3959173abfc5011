#!/usr/bin/env node
// One LMTP user worker (dist/lmtp-worker.cjs) on its own, with and without
// the node flags the service gives it (src/lmtp/worker-flags.ts), side by
// side in one run, in alternating rounds: its start (fork to ready, then the
// first delivery), the round trip of a delivery sent over its channel (the
// worker's whole share of a delivery's latency: the message in, the rc, the
// rules, the maildir write, the reply out), and its memory after many
// deliveries and after some idle seconds (USS: Private_Clean + Private_Dirty
// of /proc/PID/smaps_rollup; PSS). No service and no LMTP: the worker is
// driven the way src/lmtp/worker-pool.ts drives it. It runs as whoever runs
// it and delivers as that user, into a maildir under --dir.
//
//   node bench/lmtp-worker.mjs [--deliveries 2000] [--rounds 2] [--idle 12] [--dir /dev/shm]
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { binaryNodeFlags } from '../scripts/build.mjs';
import { MAILDIR_RC } from './maildir-rc.mjs';
import { numberOption, percentile } from './options.mjs';
import { processMemory } from './process-memory.mjs';
import { workerMessages } from './worker-messages.mjs';

const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const WORKER = path.join(REPO, 'dist', 'lmtp-worker.cjs');
const CORPUS = path.join(REPO, '..', 'shared', 'corpus', 'spamassassin', 'nice');
const DELIVERIES = numberOption('--deliveries', 2000);
const ROUNDS = numberOption('--rounds', 2);
const IDLE_S = numberOption('--idle', 12);
const args = process.argv.slice(2);
const DIR = args.includes('--dir') ? args[args.indexOf('--dir') + 1] : fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();

if (!fs.existsSync(WORKER)) {
  console.error('dist/lmtp-worker.cjs is missing: run `npm run build` first');
  process.exit(2);
}

/** What the service forks a worker with (src/lmtp/fork-worker.ts): bin/mailrules' regex flags, a 1 MB young generation, then the variant's. */
const SHIPPED = [...fs.readFileSync(path.join(REPO, 'src', 'lmtp', 'worker-flags.ts'), 'latin1').matchAll(/'(--[a-z0-9=-]+)'/g)].map((m) => m[1]);
const BASE = [...binaryNodeFlags().filter((f) => !f.startsWith('--max-semi-space-size')), '--max-semi-space-size=1'];
const VARIANTS = [
  { name: `worker-flags.ts (${SHIPPED.join(' ')})`, flags: SHIPPED },
  { name: 'without them', flags: [] },
];

const MSGS = workerMessages(CORPUS);

async function run(variant) {
  const home = fs.mkdtempSync(path.join(DIR, 'mr-bench-worker-'));
  fs.chmodSync(home, 0o755);
  for (const d of ['cur', 'new', 'tmp']) fs.mkdirSync(path.join(home, 'Maildir', d), { recursive: true });
  fs.writeFileSync(path.join(home, '.procmailrc'), MAILDIR_RC, { mode: 0o644 });
  const uid = process.getuid();
  const name = os.userInfo().username;
  const t0 = performance.now();
  const child = fork(WORKER, [], { serialization: 'advanced', execArgv: [...BASE, ...variant.flags], stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env: { TZ: 'UTC' }, cwd: '/' });
  let answer = null;
  child.on('message', (m) => answer?.(m));
  const reply = () => new Promise((r) => (answer = r));
  try {
    child.send({ t: 'init', user: { name, uid, gid: process.getgid(), dir: home, shell: '/bin/sh' }, groups: [process.getgid()] });
    if ((await reply()).t !== 'ready') throw new Error('the worker did not become ready');
    const ready = performance.now() - t0;
    const trips = [];
    for (let i = 0; i < DELIVERIES; i++) {
      const m = MSGS[i % MSGS.length];
      const t = performance.now();
      child.send({ t: 'deliver', id: i + 1, argv: ['-t', '-f', 'bench@example.org', '-a', '', '-d', name], size: m.length, data: m, last: true });
      const r = await reply();
      trips.push(performance.now() - t);
      if (r.result?.code !== 0) throw new Error(`delivery ${i} failed: ${JSON.stringify(r.result)}`);
    }
    const busy = processMemory(child.pid);
    await new Promise((r) => setTimeout(r, IDLE_S * 1000));
    const idle = processMemory(child.pid);
    return { ready, first: trips[0], trips: trips.slice(1), busy, idle };
  } finally {
    child.kill('SIGKILL');
    fs.rmSync(home, { recursive: true, force: true });
  }
}

const fmt = (n, d = 1) => n.toFixed(d);

console.log(`One LMTP worker, ${DELIVERIES} deliveries one at a time into a maildir in ${DIR}, ${ROUNDS} rounds, ${os.cpus().length} CPUs, load average ${os.loadavg()[0].toFixed(1)}, node ${process.version}`);
const results = new Map(VARIANTS.map((v) => [v.name, []]));
for (let round = 0; round < ROUNDS; round++) {
  // Alternating order: the machine's load changes hit both alike.
  for (const v of round % 2 === 0 ? VARIANTS : [...VARIANTS].reverse()) results.get(v.name).push(await run(v));
}
for (const v of VARIANTS) {
  const rs = results.get(v.name);
  const all = rs.flatMap((r) => r.trips);
  const mean = (f) => rs.reduce((n, r) => n + f(r), 0) / rs.length;
  console.log(
    `\n  ${v.name}\n` +
      `    start: ready after ${fmt(mean((r) => r.ready))} ms, first delivery ${fmt(mean((r) => r.first))} ms (means of ${rs.length})\n` +
      `    round trip: p50 ${fmt(percentile(all, 50), 3)} ms, p90 ${fmt(percentile(all, 90), 3)} ms, p99 ${fmt(percentile(all, 99), 3)} ms\n` +
      `    after ${DELIVERIES} deliveries: USS ${fmt(mean((r) => r.busy.uss))} MB, PSS ${fmt(mean((r) => r.busy.pss))} MB; ${IDLE_S} s idle later: USS ${fmt(mean((r) => r.idle.uss))} MB, PSS ${fmt(mean((r) => r.idle.pss))} MB`,
  );
}
const [a, b] = VARIANTS.map((v) => results.get(v.name));
const ussRatio = a.reduce((n, r) => n + r.busy.uss, 0) / b.reduce((n, r) => n + r.busy.uss, 0);
console.log(`\n  USS after the deliveries, with / without: ${fmt(ussRatio, 2)}`);
