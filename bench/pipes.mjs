#!/usr/bin/env node
// What programs cost a delivery: the delivery agent (dist/deliver.cjs) on
// rcfiles with 0, 1 and 10 `| cmd` pipes, with SHELL=/bin/sh and with
// SHELL=/bin/bash and a ~/.bashrc (the skeleton one Debian gives new users),
// measured interleaved in one run (rotating order each round) so machine
// noise hits all alike; medians and ratios. With `--base DIR` the same runs
// go through another build's dist/ too (e.g. main's, before a change), and
// the ratios say what the change costs or saves: start-up (0 pipes) and per
// pipe ((10 pipes - 1 pipe) / 9). procmail is shown for reference. Besides
// wall time, the CPU time the delivery and its programs used (the children's
// times in /proc/self/stat, summed over the rounds): on a loaded machine the
// wall medians move by 10-20 % between runs, the CPU sums by a few. Not a
// test: timings on shared machines flake. Debian's skeleton ~/.bashrc returns
// at once when not interactive, so bash reading it costs little; the ones that
// do work first (a pyenv or nvm set-up) cost each pipe what they cost.
//
//   node bench/pipes.mjs [--rounds 30] [--warmup 3] [--base OTHER/dist]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { median, numberOption } from './options.mjs';
import { binaryNodeFlags } from '../scripts/build.mjs';

const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const PROCMAIL = '/usr/bin/procmail';
const ROUNDS = numberOption('--rounds', 30);
const WARMUP = numberOption('--warmup', 3);
const baseIndex = process.argv.indexOf('--base');
const BASE = baseIndex > 0 ? path.resolve(process.argv[baseIndex + 1]) : null;

const builds = [{ name: 'this', bundle: path.join(REPO, 'dist', 'deliver.cjs') }];
if (BASE !== null) builds.push({ name: 'base', bundle: path.join(BASE, 'deliver.cjs') });
for (const b of builds) {
  if (!fs.existsSync(b.bundle)) {
    console.error(`${b.bundle} is missing: run \`npm run build\` first`);
    process.exit(2);
  }
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mr-bench-pipes-'));
const home = path.join(dir, 'home');
fs.mkdirSync(home);
const skel = '/etc/skel/.bashrc';
fs.writeFileSync(path.join(home, '.bashrc'), fs.existsSync(skel) ? fs.readFileSync(skel) : 'PS1="\\u@\\h:\\w\\$ "\nalias ls="ls --color=auto"\n');
const inbox = path.join(dir, 'inbox');
fs.writeFileSync(inbox, '', { mode: 0o600 });
// An old atime keeps procmail from sleeping 1 s per delivery (its "new mail" atime trick).
const old = new Date('2001-01-01T00:00:00Z');
fs.utimesSync(inbox, old, old);

function rcfile(name, shell, pipes) {
  const lines = [`MAILDIR=${dir}`, `LOGFILE=${dir}/log`, `SHELL=${shell}`, `HOME=${home}`];
  // `;` makes each a shell command, as most real pipes are. `w`: procmail too waits for each, so
  // no program outlives its delivery and slows the next command of the round.
  for (let i = 0; i < pipes; i++) lines.push(':0 wc', '| cat >/dev/null; true');
  lines.push(':0:', 'inbox', '');
  const file = path.join(dir, name);
  fs.writeFileSync(file, lines.join('\n'), { mode: 0o644 });
  return file;
}

const scenarios = [
  { name: '0 pipes', rc: rcfile('rc0', '/bin/sh', 0) },
  { name: '1 pipe, sh', rc: rcfile('rc1', '/bin/sh', 1) },
  { name: '10 pipes, sh', rc: rcfile('rc10', '/bin/sh', 10) },
  { name: '1 pipe, bash', rc: rcfile('rc1b', '/bin/bash', 1) },
  { name: '10 pipes, bash', rc: rcfile('rc10b', '/bin/bash', 10) },
];
const message = Buffer.from('From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: lunch\n\nShall we meet at noon?\n');
const env = { PATH: '/usr/bin:/bin', TZ: 'UTC', LC_ALL: 'C' };

// bin/mailrules' node flags: the code cache is only taken under the flags it was made with.
const flags = binaryNodeFlags();
const commands = [];
for (const s of scenarios) {
  for (const b of builds) commands.push({ key: `${b.name}|${s.name}`, argv: [process.execPath, ...flags, b.bundle, '-m', s.rc] });
  if (fs.existsSync(PROCMAIL)) commands.push({ key: `procmail|${s.name}`, argv: [PROCMAIL, '-m', s.rc] });
}

/** User + system clock ticks of the children waited for so far (fields 16 and 17 of /proc/self/stat), or NaN. */
function childTicks() {
  try {
    const f = fs.readFileSync('/proc/self/stat', 'latin1').split(') ')[1].split(' ');
    return Number(f[13]) + Number(f[14]);
  } catch {
    return NaN;
  }
}
const TICK_MS = 10; // USER_HZ is 100 on Linux

function once(c) {
  const c0 = childTicks();
  const t0 = process.hrtime.bigint();
  const r = spawnSync(c.argv[0], c.argv.slice(1), { env, input: message, stdio: ['pipe', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${c.key} exited ${r.status}: ${r.stderr?.toString()}`);
  cpu.set(c.key, cpu.get(c.key) + (childTicks() - c0) * TICK_MS);
  return ms;
}

const times = new Map(commands.map((c) => [c.key, []]));
const cpu = new Map(commands.map((c) => [c.key, 0]));
try {
  for (let round = 0; round < WARMUP + ROUNDS; round++) {
    for (let k = 0; k < commands.length; k++) {
      const c = commands[(round + k) % commands.length];
      const ms = once(c);
      if (round >= WARMUP) times.get(c.key).push(ms);
    }
  }
  const log = fs.readFileSync(path.join(dir, 'log'), 'latin1');
  if (/bash|sockets/i.test(log)) console.error(`warning: the log says more than the abstracts:\n${log.split('\n').filter((l) => /bash|sockets/i.test(l)).slice(0, 5).join('\n')}`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}

const med = (who, s) => median(times.get(`${who}|${s}`) ?? [NaN]);
const cpuOf = (who, s) => (cpu.get(`${who}|${s}`) ?? NaN) / ROUNDS;
const who = [...builds.map((b) => b.name), ...(fs.existsSync(PROCMAIL) ? ['procmail'] : [])];
for (const [label, of] of [
  ['median wall ms', med],
  ['mean CPU ms (delivery and its programs)', cpuOf],
]) {
  console.log(`${ROUNDS} interleaved rounds (+${WARMUP} warm-up), ${label} per delivery:`);
  console.log(`  ${''.padEnd(16)}${who.map((w) => w.padStart(10)).join('')}`);
  for (const s of scenarios) console.log(`  ${s.name.padEnd(16)}${who.map((w) => of(w, s.name).toFixed(2).padStart(10)).join('')}`);
  const perPipe = (w, shell) => (of(w, `10 pipes, ${shell}`) - of(w, `1 pipe, ${shell}`)) / 9;
  for (const shell of ['sh', 'bash']) console.log(`  per pipe, ${shell.padEnd(6)}${who.map((w) => perPipe(w, shell).toFixed(2).padStart(10)).join('')}`);
  if (BASE !== null) {
    console.log(`  this / base: start-up (0 pipes) ${(of('this', '0 pipes') / of('base', '0 pipes')).toFixed(3)}, ${['sh', 'bash'].map((sh) => `per pipe ${sh} ${(perPipe('this', sh) / perPipe('base', sh)).toFixed(3)}`).join(', ')}`);
  }
}
