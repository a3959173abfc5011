// Bundles each entry point into one CommonJS file: the fastest form to start
// (docs/node-runtime.md §2.2). The delivery agent's bundle must not contain
// commander, libmime or nodemailer; those are loaded lazily where needed.
//
//   node scripts/build.mjs             dist/ in the checkout (npm run build)
//   node scripts/build.mjs --out DIR   an install tree in DIR: bin/mailrules, dist/,
//                                      package.json and a link to node_modules (the
//                                      tests' build, test/helpers/fresh-build.ts)
import { build as esbuild } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const IS_MAIN = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
/** Where this run builds: the checkout, or the install tree `--out` names. */
const OUT_ARG = IS_MAIN ? process.argv.indexOf('--out') : -1;
if (OUT_ARG >= 0 && !process.argv[OUT_ARG + 1]) {
  console.error('usage: node scripts/build.mjs [--out DIR]');
  process.exit(64);
}
const OUT = OUT_ARG >= 0 ? path.resolve(process.argv[OUT_ARG + 1]) : REPO;
const DIST = path.join(OUT, 'dist');

/** esbuild with the bundle's outfile (dist/…) placed under OUT. */
function build(options) {
  return esbuild({ ...options, outfile: path.join(OUT, options.outfile) });
}
/** The version every bundle reports (src/version.ts): package.json's, the one place it is kept. */
const VERSION = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')).version;

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: false,
  logLevel: 'warning',
  absWorkingDir: REPO,
  // Native addons and heavy libraries stay outside the bundle and load on demand.
  external: ['os-lock', 'libmime', 'nodemailer', 'iconv-lite'],
  define: { __MAILRULES_VERSION__: JSON.stringify(VERSION) },
};

/**
 * The delivery agent runs once per message, so its start-up is the product
 * (bench/startup.mjs, docs/node-runtime.md §2). dist/deliver-body.cjs is the agent, minified (less source for
 * V8 to scan); dist/deliver.cjs is the small loader that runs it from the
 * V8 code cache made below (src/cli/bin-entry.ts).
 */
const BUILD_ID = randomBytes(8).toString('hex');

export const deliverBodyOptions = {
  ...common,
  minify: true,
  // The build id ties the code cache (src/cli/code-cache.ts) and cached compiled rcfiles (src/deliver/compiled-rc-cache.ts) to this exact build.
  banner: { js: `// mailrules-build ${BUILD_ID}` },
  define: { ...common.define, __MAILRULES_BUILD_ID__: JSON.stringify(BUILD_ID) },
  entryPoints: ['src/cli/delivery-agent-entry.ts'],
  outfile: 'dist/deliver-body.cjs',
};

export const deliverLoaderOptions = { ...common, entryPoints: ['src/cli/bin-entry.ts'], outfile: 'dist/deliver.cjs' };

export const cliOptions = { ...common, entryPoints: ['src/cli/subcommand-cli-entry.ts'], outfile: 'dist/cli.cjs' };

/** A user worker of `mailrules lmtp` (src/cli/lmtp-worker-entry.ts), forked by the service: loaded once per worker, not per message. */
export const lmtpWorkerOptions = {
  ...common,
  // The delivery agent's build id: a compiled rc cached in a user's home by either is good for the other.
  define: { ...common.define, __MAILRULES_BUILD_ID__: JSON.stringify(BUILD_ID) },
  entryPoints: ['src/cli/lmtp-worker-entry.ts'],
  outfile: 'dist/lmtp-worker.cjs',
};

/**
 * Builds native/fcntl-lock.c (synchronous fcntl locks; src/deliver/kernel-lock.ts)
 * native/os-pipe.c (real pipes for programs; src/deliver/os-pipe.ts) and
 * native/zygote-fork.c (the LMTP zygote's fork; src/lmtp/zygote.ts)
 * with node-gyp and copies it beside the body as dist/fcntl-lock.node, where
 * the agent loads it by path. A failure costs speed (the agent then uses
 * os-lock, or dotlocks alone) and gives programs sockets as stdin.
 */
