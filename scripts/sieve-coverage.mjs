#!/usr/bin/env node
// How much of rules/, examples/ and the differential cases `mailrules
// to-sieve` converts with no caveat: per source and in total, and the reason
// codes that keep recipes from converting (or give them a caveat), commonest
// first. The same count test/sieve/coverage.test.ts keeps a floor on
// (test/sieve/coverage-measure.ts), bundled from src/ on every run so it
// never measures a stale build.
//
//   node scripts/sieve-coverage.mjs [--allow-pipe] [--top N] [--examples CODE | --by-file]
//
// --examples CODE lists the recipes (file:line) whose reasons include CODE,
// with the reason's message; --by-file lists each file that does not convert
// completely, with its share and each short recipe's line and codes
// (! not convertible, ~ caveat).
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '..');
const argv = process.argv.slice(2);
let allowPipe = false;
let top = 15;
let examples = null;
let byFile = false;
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--allow-pipe') allowPipe = true;
  else if (a === '--top') top = Number(argv[++i]);
  else if (a === '--examples') examples = argv[++i];
  else if (a === '--by-file') byFile = true;
  else {
    console.error('usage: sieve-coverage.mjs [--allow-pipe] [--top N] [--examples CODE | --by-file]');
    process.exit(64);
  }
}

const tmp = mkdtempSync(join(tmpdir(), 'mr-sieve-coverage-'));
let lib;
try {
  const bundle = join(tmp, 'entry.cjs');
  await build({ entryPoints: [join(ROOT, 'scripts', 'sieve-coverage-entry.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: bundle, logLevel: 'warning', external: ['libmime', 'nodemailer', 'os-lock'] });
  lib = createRequire(import.meta.url)(bundle);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

const ms = lib.measureAll(ROOT, allowPipe);
const pct = (n, d) => (d === 0 ? '-' : `${((100 * n) / d).toFixed(1)}%`);
const line = (name, c) =>
  `${name.padEnd(14)} ${String(c.total).padStart(5)} ${String(c.converted).padStart(9)} ${pct(c.converted, c.total).padStart(7)} ${String(c.caveat).padStart(7)} ${String(c.notConvertible).padStart(7)}`;

if (examples !== null) {
  for (const m of ms) {
    if (m.counts === null) continue;
    for (const e of m.entries) {
      if (e.kind !== 'recipe') continue;
      for (const r of e.reasons) if (r.code === examples && r.severity !== 'note') console.log(`${relative(ROOT, r.span.file)}:${r.span.line}: ${r.severity}: ${r.message}`);
    }
  }
  process.exit(0);
}

if (byFile) {
  for (const m of ms) {
    if (m.counts === null || m.counts.converted === m.counts.total) continue;
    const short = [];
    for (const e of m.entries) {
      if (e.kind !== 'recipe') continue;
      const codes = new Set(e.reasons.filter((r) => r.severity !== 'note').map((r) => (r.severity === 'error' ? '!' : '~') + r.code));
      if (codes.size > 0) short.push(`${e.span.line}:${[...codes].join(',')}`);
    }
    console.log(`${relative(ROOT, m.rc)} ${m.counts.converted}/${m.counts.total} ${short.join(' ')}`);
  }
  process.exit(0);
}

console.log(`to-sieve coverage${allowPipe ? ' (--allow-pipe)' : ''}`);
console.log(`${'source'.padEnd(14)} ${'total'.padStart(5)} ${'converted'.padStart(9)} ${'share'.padStart(7)} ${'caveat'.padStart(7)} ${'not'.padStart(7)}`);
for (const s of ['rules', 'examples', 'differential']) console.log(line(s, lib.sumCounts(ms.filter((m) => m.source === s))));
console.log(line('all', lib.sumCounts(ms)));
console.log(`files that convert completely (the proof runs them through sieve-test): ${ms.filter(lib.fullyConverted).length} of ${ms.length}`);
const apart = ms.filter((m) => m.counts === null);
if (apart.length > 0) console.log(`counted apart (nested beyond Pigeonhole's blocks): ${apart.map((m) => relative(ROOT, m.rc)).join(', ')}`);
const tally = lib.reasonTally(ms);
for (const [title, map] of [['not convertible, by reason', tally.notConvertible], ['caveats, by reason', tally.caveat]]) {
  console.log(`\n${title} (a recipe once per code):`);
  for (const [code, n] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${String(n).padStart(5)}  ${code}`);
}
