// Differential harness shared by the recorder (scripts/record-procmail.mjs,
// which runs real procmail) and the vitest runner (differential.test.ts,
// which runs the mailrules bundle). Both sides MUST go through the same
// sandbox layout and the same normalisation, so this is one plain-JS module
// importable from a node script and from TypeScript (types in harness.d.mts).
//
// Sandbox (docs/procmail-semantics.md §13 A): a fresh /tmp/mrdiff-XXXXXX root (fixed-length
// name, so tab-aligned abstract lines come out identical on every machine),
// the case runs in general-filter mode `-m` with MAILDIR, LOGFILE, DEFAULT
// and SENDMAIL pinned inside that root, and env -i PATH=/usr/bin:/bin TZ=UTC
// LC_ALL=C.
//
//   <root>/sb/           MAILDIR (cwd), rcfile copied to sb/rcfile
//   <root>/sb/log        LOGFILE
//   <root>/sb/DEFAULT    DEFAULT
//   <root>/sendmail      SENDMAIL: records argv + stdin into <root>/fwd/
//
// Case folder: rc, message | message.ref (name of a file in ../../messages),
// args (options before -m, one per line), rcargs ($1.. after the rcfile, one
// per line), setup (sh script run in sb/ before delivery), files/ (copied
// into sb/ before delivery), expected.txt (the golden).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const HERE = path.dirname(new URL(import.meta.url).pathname);
export const CASES_DIR = path.join(HERE, 'cases');
export const MESSAGES_DIR = path.join(HERE, 'messages');

/** The only environment either implementation sees (docs/procmail-semantics.md §12/§13). */
export const CLEAN_ENV = Object.freeze({ PATH: '/usr/bin:/bin', TZ: 'UTC', LC_ALL: 'C' });

/** Per-case wall clock limit; procmail's slow paths (64 s lock waits) are not allowed in cases. */
export const CASE_TIMEOUT_MS = 30_000;
/** How long background children (pipes without `w`) may linger after the main process exits. */
export const LINGER_MS = 10_000;

const SENDMAIL_RECORDER = `#!/bin/sh
# Fake SENDMAIL for the differential harness: one file per invocation.
d=$(dirname "$0")/fwd
mkdir -p "$d"
f=$(mktemp "$d/f.XXXXXX")
{ for a in "$@"; do printf '[%s]\\n' "$a"; done; echo '--- stdin'; cat; } > "$f"
exit 0
`;

export function listCases(filter = []) {
  const names = fs
    .readdirSync(CASES_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  if (filter.length === 0) return names;
  return names.filter((n) => filter.some((f) => n === f || n.startsWith(f + '-') || n.includes(f)));
}

function readLines(file) {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0 && !l.startsWith('#'));
}

export function loadCase(name) {
  const dir = path.join(CASES_DIR, name);
  const rc = fs.readFileSync(path.join(dir, 'rc'));
  let message;
  const own = path.join(dir, 'message');
  if (fs.existsSync(own)) {
    message = fs.readFileSync(own);
  } else {
    const ref = fs.readFileSync(path.join(dir, 'message.ref'), 'utf8').trim();
    message = fs.readFileSync(path.join(MESSAGES_DIR, ref));
  }
  const setupFile = path.join(dir, 'setup');
  const filesDir = path.join(dir, 'files');
  return {
    name,
    dir,
    rc,
    message,
    args: readLines(path.join(dir, 'args')),
    rcargs: readLines(path.join(dir, 'rcargs')),
    setup: fs.existsSync(setupFile) ? fs.readFileSync(setupFile, 'utf8') : null,
    filesDir: fs.existsSync(filesDir) ? filesDir : null,
    expectedFile: path.join(dir, 'expected.txt'),
  };
}

