#!/usr/bin/env node
// Regex search cost on a long single-line body (HTML mail without line
// breaks is common), side by side in one run:
//   bin/mailrules -m rc  on a small message and on a message whose body is
//   one line of --size bytes (1 MB by default), and procmail -m rc on both.
// The rc searches the body the ways a search can go wrong: `.*zz` (the
// pattern that was quadratic, here `.*z[z]`), two loops in a row, a `\/` MATCH extraction,
// a `^^` anchor, H and HB areas, and weighted scoring that counts every
// match. None of them matches the big body except the scoring one, so every
// condition reads all of it. Rounds are interleaved (rotating order) so
// machine noise hits all four alike; prints medians and ratios. The goal:
// the 1 MB body costs no more than a few times the small message.
// Not a test: timings on shared machines flake (test/regex/linear.test.ts
// bounds the same work by step counts).
//
//   node bench/regex.mjs [--size 1000000] [--rounds 7] [--warmup 1]
//   (unset NODE_EXTRA_CA_CERTS when timing: it adds ~30 ms to every node start)
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { interleavedMedians, timedRun } from './interleave.mjs';
import { numberOption } from './options.mjs';

const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const BIN = path.join(REPO, 'bin', 'mailrules');
const PROCMAIL = '/usr/bin/procmail';

const SIZE = numberOption('--size', 1_000_000);
const ROUNDS = numberOption('--rounds', 7);
const WARMUP = numberOption('--warmup', 1);

if (!fs.existsSync(path.join(REPO, 'dist', 'deliver.cjs'))) {
  console.error('dist/deliver.cjs is missing: run `npm run build` first');
  process.exit(2);
}

const env = { PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`, TZ: 'UTC', LC_ALL: 'C' };
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mr-bench-regex-'));

// `z[z]` rather than `zz`: a text without `zz` is turned down by that
// required string alone (src/eval/regex-prefilter.ts), which is the point
// of it but would leave the automaton nothing to read.
const CONDITIONS = [
  '* B ?? .*z[z]',
  '* B ?? .*.*z[z]',
  '* B ?? ^^.*z[z]',
  '* B ?? <p>\\/.*z[z]',
  '* HB ?? ^Subject:.*z[z]',
  '* -1^1 B ?? word',
];
const recipes = CONDITIONS.map((c, i) => `:0\n${c}\nhit-${i}\n`);
const rc = path.join(dir, 'rc');
fs.writeFileSync(rc, `MAILDIR=${dir}\nLOGFILE=${dir}/log\n${recipes.join('')}:0\ninbox\n`, { mode: 0o644 });
// The same delivery without the conditions: what reading and storing 1 MB costs by itself.
const rc0 = path.join(dir, 'rc0');
fs.writeFileSync(rc0, `MAILDIR=${dir}\nLOGFILE=${dir}/log\n:0\ninbox\n`, { mode: 0o644 });

const header = 'From: Alice Example <alice@example.com>\nTo: bob@example.org\nSubject: lunch tomorrow?\nContent-Type: text/html\n\n';
const small = Buffer.from(`${header}<p>Shall we meet at noon? word</p>\n`, 'latin1');
const unit = '<p>a word in a long html line without breaks</p>';
const big = Buffer.from(header + unit.repeat(Math.ceil(SIZE / unit.length)).slice(0, SIZE) + '\n', 'latin1');

// An old atime on the mbox keeps procmail from sleeping 1 s per delivery
// (its "new mail" atime trick), which would swamp the numbers.
const inbox = path.join(dir, 'inbox');
function resetInbox() {
  fs.writeFileSync(inbox, '', { mode: 0o600 });
  const old = new Date('2001-01-01T00:00:00Z');
  fs.utimesSync(inbox, old, old);
}

const commands = [];
for (const [msgName, msg] of [['small', small], ['1 line', big]]) {
  commands.push({ name: `mailrules ${msgName}`, argv: [BIN, '-m', rc], msg });
  if (fs.existsSync(PROCMAIL)) commands.push({ name: `procmail ${msgName}`, argv: [PROCMAIL, '-m', rc], msg });
}
commands.push({ name: 'mailrules 1 line, no condition', argv: [BIN, '-m', rc0], msg: big });
if (!fs.existsSync(PROCMAIL)) console.log(`(${PROCMAIL} not installed: procmail columns skipped)`);

function once(c) {
  resetInbox();
  const ms = timedRun(c.name, c.argv, env, c.msg);
  if (fs.statSync(inbox).size < c.msg.length) throw new Error(`${c.name} did not deliver to inbox`);
  return ms;
}

let med;
try {
  med = interleavedMedians(commands, ROUNDS, WARMUP, once);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
console.log(`${CONDITIONS.length} body conditions, small message (${small.length} B) vs a one-line body (${big.length} B);`);
console.log(`${ROUNDS} interleaved rounds (+${WARMUP} warm-up), median wall ms per delivery:`);
for (const [name, m] of med) console.log(`  ${name.padEnd(30)} ${m.toFixed(1).padStart(9)}`);
const r = (a, b) => (med.get(a) / med.get(b)).toFixed(2);
console.log(`mailrules 1 line / mailrules small = ${r('mailrules 1 line', 'mailrules small')}`);
console.log(`mailrules 1 line / the same delivery without conditions = ${r('mailrules 1 line', 'mailrules 1 line, no condition')}`);
if (med.has('procmail 1 line')) {
  console.log(`mailrules 1 line / procmail 1 line = ${r('mailrules 1 line', 'procmail 1 line')}`);
  console.log(`procmail 1 line / procmail small   = ${r('procmail 1 line', 'procmail small')}`);
}
