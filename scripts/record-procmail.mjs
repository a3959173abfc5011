#!/usr/bin/env node
// Records the differential goldens by running REAL procmail on every case in
// test/differential/cases (harness: test/differential/harness.mjs,
// docs/procmail-semantics.md §13 A).
//
//   node scripts/record-procmail.mjs [--jobs N] [case-filter…]   write expected.txt
//   node scripts/record-procmail.mjs --check [case-filter…]      re-record, exit 1 on any difference
//   node scripts/record-procmail.mjs --show CASE                 print the result, write nothing
//
// Each mbox delivery costs procmail about one second (its NFS atime hack,
// docs/procmail-semantics.md §7.2), so cases run in parallel.
import * as fs from 'node:fs';
import { listCases, loadCase, runCase } from '../test/differential/harness.mjs';

const PROCMAIL = process.env.PROCMAIL ?? '/usr/bin/procmail';
/** A case slower than this probably hit a lock wait (docs/procmail-semantics.md §7.5): cases must stay fast. */
const SLOW_CASE_MS = 8_000;

const argv = process.argv.slice(2);
let mode = 'write';
let jobs = 12;
const filters = [];
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--check') mode = 'check';
  else if (a === '--show') mode = 'show';
  else if (a === '--jobs') jobs = Number(argv[++i]);
  else if (a === '-h' || a === '--help') {
    console.log('usage: record-procmail.mjs [--check | --show] [--jobs N] [case-filter…]');
    process.exit(0);
  } else filters.push(a);
}

if (!fs.existsSync(PROCMAIL)) {
  console.error(`record-procmail: ${PROCMAIL} not found (apt-get install procmail, or scripts/ci-install.sh)`);
  process.exit(2);
}

const names = listCases(filters);
if (names.length === 0) {
  console.error('record-procmail: no cases match');
  process.exit(2);
}

const failures = [];
const slow = [];
let next = 0;
async function worker() {
  while (next < names.length) {
    const name = names[next++];
    const c = loadCase(name);
    const { text, elapsedMs } = await runCase(c, [PROCMAIL]);
    if (elapsedMs > SLOW_CASE_MS) slow.push(`${name} (${elapsedMs} ms)`);
    if (mode === 'show') {
      process.stdout.write(`##### ${name} (${elapsedMs} ms)\n${text}`);
    } else if (mode === 'write') {
      const old = fs.existsSync(c.expectedFile) ? fs.readFileSync(c.expectedFile, 'utf8') : null;
      if (old !== text) {
        fs.writeFileSync(c.expectedFile, text);
        console.log(`${old === null ? 'new' : 'updated'}: ${name}`);
      }
    } else {
      const old = fs.existsSync(c.expectedFile) ? fs.readFileSync(c.expectedFile, 'utf8') : null;
      if (old !== text) {
        failures.push(name);
        console.log(`DIFFERS: ${name}`);
        if (old === null) console.log('  (no expected.txt committed)');
        else printDiff(old, text);
      }
    }
  }
}

/** Minimal line diff: enough to see what changed without extra dependencies. */
function printDiff(a, b) {
  const x = a.split('\n');
  const y = b.split('\n');
  let i = 0;
  while (i < x.length && i < y.length && x[i] === y[i]) i++;
  let j = 0;
  while (j < x.length - i && j < y.length - i && x[x.length - 1 - j] === y[y.length - 1 - j]) j++;
  for (const l of x.slice(Math.max(0, i - 2), i)) console.log(`    ${l}`);
  for (const l of x.slice(i, x.length - j)) console.log(`  - ${l}`);
  for (const l of y.slice(i, y.length - j)) console.log(`  + ${l}`);
}

await Promise.all(Array.from({ length: Math.max(1, jobs) }, worker));

if (slow.length > 0) console.log(`slow cases (lock waits?): ${slow.join(', ')}`);
if (mode === 'check') {
  console.log(`${names.length - failures.length}/${names.length} cases match the committed goldens`);
  process.exit(failures.length === 0 ? 0 : 1);
}
if (mode === 'write') console.log(`recorded ${names.length} cases`);