function run(cmd, argv, opts) {
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      // Own process group: children that outlive the main process (pipes
      // without `w`, forwards) are waited for through the group.
      detached: true,
    });
    const out = [];
    const err = [];
    child.stdout.on('data', (b) => out.push(b));
    child.stderr.on('data', (b) => err.push(b));
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, opts.timeoutMs);
    child.on('close', async (code, signal) => {
      clearTimeout(timer);
      await waitGroupGone(child.pid);
      resolve({
        code: timedOut ? 'timeout' : code === null ? `signal ${signal}` : code,
        stdout: Buffer.concat(out),
        stderr: Buffer.concat(err),
      });
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: `spawn error: ${e.message}`, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) });
    });
  });
}

async function waitGroupGone(pgid) {
  const deadline = Date.now() + LINGER_MS;
  for (;;) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return;
    }
    if (Date.now() > deadline) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        /* gone */
      }
      return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Makes a case's sandbox as both implementations get it, before delivery:
 * the rcfile, files/ and the setup script. `cleanup()` removes it.
 */
export async function prepareSandbox(c) {
  const root = fs.mkdtempSync('/tmp/mrdiff-');
  fs.chmodSync(root, 0o700);
  const sb = path.join(root, 'sb');
  fs.mkdirSync(sb, { mode: 0o700 });
  const cleanup = () => fs.rmSync(root, { recursive: true, force: true });
  try {
    fs.writeFileSync(path.join(root, 'sendmail'), SENDMAIL_RECORDER, { mode: 0o755 });
    fs.writeFileSync(path.join(sb, 'rcfile'), c.rc, { mode: 0o644 });
    if (c.filesDir) fs.cpSync(c.filesDir, sb, { recursive: true });
    if (c.setup !== null) {
      const r = await run('/bin/sh', ['-c', 'umask 022\n' + c.setup], {
        cwd: sb,
        env: { ...CLEAN_ENV, SB: sb, ROOT: root },
        input: Buffer.alloc(0),
        timeoutMs: CASE_TIMEOUT_MS,
      });
      if (r.code !== 0) throw new Error(`setup of ${c.name} failed (${r.code}): ${r.stderr}`);
    }
  } catch (e) {
    cleanup();
    throw e;
  }
  return { root, sb, cleanup };
}

/** The command-line assignments every case runs with (general-filter mode `-m`), MAILDIR first. */
export function sandboxAssignments(root, sb) {
  return [`MAILDIR=${sb}`, `LOGFILE=${sb}/log`, `DEFAULT=${sb}/DEFAULT`, `SENDMAIL=${root}/sendmail`];
}

/**
 * Runs one case with `command` ([file, ...prefixArgs], e.g. ['/usr/bin/procmail']
 * or [process.execPath, 'dist/deliver.cjs']) and returns the normalised text.
 */
export async function runCase(c, command, opts = {}) {
  const { root, sb, cleanup } = await prepareSandbox(c);
  try {
    const [file, ...prefix] = command;
    const argv = [...prefix, ...c.args, '-m', ...sandboxAssignments(root, sb), `${sb}/rcfile`, ...c.rcargs];
    const started = Date.now();
    const r = await run(file, argv, {
      cwd: sb,
      env: { ...CLEAN_ENV },
      input: c.message,
      timeoutMs: opts.timeoutMs ?? CASE_TIMEOUT_MS,
    });
    const elapsedMs = Date.now() - started;
    return { text: snapshot(root, sb, r), elapsedMs };
  } finally {
    if (!opts.keep) cleanup();
  }
}

/** Harness-owned paths that are not part of the outcome. */
function isHarnessPath(rel) {
  return rel === 'sb/rcfile' || rel === 'sb/log' || rel === 'sendmail' || rel === 'fwd' || rel.startsWith('fwd/');
}