export function buildNativeLock(dist = DIST, { reuse = false } = {}) {
  const out = path.join(dist, 'fcntl-lock.node');
  fs.rmSync(out, { force: true });
  const built = path.join(REPO, 'native', 'build', 'Release', 'fcntl_lock.node');
  if (reuse && isNewer(built, ['fcntl-lock.c', 'os-pipe.c', 'os-pipe.h', 'zygote-fork.c', 'zygote-fork.h', 'binding.gyp'].map((f) => path.join(REPO, 'native', f)))) {
    fs.copyFileSync(built, out);
    return;
  }
  // npm sets npm_config_node_gyp for scripts; else the node-gyp npm bundles, else one on PATH.
  const bundled = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  const gyp = process.env.npm_config_node_gyp ?? (fs.existsSync(bundled) ? bundled : null);
  const cmd = gyp === null ? ['node-gyp'] : [process.execPath, gyp];
  // Node's own headers when they are installed (Debian's nodejs-dev): node-gyp would otherwise download them.
  const prefix = path.join(path.dirname(process.execPath), '..');
  const nodedir = process.env.npm_config_nodedir ?? (fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined);
  const args = [...cmd.slice(1), 'rebuild', '--directory', path.join(REPO, 'native'), ...(nodedir ? [`--nodedir=${nodedir}`] : [])];
  const r = spawnSync(cmd[0], args, { stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0 || !fs.existsSync(built)) {
    console.warn(`warning: native/fcntl-lock.c not built (the agent will use os-lock, and sockets for programs' stdin): ${r.error?.message ?? r.stderr?.toString().trim().split('\n').slice(-3).join('\n')}`);
    return;
  }
  fs.copyFileSync(built, out);
}

/** Whether `file` exists and was written after every one of `sources`. */
function isNewer(file, sources) {
  if (!fs.existsSync(file)) return false;
  const t = fs.statSync(file).mtimeMs;
  return sources.every((s) => fs.statSync(s).mtimeMs <= t);
}

/**
 * Makes OUT an install tree beside the bundles, as the checkout is one:
 * bin/mailrules (which loads ../dist/deliver.cjs), package.json (the version
 * `--version` reads) and node_modules (the packages the bundles load lazily).
 */
function prepareInstallTree(out) {
  fs.mkdirSync(path.join(out, 'bin'), { recursive: true });
  fs.mkdirSync(path.join(out, 'dist'), { recursive: true });
  fs.copyFileSync(path.join(REPO, 'bin', 'mailrules'), path.join(out, 'bin', 'mailrules'));
  fs.chmodSync(path.join(out, 'bin', 'mailrules'), 0o755);
  fs.copyFileSync(path.join(REPO, 'package.json'), path.join(out, 'package.json'));
  fs.rmSync(path.join(out, 'node_modules'), { force: true });
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(out, 'node_modules'));
}

/** The V8 flags on bin/mailrules' `#!/usr/bin/env -S node …` line, which is what the MTA runs. */
export function binaryNodeFlags() {
  const shebang = fs.readFileSync(path.join(REPO, 'bin', 'mailrules'), 'latin1').split('\n')[0];
  return shebang.split(/\s+/).filter((w) => w.startsWith('--'));
}

/**
 * Makes dist/deliver-body.cache: one delivery of a sample message through a
 * typical rcfile (conditions, variables, a locked mbox, a maildir copy), so
 * the cache holds the bytecode of the functions a delivery runs. A failure
 * only costs speed: the loader compiles the body without a cache.
 */
export function trainCodeCache(dist = DIST) {
  const cache = path.join(dist, 'deliver-body.cache');
  fs.rmSync(cache, { force: true });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailrules-train-'));
  try {
    const rc = [
      `MAILDIR=${dir}`,
      `LOGFILE=${dir}/log`,
      'SHIFT=$HOME',
      ':0',
      '* ^From:.*\\/[a-z]+@example\\.com',
      '{ SENDER=$MATCH }',
      ':0 B',
      '* 10^1 lunch',
      '* -5^0 ^Subject:.*unsubscribe',
      'scored',
      ':0 c:',
      '* ^Subject:.*(project|weekly)',
      '* !^From:.*noreply',
      'lists',
      ':0 c',
      '* ^TO_bob@example\\.org',
      'maildir/',
      ':0:',
      '* ^From:.*alice@example\\.com',
      'inbox',
      '',
    ].join('\n');
    fs.writeFileSync(path.join(dir, 'rc'), rc, { mode: 0o644 });
    const message = 'From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: weekly lunch\n\nShall we meet at noon?\nFrom here.\n';
    // Under bin/mailrules' node flags: V8 accepts a code cache only under the flags it was made with.
    const r = spawnSync(process.execPath, [...binaryNodeFlags(), path.join(dist, 'deliver.cjs'), '-m', path.join(dir, 'rc')], {
      input: message,
      env: { PATH: '/usr/bin:/bin', TZ: 'UTC', LC_ALL: 'C', MAILRULES_TRAIN_CODE_CACHE: '1' },
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    if (r.status !== 0 || !fs.existsSync(cache)) {
      console.warn(`warning: no code cache for the delivery agent (exit ${r.status}): ${r.stderr?.toString().trim()}`);
    } else {
      // Written under the agent's UMASK 077; every recipient's delivery reads it.
      fs.chmodSync(cache, 0o644);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (IS_MAIN) {
  if (OUT !== REPO) prepareInstallTree(OUT);
  await build(deliverBodyOptions);
  await build(deliverLoaderOptions);
  // A test build copies the addon when it is newer than its source: node-gyp takes seconds.
  buildNativeLock(DIST, { reuse: OUT !== REPO });
  // After the addon, so the training delivery's locking path is the one that ships.
  trainCodeCache();
  await build(cliOptions);
  await build(lmtpWorkerOptions);
}
