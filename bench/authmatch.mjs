#!/usr/bin/env node
// What `@decoded`, `@auth` and `authenticated` cost a delivery:
// one message (an encoded subject, a quoted-printable ISO-8859-1 body, an
// Authentication-Results field) through bin/mailrules -m with rcs that
// differ only in one condition, measured interleaved in one run (the order
// rotating each round) so machine noise hits all alike:
//
//   plain      * ^Subject:.*Rechnung               (a regex on the raw header)
//   decoded    * @decoded ^Subject:.*Rechnung für  (the decoded header)
//   decoded B  :0 B / * @decoded Grüße             (the decoded text parts)
//   auth       * @auth dmarc=pass                   (the trusted field)
//   list       * @sender in white.lst               (the plain lookup `authlist` adds to)
//   authlist   * @sender authenticated in white.lst (dkim=pass from a subdomain: reads the Public Suffix List)
//
// Prints medians of wall time and of CPU time (user + system, which each
// process reports at exit through a NODE_OPTIONS --require hook: steadier
// than wall time on a busy machine) and each one's difference from `plain`. The goal: at most 5 ms
// more per delivery with @decoded. Not a test: timings on shared machines
// flake. Unset NODE_EXTRA_CA_CERTS before timing.
//
//   node bench/authmatch.mjs [--rounds 40] [--warmup 5]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { median, numberOption } from './options.mjs';

const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const BIN = path.join(REPO, 'bin', 'mailrules');
const GOAL_MS = 5;

const ROUNDS = numberOption('--rounds', 40);
const WARMUP = numberOption('--warmup', 5);

if (!fs.existsSync(path.join(REPO, 'dist', 'deliver.cjs'))) {
  console.error('dist/deliver.cjs is missing: run `npm run build` first');
  process.exit(2);
}

const env = { PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`, TZ: 'UTC', LC_ALL: 'C' };
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mr-bench-auth-'));
const message = Buffer.from(
  [
    'Authentication-Results: mx.example.org;',
    '\tdkim=pass (2048-bit key) header.d=mail.example.com header.s=s1 header.b=AbCd;',
    '\tdmarc=none header.from=example.com;',
    '\tspf=pass smtp.mailfrom=example.com',
    'From: Alice Example <alice@example.com>',
    'To: bob@example.org',
    'Subject: =?UTF-8?Q?Ihre_Rechnung_f=C3=BC?=',
    ' =?UTF-8?Q?r_M=C3=A4rz?=',
    'Date: Mon, 04 Mar 2024 10:00:00 +0000',
    'Message-ID: <bench@example.com>',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=iso-8859-1',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    'Viele Gr=FC=DFe aus M=FCnchen.',
    '',
  ].join('\n'),
  'latin1',
);
fs.writeFileSync(path.join(dir, 'white.lst'), 'alice@example.com\n');
// A few ordinary recipes before the one measured, as a real rc has.
const prelude = ['MAILDIR=' + dir, 'DEFAULT=' + path.join(dir, 'default') + '/', 'AUTHSERV_ID=mx.example.org'];
for (let i = 0; i < 10; i++) prelude.push(`:0\n* ^Subject:.*(project-${i}|weekly-${i})\nlist-${i}/`);
const variants = [
  { name: 'plain', rc: ':0\n* ^Subject:.*Rechnung\nhit/' },
  { name: 'decoded', rc: ':0\n* @decoded ^Subject:.*Rechnung für\nhit/' },
  { name: 'decoded B', rc: ':0 B\n* @decoded Grüße\nhit/' },
  { name: 'auth', rc: ':0\n* @auth dmarc=none\nhit/' },
  { name: 'list', rc: ':0\n* @sender in white.lst\nhit/' },
  { name: 'authlist', rc: ':0\n* @sender authenticated in white.lst\nhit/' },
];
for (const v of variants) {
  v.file = path.join(dir, `rc-${v.name.replace(/\W/g, '')}`);
  fs.writeFileSync(v.file, `${prelude.join('\n')}\n${v.rc}\n`, { mode: 0o644 });
}
// Each delivery reports its own CPU time at exit (the same hook for every variant, so it cancels out).
const hook = path.join(dir, 'cpu-hook.cjs');
fs.writeFileSync(hook, "process.on('exit', () => { const u = process.cpuUsage(); require('fs').writeSync(2, `\\ncpu ${u.user + u.system}\\n`); });\n");
const timedEnv = { ...env, NODE_OPTIONS: `--require=${hook}` };

/** One delivery: wall ms and CPU ms (user + system). */
function once(v) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(BIN, ['-m', v.file], { env: timedEnv, input: message, stdio: ['pipe', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${v.name} exited ${r.status}: ${r.stderr?.toString()}`);
  const m = /cpu (\d+)/.exec(r.stderr.toString());
  return { ms, cpu: m ? Number(m[1]) / 1000 : NaN };
}

const times = new Map(variants.map((v) => [v.name, []]));
const cpus = new Map(variants.map((v) => [v.name, []]));
try {
  for (let round = 0; round < WARMUP + ROUNDS; round++) {
    for (let k = 0; k < variants.length; k++) {
      const v = variants[(round + k) % variants.length];
      const { ms, cpu } = once(v);
      if (round >= WARMUP) {
        times.get(v.name).push(ms);
        cpus.get(v.name).push(cpu);
      }
    }
  }
  const hits = fs.existsSync(path.join(dir, 'hit', 'new')) ? fs.readdirSync(path.join(dir, 'hit', 'new')).length : 0;
  if (hits !== (WARMUP + ROUNDS) * variants.length) console.error(`warning: ${hits} deliveries to hit/, expected ${(WARMUP + ROUNDS) * variants.length}`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}

const report = (label, data) => {
  const base = median(data.get('plain'));
  console.log(`${label}, ${ROUNDS} interleaved rounds (+${WARMUP} warm-up), median ms per delivery:`);
  for (const v of variants) {
    const m = median(data.get(v.name));
    const d = m - base;
    console.log(`  ${v.name.padEnd(10)} ${m.toFixed(2).padStart(8)}  ${v.name === 'plain' ? '' : `${d >= 0 ? '+' : ''}${d.toFixed(2)} ms (${(m / base).toFixed(3)} x plain)`}`);
  }
  return Math.max(median(data.get('decoded')), median(data.get('decoded B'))) - base;
};
const wall = report('wall time', times);
const cpu = report('CPU time (user + system)', cpus);
console.log(`@decoded costs at most ${cpu.toFixed(2)} ms more CPU per delivery, ${wall.toFixed(2)} ms more wall time (goal <= ${GOAL_MS} ms: ${Math.max(cpu, wall) <= GOAL_MS ? 'met' : 'NOT met'})`);
