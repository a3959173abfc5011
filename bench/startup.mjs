#!/usr/bin/env node
// Start-up benchmark (docs/node-runtime.md §2): one small message through a 20-recipe rc,
//   bin/mailrules -m rc   vs   node -e 0   vs   procmail -m rc
// bin/mailrules is what an MTA runs (it starts node with the linear-regex
// flags on its command line and loads dist/deliver.cjs); the bare bundle is
// shown too, for what the flags and the wrapper cost or save.
// measured interleaved in one run (rotating order each round) so machine
// noise hits all three alike; reports medians and ratios. The goal is
// mailrules <= 1.5 x `node -e 0` (docs/node-runtime.md §2: Node's own bootstrap is
// the floor). Not a test: timings on shared CI boxes flake.
//
//   node bench/startup.mjs [--rounds 60] [--warmup 5]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { interleavedMedians, timedRun } from './interleave.mjs';
import { numberOption } from './options.mjs';

const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const BUNDLE = path.join(REPO, 'dist', 'deliver.cjs');
const BIN = path.join(REPO, 'bin', 'mailrules');
const PROCMAIL = '/usr/bin/procmail';
const GOAL = 1.5;

const ROUNDS = numberOption('--rounds', 60);
const WARMUP = numberOption('--warmup', 5);

if (!fs.existsSync(BUNDLE)) {
  console.error(`${path.relative(REPO, BUNDLE)} is missing: run \`npm run build\` first`);
  process.exit(2);
}

// NODE_EXTRA_CA_CERTS alone adds ~30 ms to every node start here (docs/node-runtime.md §1).
// bin/mailrules finds node through PATH (#!/usr/bin/env), as it would under an MTA.
const env = { PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`, TZ: 'UTC', LC_ALL: 'C' };

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mr-bench-'));
const recipes = [];
for (let i = 0; i < 19; i++) {
  recipes.push(`:0:\n* ^Subject:.*(project-${i}|weekly-${i})\n* !^From:.*noreply\nlist-${i}\n`);
}
recipes.push(':0:\n* ^From:.*alice@example\\.com\ninbox\n');
const rc = path.join(dir, 'rc');
fs.writeFileSync(rc, `MAILDIR=${dir}\nLOGFILE=${dir}/log\n${recipes.join('')}`, { mode: 0o644 });
const message = Buffer.from(
  [
    'From: Alice Example <alice@example.com>',
    'To: bob@example.org',
    'Subject: lunch tomorrow?',
    'Date: Mon, 01 Jan 2001 00:00:00 +0000',
    'Message-ID: <bench@example.com>',
    '',
    'Shall we meet at noon?',
    '',
  ].join('\n'),
);
// An old atime on the mbox keeps procmail from sleeping 1 s per delivery
// (its "new mail" atime trick, docs/procmail-semantics.md §7.2), which would swamp the numbers.
const inbox = path.join(dir, 'inbox');
fs.writeFileSync(inbox, '', { mode: 0o600 });
const old = new Date('2001-01-01T00:00:00Z');
fs.utimesSync(inbox, old, old);

const commands = [
  { name: 'mailrules', argv: [BIN, '-m', rc] },
  { name: 'node dist/deliver.cjs', argv: [process.execPath, BUNDLE, '-m', rc] },
  { name: 'node -e 0', argv: [process.execPath, '-e', '0'] },
];
if (fs.existsSync(PROCMAIL)) commands.push({ name: 'procmail', argv: [PROCMAIL, '-m', rc] });
else console.log(`(${PROCMAIL} not installed: procmail column skipped)`);

let med;
try {
  med = interleavedMedians(commands, ROUNDS, WARMUP, (c) => timedRun(c.name, c.argv, env, message));
  const delivered = fs.readFileSync(inbox, 'latin1').split('\nShall we meet at noon?\n').length - 1;
  const expected = (WARMUP + ROUNDS) * commands.filter((c) => c.name !== 'node -e 0').length;
  if (delivered !== expected) {
    console.error(`warning: inbox holds ${delivered} messages, expected ${expected}: the rc did not deliver as intended`);
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}

console.log(`start-up, ${ROUNDS} interleaved rounds (+${WARMUP} warm-up), median wall ms per process:`);
for (const [name, m] of med) console.log(`  ${name.padEnd(10)} ${m.toFixed(2).padStart(8)}`);
const ratio = med.get('mailrules') / med.get('node -e 0');
console.log(`mailrules / node -e 0 = ${ratio.toFixed(2)}  (goal <= ${GOAL}: ${ratio <= GOAL ? 'met' : 'NOT met'})`);
if (med.has('procmail')) {
  console.log(`mailrules / procmail  = ${(med.get('mailrules') / med.get('procmail')).toFixed(2)}`);
  console.log(`node -e 0 / procmail  = ${(med.get('node -e 0') / med.get('procmail')).toFixed(2)}`);
}