function walk(root, rel, out) {
  const abs = path.join(root, rel);
  for (const name of fs.readdirSync(abs).sort()) {
    const r = rel === '' ? name : `${rel}/${name}`;
    if (isHarnessPath(r)) continue;
    const st = fs.lstatSync(path.join(root, r));
    if (st.isDirectory()) {
      out.push({ rel: r, kind: 'dir', st });
      walk(root, r, out);
    } else if (st.isSymbolicLink()) {
      out.push({ rel: r, kind: 'symlink', st, target: fs.readlinkSync(path.join(root, r)) });
    } else if (st.isFile()) {
      out.push({ rel: r, kind: 'file', st, content: fs.readFileSync(path.join(root, r)) });
    } else {
      out.push({ rel: r, kind: 'other', st });
    }
  }
}

/**
 * What an expected.txt records, for comparing with a prediction: the exit
 * code, each file (name as shown, its size when the harness kept it, its
 * content) and each forward's argv.
 */
export function parseExpected(text) {
  const exit = /^exit: (.*)$/m.exec(text)?.[1] ?? '';
  const files = [];
  const forwards = [];
  const blocks = text.split(/^(?==== )/m);
  for (const b of blocks) {
    const nl = b.indexOf('\n');
    const head = nl < 0 ? b : b.slice(0, nl);
    const body = nl < 0 ? '' : b.slice(nl + 1);
    const m = /^=== file (.*) (\d{4}) links=(\d+) \(((\d+) bytes|normalised)\)$/.exec(head);
    if (m) {
      files.push({ name: m[1], mode: m[2], links: Number(m[3]), size: m[5] === undefined ? null : Number(m[5]), content: body });
    } else if (/^=== forward \d+ /.test(head)) {
      const args = [];
      for (const line of body.split('\n')) {
        if (line === '--- stdin') break;
        const a = /^\[(.*)\]$/.exec(line);
        if (a) args.push(a[1]);
      }
      forwards.push(args);
    }
  }
  return { exit, files, forwards };
}

/** A file name as the harness shows it, with run-dependent names replaced by one placeholder per kind (maildir, plain directory). */
export function stableName(shown) {
  const parts = shown.split('/');
  const base = parts[parts.length - 1];
  const parent = parts[parts.length - 2];
  if (parent === 'new' || parent === 'cur' || parent === 'tmp') parts[parts.length - 1] = '@MD@';
  else if (/^msg\.(?:@MSG\d+@|[A-Za-z0-9_-]+)$/.test(base)) parts[parts.length - 1] = 'msg.@MSG@';
  return parts.join('/');
}

/**
 * Names that differ from run to run and are replaced by placeholders:
 * maildir files (`<time>.<pid>_<n>.<host>` in new/ cur/ tmp/, docs/procmail-semantics.md
 * §7.3) and plain-directory files (`msg.<ultoan(inode)>`, §7.4). Placeholders
 * are numbered per directory, ordered by content, so both implementations
 * get the same ones.
 */
function unstableName(rel) {
  const parts = rel.split('/');
  const base = parts[parts.length - 1];
  const parent = parts[parts.length - 2];
  if (parent === 'new' || parent === 'cur' || parent === 'tmp') return true;
  return /^msg\.[A-Za-z0-9_-]+$/.test(base);
}

const CTIME = /(?:Sun|Mon|Tue|Wed|Thu|Fri|Sat) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d \d\d:\d\d:\d\d (\d{4})/g;

function normaliseText(s, renames, root) {
  let t = s.split(root).join('@ROOT@');
  for (const [from, to] of renames) t = t.split(from).join(to);
  // Generated From_ dates (`-f`, docs/procmail-semantics.md §7.1) carry the current time;
  // dates from the input messages are older and stay untouched.
  const year = new Date().getUTCFullYear();
  t = t.replace(CTIME, (m, y) => (Math.abs(Number(y) - year) <= 1 ? '@DATE@' : m));
  // The abstract's tab alignment depends on the folder name's length, which
  // a renamed maildir/plain-dir name no longer has (docs/procmail-semantics.md §8.1).
  // (Runs on escaped text: a TAB is the two characters `\t` here.)
  t = t.replace(/^( {2}Folder: [^\n]*@(?:MD|MSG)\d+@.*?)(?:\\t)+ *(\d+)$/gm, '$1 @TABS@ $2');
  return t;
}

