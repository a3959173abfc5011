#!/usr/bin/env node
// Records what the REAL procmail (/usr/bin/procmail) makes of generated
// condition and action lines that start with `@`, into
// test/ext/at-lines-golden.json, which test/ext/at-lines.test.ts replays
// through mailrules on any machine. It is the evidence for the README's
// promise about extensions: every generated line that is not exactly one of
// the documented extension forms must mean to mailrules what it means to
// procmail (a regex, a folder name); the lines that are exactly one are
// labelled here, by the forms the README documents, not by mailrules' code.
//
//   node scripts/record-at-lines.mjs           re-record the golden file
//   node scripts/record-at-lines.mjs --check   record again; exit 1 on any difference
//
// The lines come from a seeded generator, so they are the same on every run.
// Conditions run in one procmail process with the probe pattern of
// record-regex.mjs (one recipe per line, its verdict and MATCH logged);
// actions are `:0 c` deliveries whose $LASTFOLDER is logged, spread over
// parallel processes (each mbox delivery costs procmail a second).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const GOLDEN = join(ROOT, 'test/ext/at-lines-golden.json');
const PROCMAIL = '/usr/bin/procmail';
const ENV = { PATH: '/usr/bin:/bin', TZ: 'UTC', LC_ALL: 'C' };

const MESSAGE =
  'From: Alice <alice@example.com>\n' +
  'To: list@lists.example.org\n' +
  'Subject: @loop and @Loop, @sender in white.lst\n' +
  'X-Note: sent from@home by @address From,Cc in list\n' +
  'X-Loop: bob@example.org\n' +
  '\n' +
  'Reply to @reply "text" or @bounce.\n' +
  '@discard now, @reject, @example.com\n';

/** Variables the `??` and `$` lines read. */
const PREAMBLE = 'FROM="From @sender in white.lst"\nD=example\nSHELL=/bin/sh\n';

// ---------------------------------------------------------------------------
// The generator: verbs (the extensions', their near misses, others) with
// argument tails, behind condition prefixes.

const VERBS = ['address', 'sender', 'loop', 'decoded', 'auth', 'discard', 'reject', 'bounce', 'reply', 'Loop', 'SENDER', 'Decoded', 'loopback', 'senders', 'authors', 'example', 'x', ''];
const TAILS = [
  '', ' in white.lst', ' in', ' white.lst', ' From,Cc in list', ' From in', ' From,,Cc in l', ' in "my list"', ' in a b',
  '\\.com', '\\/.*', '.*', ' x', ' "text"', '\t in  f', 'in x', ' < vac.txt', ' sender in white.lst', ' From: , To in f',
  ' ""', " 'go away'", ' go away', ' "no" thanks', ' <', '\\.', ' in $D',
  ' authenticated in white.lst', ' From authenticated in l', ' authenticated', ' dmarc=pass', ' dkim=pass header.d=example.com',
  ' dkim=pass header.d=', ' dmarc', ' spf=fail x', ' ^Subject:.*loop',
];
const PREFIXES = ['', '! ', '1^0 ', '! 2^1 ', 'FROM ?? ', 'H ?? ', 'B ?? ', '$ ', '\\'];

