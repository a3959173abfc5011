// Bundles each entry point into one CommonJS file: the fastest form to start
// (node-stack.md §2.2). The delivery agent's bundle must not contain
// commander, mailparser or nodemailer; those are loaded lazily where needed.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: false,
  logLevel: 'warning',
  absWorkingDir: REPO,
  // Native addons and heavy libraries stay outside the bundle and load on demand.
  external: ['os-lock', 'mailparser', 'nodemailer'],
};

/**
 * The delivery agent runs once per message, so its start-up is the product
 * (issue 4). dist/deliver-body.cjs is the agent, minified (less source for
 * V8 to scan); dist/deliver.cjs is the small loader that runs it from the
 * V8 code cache made below (src/cli/deliver-loader.ts).
 */
export const deliverBodyOptions = {
  ...common,
  minify: true,
  // The build id ties the code cache to this exact build (src/cli/code-cache.ts).
  banner: { js: `// mailrules-build ${randomBytes(8).toString('hex')}` },
  entryPoints: ['src/cli/deliver-main.ts'],
  outfile: 'dist/deliver-body.cjs',
};

export const deliverLoaderOptions = { ...common, entryPoints: ['src/cli/deliver-loader.ts'], outfile: 'dist/deliver.cjs' };

export const cliOptions = { ...common, entryPoints: ['src/cli/cli-entry.ts'], outfile: 'dist/cli.cjs' };

/**
 * Makes dist/deliver-body.cache: one delivery of a sample message through a
 * typical rcfile (conditions, variables, a locked mbox, a maildir copy), so
 * the cache holds the bytecode of the functions a delivery runs. A failure
 * only costs speed: the loader compiles the body without a cache.
 */
export function trainCodeCache(dist = path.join(REPO, 'dist')) {
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
    const r = spawnSync(process.execPath, [path.join(dist, 'deliver.cjs'), '-m', path.join(dir, 'rc')], {
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

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await build(deliverBodyOptions);
  await build(deliverLoaderOptions);
  trainCodeCache();
  await build(cliOptions);
}