/** Byte-exact, reviewable rendering: printable ASCII as is, the rest escaped. */
export function escapeBytes(buf) {
  let s = '';
  for (const b of buf) {
    if (b === 0x0a) s += '\n';
    else if (b === 0x5c) s += '\\\\';
    else if (b === 0x09) s += '\\t';
    else if (b === 0x0d) s += '\\r';
    else if (b >= 0x20 && b < 0x7f) s += String.fromCharCode(b);
    else s += '\\x' + b.toString(16).padStart(2, '0');
  }
  if (buf.length > 0 && buf[buf.length - 1] !== 0x0a) s += '\\%\n';
  return s;
}

function block(title, buf, renames, root) {
  const raw = escapeBytes(buf);
  const body = normaliseText(raw, renames, root);
  // A byte count is only stable when nothing run-dependent was replaced
  // (maildir names carry the pid, whose length varies).
  const size = body === raw.split(root).join('@ROOT@') ? `${buf.length} bytes` : 'normalised';
  return `=== ${title} (${size})\n${body}`;
}

function snapshot(root, sb, r) {
  const entries = [];
  walk(root, '', entries);

  // Collect unstable names, sort them per directory by content, assign placeholders.
  const renames = new Map();
  const byDir = new Map();
  for (const e of entries) {
    if (e.kind !== 'file' || !unstableName(e.rel)) continue;
    const dir = path.dirname(e.rel);
    if (!byDir.has(dir)) byDir.set(dir, []);
    byDir.get(dir).push(e);
  }
  for (const [, list] of byDir) {
    list.sort((a, b) => Buffer.compare(a.content, b.content) || (a.rel < b.rel ? -1 : 1));
    list.forEach((e, i) => {
      const base = path.basename(e.rel);
      const ph = base.startsWith('msg.') ? `msg.@MSG${i + 1}@` : `@MD${i + 1}@`;
      renames.set(base, ph);
    });
  }
  // Longest first, so no name is replaced inside a longer one.
  const renameList = [...renames].sort((a, b) => b[0].length - a[0].length);
  const rename = (rel) =>
    rel
      .split('/')
      .map((p) => renames.get(p) ?? p)
      .join('/');
  const shown = (rel) => (rel.startsWith('sb/') ? rel.slice(3) : rel === 'sb' ? '.' : `@ROOT@/${rel}`);

  const out = [];
  out.push(`exit: ${r.code}\n`);
  out.push(block('stdout', r.stdout, renameList, root));
  out.push(block('stderr', r.stderr, renameList, root));
  const logPath = path.join(sb, 'log');
  const log = fs.existsSync(logPath) ? fs.readFileSync(logPath) : null;
  out.push(log === null ? '=== log (absent)\n' : block('log', log, renameList, root));

  const files = entries
    .filter((e) => e.rel !== 'sb')
    .map((e) => ({ ...e, name: shown(rename(e.rel)) }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of files) {
    const mode = (e.st.mode & 0o7777).toString(8).padStart(4, '0');
    if (e.kind === 'dir') out.push(`=== dir ${e.name} ${mode}\n`);
    else if (e.kind === 'symlink') out.push(`=== symlink ${e.name} -> ${e.target}\n`);
    else if (e.kind === 'other') out.push(`=== special ${e.name} ${mode}\n`);
    else out.push(block(`file ${e.name} ${mode} links=${e.st.nlink}`, e.content, renameList, root));
  }

  const fwdDir = path.join(root, 'fwd');
  const fwds = fs.existsSync(fwdDir)
    ? fs
        .readdirSync(fwdDir)
        .map((f) => fs.readFileSync(path.join(fwdDir, f)))
        .sort(Buffer.compare)
    : [];
  fwds.forEach((f, i) => out.push(block(`forward ${i + 1}`, f, renameList, root)));
  return out.join('');
}