/** mulberry32: a small seeded generator, so the lines never change between runs. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generate() {
  const next = rng(0x40);
  const pick = (list) => list[Math.floor(next() * list.length)];
  const conditions = new Set();
  const actions = new Set();
  // Every verb with every tail once, as a plain condition and as an action…
  for (const v of VERBS) {
    for (const t of TAILS) {
      conditions.add(`@${v}${t}`);
      if (v !== '' || t !== '') actions.add(`@${v}${t}`);
    }
  }
  // …then random prefixes and two tails.
  while (conditions.size < 900) conditions.add(`${pick(PREFIXES)}@${pick(VERBS)}${pick(TAILS)}${next() < 0.3 ? pick(TAILS) : ''}`);
  // Actions cost a second each: a sample of them.
  const sampled = [...actions].filter(() => next() < 0.17);
  return { conditions: [...conditions], actions: sampled };
}

// ---------------------------------------------------------------------------
// The documented extension forms (README "Extensions"), written out here
// independently of src/syntax/ext-args.ts: a generated line is labelled exact when it is
// one of them.

const BLANK = '[ \\t]';
const FILE = `(?:"[^"]*[^" \\t][^"]*"|'[^']*[^' \\t][^']*'|[^ \\t"']+)`;
const FIELD = '[\\x21-\\x2b\\x2d-\\x39\\x3b-\\x7e]+:?';
const KEYWORD = '[A-Za-z0-9_-]+';
const EXACT_CONDITION = [
  /^@loop$/,
  new RegExp(`^@sender${BLANK}+(?:authenticated${BLANK}+)?in${BLANK}+${FILE}$`),
  // (`authenticated` alone before `in` is the keyword, not a header name: the list is then missing.)
  new RegExp(`^@address${BLANK}+(?!authenticated${BLANK}+in${BLANK})${FIELD}(?:${BLANK}*,${BLANK}*${FIELD})*${BLANK}+(?:authenticated${BLANK}+)?in${BLANK}+${FILE}$`),
  new RegExp(`^@decoded${BLANK}+[^ \\t].*$`),
  new RegExp(`^@auth${BLANK}+${KEYWORD}=${KEYWORD}(?:${BLANK}+${KEYWORD}\\.${KEYWORD}=${FILE})*$`),
];
/** A text: quoted and not blank, or bare to the end of the line (for @reply, not starting with `<`, its file form). */
const TEXT = (bare) => `(?:"[^"]*[^" \\t][^"]*"|'[^']*[^' \\t][^']*'|${bare}[^\\n]*)`;
const EXACT_ACTION = [
  /^@discard$/,
  new RegExp(`^@(?:reject|bounce)${BLANK}+${TEXT(`[^ \\t"']`)}$`),
  new RegExp(`^@reply${BLANK}+${TEXT(`[^ \\t"'<]`)}$`),
  new RegExp(`^@reply${BLANK}+<${BLANK}*${FILE}$`),
];

/** A condition line is an extension only without `??`, `$` or `\` before the `@`, after at most `!` and a weight. */
function exactCondition(line) {
  const m = /^(?:! ?)?(?:-?[0-9]+\^-?[0-9]+ )?(@.*)$/.exec(line);
  return m !== null && EXACT_CONDITION.some((re) => re.test(m[1]));
}

function exactAction(line) {
  return EXACT_ACTION.some((re) => re.test(line));
}

// ---------------------------------------------------------------------------
// Recording.

function conditionRc(list) {
  let rc = `LOGABSTRACT=no\n${PREAMBLE}`;
  list.forEach((line, id) => {
    rc += `LOG="<<B${id}>>\n"\n:0\n* ${line}\n{\nF=1\n}\nLOG="<<E${id}=\${F-0}|\${MATCH-@UNSET@}>>\n"\nF\nMATCH\n`;
  });
  return rc + ':0\n/dev/null\n';
}

function actionRc(list, first) {
  let rc = `LOGABSTRACT=no\n${PREAMBLE}`;
  list.forEach((line, k) => {
    rc += `LOG="<<B${first + k}>>\n"\nLASTFOLDER\n:0 c\n${line}\nLOG="<<E${first + k}=\${LASTFOLDER-@UNSET@}>>\n"\n`;
  });
  return rc + ':0\n/dev/null\n';
}

/** `<<Eid=…>>` values from a log, by id (a value may span lines or hold `>`). */
function verdicts(log, ids) {
  const out = new Map();
  for (const id of ids) {
    const tag = `<<E${id}=`;
    const at = log.indexOf(tag);
    if (at < 0) throw new Error(`line ${id}: no verdict in the log`);
    const end = log.indexOf('>>\n', at);
    out.set(id, log.slice(at + tag.length, end));
  }
  return out;
}

function runProcmail(rc, dir) {
  writeFileSync(join(dir, 'rc'), rc, 'latin1');
  return new Promise((resolve, reject) => {
    const child = spawn(PROCMAIL, ['-m', `MAILDIR=${dir}`, `LOGFILE=${dir}/log`, 'DEFAULT=/dev/null', `${dir}/rc`], { cwd: dir, env: ENV, stdio: ['pipe', 'ignore', 'pipe'] });
    child.stdin.end(Buffer.from(MESSAGE, 'latin1'));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(readFileSync(join(dir, 'log'), 'latin1')) : reject(new Error(`procmail exited ${code}`))));
  });
}

async function record() {
  const { conditions, actions } = generate();
  const scratch = mkdtempSync(join(tmpdir(), 'record-at-lines-'));
  try {
    const dirOf = (name) => {
      const d = join(scratch, name);
      spawnSync('mkdir', ['-p', d]);
      return d;
    };
    const conditionLog = runProcmail(conditionRc(conditions), dirOf('conditions'));
    const BATCH = 4;
    const batches = [];
    for (let i = 0; i < actions.length; i += BATCH) batches.push(runProcmail(actionRc(actions.slice(i, i + BATCH), i), dirOf(`actions${i}`)));
    const cv = verdicts(await conditionLog, conditions.map((_, id) => id));
    const av = new Map();
    const logs = await Promise.all(batches);
    logs.forEach((log, b) => {
      const ids = actions.slice(b * BATCH, b * BATCH + BATCH).map((_, k) => b * BATCH + k);
      for (const [id, v] of verdicts(log, ids)) av.set(id, v);
    });
    const version = spawnSync(PROCMAIL, ['-v'], { encoding: 'latin1' }).stderr.split('\n')[0] ?? '';
    return {
      comment: 'Generated by scripts/record-at-lines.mjs from the real procmail; do not edit by hand.',
      procmail: version.trim(),
      message: MESSAGE,
      preamble: PREAMBLE,
      conditions: conditions.map((line, id) => {
        const v = cv.get(id);
        const bar = v.indexOf('|');
        const match = v.slice(bar + 1);
        return { line, exact: exactCondition(line), matched: v.slice(0, bar) === '1', match: match === '@UNSET@' ? null : match };
      }),
      actions: actions.map((line, id) => ({ line, exact: exactAction(line), lastFolder: av.get(id) })),
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function main() {
  const check = process.argv.includes('--check');
  if (!existsSync(PROCMAIL)) {
    console.error(`record-at-lines: ${PROCMAIL} not found`);
    process.exit(process.env.CI === 'true' ? 1 : 0);
  }
  const golden = await record();
  const text = JSON.stringify(golden, null, 1) + '\n';
  const summary = `${golden.conditions.length} conditions and ${golden.actions.length} actions`;
  if (!check) {
    writeFileSync(GOLDEN, text, 'latin1');
    console.log(`record-at-lines: ${summary} written to ${GOLDEN}`);
    return;
  }
  if (existsSync(GOLDEN) && readFileSync(GOLDEN, 'latin1') === text) {
    console.log(`record-at-lines: ${summary} match ${GOLDEN}`);
    return;
  }
  console.error('record-at-lines: the golden file is out of date; run node scripts/record-at-lines.mjs');
  process.exit(1);
}

await main();
