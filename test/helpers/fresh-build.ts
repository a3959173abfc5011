import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { inject } from 'vitest';

/**
 * The build that tests which run the product (bin/mailrules, the delivery
 * agent's bundle, dist/cli.cjs) run: made from the sources as they are now,
 * never the checkout's dist/, which `npm test` does not rebuild and which is
 * stale after any edit until `npm run build`.
 *
 * `node scripts/build.mjs --out DIR` makes the install tree, the same steps
 * as `npm run build` (bundles, the fcntl addon, the delivery agent's code
 * cache). The first test that asks builds; the others, in any worker, wait
 * for it and share it. Builds are kept by a fingerprint of their inputs
 * (path, size and modification time of each), so a source saved during a
 * watch run gets a new build, and each run's builds live in the folder
 * test/global-setup.ts makes and removes.
 *
 * Measured on the 2-core test machine under a load average of 15: about
 * 1.2–2 s for the whole tree (esbuild ~1 s for the three bundles, the
 * training delivery for the code cache ~0.45 s; node-gyp, ~4.5 s, is skipped
 * while native/build holds an addon newer than its source).
 */
export interface FreshBuild {
  /** The install tree: bin/, dist/, package.json and a link to node_modules. */
  readonly root: string;
  readonly bin: string;
  readonly dist: string;
  /** dist/deliver.cjs: procmail's command line (the delivery agent's loader). */
  readonly deliver: string;
}

/** The repository root. */
export const REPO = path.resolve(__dirname, '..', '..');

/** What a build reads besides src/: a change to any of these makes a new one. */
const INPUT_FILES = ['scripts/build.mjs', 'bin/mailrules', 'package.json', 'package-lock.json', 'tsconfig.json', 'native/fcntl-lock.c', 'native/os-pipe.c', 'native/os-pipe.h', 'native/zygote-fork.c', 'native/zygote-fork.h', 'native/binding.gyp', 'native/build/Release/fcntl_lock.node'];
const INPUT_DIRS = ['src'];

/** A guard against a builder that hangs, not a limit on how long a build may take. */
const WAIT_FOR_BUILD_MS = 10 * 60_000;
const POLL_MS = 50;
const READY = '.ready';

function listFiles(dir: string, out: string[]): string[] {
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) listFiles(p, out);
    else out.push(p);
  }
  return out;
}

/** Identifies the inputs of a build of `repo`: every input's path, size and modification time. */
export function buildInputsFingerprint(repo: string = REPO): string {
  const files = [...INPUT_DIRS.flatMap((d) => listFiles(path.join(repo, d), [])), ...INPUT_FILES.map((f) => path.join(repo, f))].sort();
  const h = createHash('sha256');
  for (const f of files) {
    const st = fs.statSync(f, { throwIfNoEntry: false });
    h.update(`${path.relative(repo, f)}\0${st ? `${st.size}:${st.mtimeMs}` : '-'}\n`);
  }
  return h.digest('hex').slice(0, 16);
}

/** Builds `repo` into the install tree `out` with its own scripts/build.mjs; throws with the build's output on failure. */
export function buildInstallTree(repo: string, out: string): FreshBuild {
  const env = { ...process.env };
  // Costs ~30 ms per node process and is never needed by a build.
  delete env['NODE_EXTRA_CA_CERTS'];
  const r = spawnSync(process.execPath, [path.join(repo, 'scripts', 'build.mjs'), '--out', out], { cwd: repo, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`node scripts/build.mjs --out ${out} failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stderr}${r.stdout}`);
  // Readable by every user, as a checkout is: end-to-end tests deliver as other users.
  fs.chmodSync(out, 0o755);
  return layout(out);
}

function layout(root: string): FreshBuild {
  const dist = path.join(root, 'dist');
  return { root, bin: path.join(root, 'bin', 'mailrules'), dist, deliver: path.join(dist, 'deliver.cjs') };
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks this thread for `ms` (the build is synchronous for its callers, so the wait is too). */
function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

let ownFolder: string | undefined;

/** The folder this run's builds go to: test/global-setup.ts's, or one of this process's own outside vitest's global setup. */
function buildsFolder(): string {
  const shared = inject('freshBuildsDir') as string | undefined;
  if (shared !== undefined) return shared;
  if (ownFolder === undefined) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailrules-build-'));
    process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    ownFolder = dir;
  }
  return ownFolder;
}

const built = new Map<string, FreshBuild>();

/**
 * The install tree built from the current sources, building it if no test
 * has yet. Throws when the build fails: a test that needs the product then
 * fails, it is not skipped.
 */
export function freshBuild(): FreshBuild {
  const key = buildInputsFingerprint(REPO);
  const known = built.get(key);
  if (known !== undefined) return known;
  const folder = buildsFolder();
  const root = path.join(folder, key);
  const lock = `${root}.lock`;
  const failed = `${root}.failed`;
  let mine = false;
  if (!fs.existsSync(path.join(root, READY))) {
    try {
      fs.mkdirSync(lock);
      mine = true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  if (mine) {
    try {
      fs.rmSync(failed, { force: true });
      fs.rmSync(root, { recursive: true, force: true });
      buildInstallTree(REPO, root);
      fs.writeFileSync(path.join(root, READY), '');
    } catch (e) {
      fs.writeFileSync(failed, String((e as Error).message));
      throw e;
    } finally {
      fs.rmSync(lock, { recursive: true, force: true });
    }
  } else {
    const giveUp = Date.now() + WAIT_FOR_BUILD_MS;
    while (!fs.existsSync(path.join(root, READY))) {
      if (fs.existsSync(failed)) throw new Error(`the build for the tests failed:\n${fs.readFileSync(failed, 'utf8')}`);
      if (!fs.existsSync(lock) && !fs.existsSync(path.join(root, READY))) throw new Error(`the build in ${root} stopped without finishing`);
      if (Date.now() > giveUp) throw new Error(`no build in ${root} after ${WAIT_FOR_BUILD_MS / 60_000} minutes: is a builder hanging?`);
      sleepSync(POLL_MS);
    }
  }
  const b = layout(root);
  built.set(key, b);
  return b;
}
