#!/usr/bin/env node
// Replay benchmark for `mailrules test` (docs/node-runtime.md §3.3).
//
//   node bench/replay.mjs [--messages N] [--procmail-slice M] [--cli-messages K]
//
// Builds an N-message mbox (default 100,000) from the SpamAssassin corpus in
// a temp dir, replays it with a header-only rc through mailrules' dry-run
// engine in-process (esbuild-bundled, the same code `mailrules test` runs),
// then a K-message mbox (default 20,000) through `bin/mailrules test` as its
// own process, start-up included, and a slice of it through
// `formail -s procmail -m rc`, then prints messages/second for each and the
// ratios. Goal: ≥ 20,000 msg/s and ≥ 20× procmail, for both. Skips when the
// corpus is absent. Unset NODE_EXTRA_CA_CERTS before timing: it costs every
// Node start. Nothing outside the temp dir is written.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const corpus = join(root, '..', 'shared', 'corpus', 'spamassassin');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg('--messages', 100_000);
const SLICE = arg('--procmail-slice', 2_000);
const CLI_N = arg('--cli-messages', 20_000);

if (!existsSync(corpus)) {
  console.log(`skip: corpus not found at ${corpus}`);
  process.exit(0);
}

const tmp = mkdtempSync(join(tmpdir(), 'mr-bench-'));
try {
  // 1. The corpus as From_-separated messages (mboxo: body From_ lines quoted, as procmail stores them).
  const files = [];
  const walk = (d) => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else files.push(p);
    }
  };
  walk(join(corpus, 'nice'));
  walk(join(corpus, 'spam'));
  const msgs = files.map((f, i) => {
    let t = readFileSync(f, 'latin1').replace(/^From .*\n/, '').replace(/\n(From )/g, '\n>$1');
    if (!t.endsWith('\n')) t += '\n';
    return Buffer.from(`From sender${i}@example.org  Mon Jan  1 00:00:00 2001\n${t}\n`, 'latin1');
  });
  const writeMbox = (path, count) => {
    const fd = openSync(path, 'w');
    let bytes = 0;
    const batch = [];
    for (let i = 0; i < count; i++) {
      batch.push(msgs[i % msgs.length]);
      if (batch.length === 1000) {
        const b = Buffer.concat(batch);
        writeSync(fd, b);
        bytes += b.length;
        batch.length = 0;
      }
    }
    if (batch.length) {
      const b = Buffer.concat(batch);
      writeSync(fd, b);
      bytes += b.length;
    }
    closeSync(fd);
    return bytes;
  };
  const big = join(tmp, 'big.mbox');
  const bigBytes = writeMbox(big, N);
  const cliMbox = join(tmp, 'cli.mbox');
  writeMbox(cliMbox, CLI_N);
  const slice = join(tmp, 'slice.mbox');
  writeMbox(slice, SLICE);

  // 2. A header-only rc of typical shape: ten recipes, H conditions only, no programs.
  const maildir = join(tmp, 'Mail');
  mkdirSync(maildir);
  const rc = join(tmp, 'header.rc');
  writeFileSync(
    rc,
    [
      `MAILDIR=${maildir}`,
      'DEFAULT=inbox/',
      ':0', '* ^X-Loop: me@example\\.org', '/dev/null',
      ':0', '* ^List-Id:.*<\\/[^.>]+', 'list-$MATCH/',
      ':0', '* ^Precedence: (bulk|junk|list)', 'bulk/',
      ':0:', '* ^Subject:.*(viagra|lottery|winner|free money)', 'spam',
      ':0', '* ^From:.*@(paypal|ebay|bank)\\.', 'phish/',
      ':0', '* ^X-Spam-Flag: YES', 'spam-flagged/',
      ':0', '* ^TO_dev@lists\\.example\\.net', 'dev/',
      ':0', '* ^FROM_DAEMON', 'daemon/',
      ':0', '* 2^0 ^Subject: [^a-z]*$', '* 1^0 ^Content-Type: text/html', 'shouting/',
      ':0', '* ^Received:.*\\[(10|192\\.168)\\.', 'internal/',
      '',
    ].join('\n'),
  );

  // 3. mailrules, in-process.
  const bundle = join(tmp, 'replay-entry.cjs');
  await build({ entryPoints: [join(here, 'replay-entry.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: bundle, logLevel: 'warning', external: ['libmime', 'nodemailer', 'os-lock'] });
  const mr = createRequire(import.meta.url)(bundle);
  mr.enableLinearRegexFallback();
  const program = mr.compileRc(readFileSync(rc, 'latin1'), rc);
  if (program.diagnostics.some((d) => d.severity === 'error')) throw new Error(`rc does not compile: ${JSON.stringify(program.diagnostics)}`);
  const env = mr.dryRunEnv({ logname: 'bench', home: tmp, shell: '/bin/sh', hostname: 'bench' });
  const session = new mr.DryRunSession({
    program,
    env,
    hostname: 'bench',
    pid: process.pid,
    answerer: { exec: false, answers: null, runner: mr.spawnProgramRunner, fs: mr.nodeDryRunFs },
    initialDir: tmp,
  });
  const summary = new mr.Summary();
  const { sources } = mr.resolveInputs([big]);
  // Warm-up on the slice (JIT), then the timed run.
  for (const m of mr.readSources(mr.resolveInputs([slice]).sources)) session.run(m.id, m.data);
  let count = 0;
  let outBytes = 0;
  const t0 = performance.now();
  for (const m of mr.readSources(sources)) {
    const r = session.run(m.id, m.data).report;
    outBytes += mr.renderShort(r).length;
    summary.add(r);
    count++;
  }
  const mrMs = performance.now() - t0;
  const mrRate = (count * 1000) / mrMs;

  // 3b. `mailrules test` as the user runs it: its own process, start-up and report printing included.
  const bin = join(root, 'bin', 'mailrules');
  const cliEnv = { ...process.env };
  delete cliEnv.NODE_EXTRA_CA_CERTS;
  const t2 = performance.now();
  // Run as a user runs it: the script's own node flags (its #! line) apply.
  const cli = spawnSync(bin, ['test', rc, cliMbox], { env: cliEnv, stdio: ['ignore', 'ignore', 'inherit'] });
  const cliMs = performance.now() - t2;
  if (cli.status !== 0) throw new Error(`bin/mailrules test exited ${cli.status}`);
  const cliRate = (CLI_N * 1000) / cliMs;

  // 4. procmail: formail -s procmail -m rc, on the slice.
  let pmRate = null;
  const pmMaildir = join(tmp, 'pm');
  mkdirSync(pmMaildir);
  const procmail = spawnSync('sh', ['-c', 'command -v procmail && command -v formail'], { encoding: 'utf8' });
  if (procmail.status === 0) {
    const pmRc = join(tmp, 'pm.rc');
    writeFileSync(pmRc, readFileSync(rc, 'latin1').replace(`MAILDIR=${maildir}`, `MAILDIR=${pmMaildir}`));
    const t1 = performance.now();
    execFileSync('sh', ['-c', `formail -s procmail -m "${pmRc}" < "${slice}"`], { stdio: ['ignore', 'ignore', 'inherit'] });
    const pmMs = performance.now() - t1;
    pmRate = (SLICE * 1000) / pmMs;
  }

  const fmt = (x) => Math.round(x).toLocaleString('en-US');
  console.log(`mbox: ${fmt(count)} messages, ${(bigBytes / 1048576).toFixed(1)} MiB (corpus of ${msgs.length} messages, cycled)`);
  console.log(`mailrules test (in-process dry run, report built): ${fmt(mrRate)} msg/s (${(mrMs / 1000).toFixed(2)} s; ${fmt(outBytes)} bytes of report)`);
  if (pmRate !== null) {
    console.log(`formail -s procmail -m rc (${fmt(SLICE)}-message slice, real delivery): ${fmt(pmRate)} msg/s`);
    console.log(`ratio: ${(mrRate / pmRate).toFixed(1)}x (goal >= 20x); absolute goal >= 20,000 msg/s: ${mrRate >= 20000 ? 'met' : 'NOT met'}`);
    console.log(`bin/mailrules test, ${fmt(CLI_N)}-message mbox, start-up included: ${fmt(cliRate)} msg/s (${(cliMs / 1000).toFixed(2)} s) = ${(cliRate / pmRate).toFixed(1)}x procmail; >= 20,000 msg/s: ${cliRate >= 20000 ? 'met' : 'NOT met'}`);
  } else console.log('procmail/formail not installed: no comparison');
  console.log(`memory: rss ${(process.memoryUsage().rss / 1048576).toFixed(0)} MiB`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
