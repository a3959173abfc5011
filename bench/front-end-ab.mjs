// The rc front end, side by side: A = the nearley grammar src/syntax had up
// to BASE (its src/syntax and grammar/ taken from git, nearleyc run on
// grammar/rcfile.ne), C = the explicit stack src/syntax has now
// (src/syntax/parse.ts). Everything but src/syntax is this checkout's in
// both, so the ratios are the front end's alone. Both are built the way
// scripts/build.mjs builds dist/ (its own options), into a temporary folder.
//
// Printed as C / A (below 1: the stack is cheaper), all measured in this one
// run, interleaved so that machine noise hits both alike:
//   - `mailrules check` on a 10,000-recipe rc (bench/parse.mjs's), each in a
//     fresh process under bin/mailrules' node flags: the CPU time of the whole
//     process; its peak RSS, which is mostly how far V8 grew the young
//     generation (it depends on where the last scavenge happens to fall, so
//     it is shown for three more sizes too);
//     its wall time; and, of one compileRc() alone in a fresh process (the
//     check's own work), the CPU time and the live heap after a full GC
//     with its result still held;
//   - warm: parseRc() and compileRc() of that rc in this process, after the
//     JIT has optimized both (each run on text with its own patterns);
//   - start-up: the delivery agent (dist/deliver.cjs, with its code cache)
//     delivering one message through a 20-recipe rc (bench/startup.mjs's);
//   - bytes of the bundles (the delivery agent's minified body, the CLI).
// Both variants must give the same AST and diagnostics for the big rc and
// every test/fixtures/rc file; the run stops if they do not.
//
// A needs nearley, which is no longer a dependency: it is installed once
// with npm into a cache folder under the system's temporary directory.
//
// Run: node bench/front-end-ab.mjs [--base REV] [--fresh 11] [--warm 9] [--rounds 40]
//      (unset NODE_EXTRA_CA_CERTS when timing; AB_KEEP=1 keeps the builds in the temporary folder)
import { build } from 'esbuild';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { binaryNodeFlags, cliOptions, deliverBodyOptions, deliverLoaderOptions, trainCodeCache } from '../scripts/build.mjs';
import { interleavedMedians, timedRun } from './interleave.mjs';
import { median, numberOption } from './options.mjs';
import { bigRc } from './big-rc.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The last commit of main whose front end is the nearley grammar. */
const NEARLEY_BASE = '3b6cfe98494faae75934c0b5871798d63392d966';
const args = process.argv.slice(2);
const baseAt = args.indexOf('--base');
const BASE = baseAt >= 0 ? args[baseAt + 1] : NEARLEY_BASE;
const FRESH = numberOption('--fresh', 11);
const WARM = numberOption('--warm', 9);
const ROUNDS = numberOption('--rounds', 40);
const RECIPES = 10_000;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mailrules-front-end-ab-'));
const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS;
const FLAGS = binaryNodeFlags();

/** nearley as BASE's package-lock.json pins it, installed once into a cache folder; returns its node_modules. */
function nearleyModules() {
  const lock = JSON.parse(execFileSync('git', ['-C', REPO, 'show', `${BASE}:package-lock.json`], { encoding: 'utf8', maxBuffer: 1 << 26 }));
  const version = lock.packages['node_modules/nearley']?.version;
  if (version === undefined) throw new Error(`${BASE}'s package-lock.json has no nearley: not a nearley front end`);
  const dir = path.join(os.tmpdir(), `mailrules-bench-nearley-${version}`);
  const modules = path.join(dir, 'node_modules');
  if (!fs.existsSync(path.join(modules, 'nearley', 'package.json'))) {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'package.json'), '{"private":true}\n');
    execFileSync('npm', ['install', '--no-save', '--no-package-lock', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund', `nearley@${version}`], { cwd: dir, env, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return modules;
}

/** A's source tree: this checkout's src/ with BASE's src/syntax and grammar/, and the grammar compiled. */
function nearleyTree(root, modules) {
  fs.cpSync(path.join(REPO, 'src'), path.join(root, 'src'), { recursive: true });
  // The same TypeScript settings (esbuild reads its class-field semantics from the target).
  fs.copyFileSync(path.join(REPO, 'tsconfig.json'), path.join(root, 'tsconfig.json'));
  fs.rmSync(path.join(root, 'src', 'syntax'), { recursive: true });
  const tar = execFileSync('git', ['-C', REPO, 'archive', BASE, 'src/syntax', 'grammar'], { maxBuffer: 1 << 28 });
  execFileSync('tar', ['-x', '-C', root], { input: tar });
  execFileSync(process.execPath, [path.join(modules, 'nearley', 'bin', 'nearleyc.js'), 'grammar/rcfile.ne', '-o', 'src/syntax/grammar.generated.ts'], { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Builds a variant whose sources are under `root` into `out`: the bench's bundle and dist/ as scripts/build.mjs makes it. */
async function buildVariant(root, out, nodePaths) {
  // nodePaths after the checkout's node_modules: A's nearley (with its own, older commander) comes last.
  const where = { absWorkingDir: root, nodePaths, logLevel: 'warning' };
  await build({
    stdin: {
      contents: "export { compileRc } from './src/compile/compile.ts'; export { parseRc } from './src/syntax/parse.ts'; export { enableLinearRegexFallback } from './src/v8-flags.ts';",
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true, platform: 'node', format: 'cjs', outfile: path.join(out, 'front-end.cjs'), ...where,
  });
  const dist = path.join(out, 'dist');
  for (const options of [deliverBodyOptions, deliverLoaderOptions, cliOptions]) {
    await build({ ...options, ...where, outfile: path.join(out, options.outfile) });
  }
  // The same locking for both: the checkout's addon when it is built.
  const addon = path.join(REPO, 'dist', 'fcntl-lock.node');
  if (fs.existsSync(addon)) fs.copyFileSync(addon, path.join(dist, 'fcntl-lock.node'));
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(out, 'node_modules'));
  trainCodeCache(dist);
  if (!fs.existsSync(path.join(dist, 'deliver-body.cache'))) throw new Error(`${out}: no code cache was made`);
}


const variants = [
  { name: 'A nearley', dir: path.join(tmp, 'A') },
  { name: 'C stack', dir: path.join(tmp, 'C') },
];
const [A, C] = variants;

try {
  const modules = nearleyModules();
  nearleyTree(path.join(A.dir, 'tree'), modules);
  await buildVariant(path.join(A.dir, 'tree'), A.dir, [path.join(REPO, 'node_modules'), modules]);
  await buildVariant(REPO, C.dir, []);
  const require = createRequire(import.meta.url);
  for (const v of variants) {
    v.front = require(path.join(v.dir, 'front-end.cjs'));
    v.front.enableLinearRegexFallback();
  }

  // The same output, or the figures compare different work.
  const fixtures = path.join(REPO, 'test', 'fixtures', 'rc');
  const texts = [['bench.rc', bigRc(RECIPES, 'same')], ...fs.readdirSync(fixtures).filter((f) => f.endsWith('.rc')).map((f) => [f, fs.readFileSync(path.join(fixtures, f), 'latin1')])];
  const strip = (r) => JSON.stringify({ ast: r.ast, diagnostics: r.diagnostics }, (k, v) => (k === 'parses' ? undefined : v));
  for (const [file, text] of texts) {
    if (strip(A.front.parseRc(text, file)) !== strip(C.front.parseRc(text, file))) throw new Error(`${file}: A and C parse it differently`);
    if (JSON.stringify(A.front.compileRc(text, file).diagnostics) !== JSON.stringify(C.front.compileRc(text, file).diagnostics)) throw new Error(`${file}: A and C check it differently`);
  }

  // Warm: alternating, A first on even runs; the first run of each only warms the JIT up.
  const warm = { parse: new Map(variants.map((v) => [v, []])), check: new Map(variants.map((v) => [v, []])) };
  for (let r = 0; r <= WARM; r++) {
    for (const v of r % 2 ? [C, A] : [A, C]) {
      const text = bigRc(RECIPES, `w${r}${v === A ? 'a' : 'c'}`);
      let t0 = performance.now();
      v.front.parseRc(text, 'bench.rc');
      const parsed = performance.now() - t0;
      t0 = performance.now();
      v.front.compileRc(text, 'bench.rc');
      const checked = performance.now() - t0;
      if (r > 0) {
        warm.parse.get(v).push(parsed);
        warm.check.get(v).push(checked);
      }
    }
  }

  // Fresh processes, as `mailrules check` runs.
  const rc = path.join(tmp, 'bench.rc');
  fs.writeFileSync(rc, bigRc(RECIPES, 'fresh'), 'latin1');
  const report = path.join(tmp, 'report.json');
  const checkProcess = (v, file = rc) => {
    const cli = path.join(v.dir, 'dist', 'cli.cjs');
    const child = `const fs = require('node:fs');
process.on('exit', () => { const u = process.cpuUsage(); fs.writeFileSync(${JSON.stringify(report)}, JSON.stringify({ cpu: (u.user + u.system) / 1000, rss: process.resourceUsage().maxRSS / 1024 })); });
process.argv = [process.argv[0], ${JSON.stringify(cli)}, 'check', ${JSON.stringify(file)}];
require(${JSON.stringify(cli)});`;
    const wall = timedRun(`${v.name} check`, [process.execPath, ...FLAGS, '-e', child], env, '');
    return { wall, ...JSON.parse(fs.readFileSync(report, 'utf8')) };
  };
  const compileOnce = (v) => {
    const child = `const { compileRc, enableLinearRegexFallback } = require(${JSON.stringify(path.join(v.dir, 'front-end.cjs'))});
enableLinearRegexFallback();
const text = require('node:fs').readFileSync(${JSON.stringify(rc)}, 'latin1');
const u = process.cpuUsage();
const program = compileRc(text, 'bench.rc');
const d = process.cpuUsage(u);
global.gc();
const live = process.memoryUsage().heapUsed / 1048576;
process.stdout.write(JSON.stringify({ cpu: (d.user + d.system) / 1000, live, steps: program.items.length }));`;
    // --expose-gc for the live heap, measured after the CPU time.
    const r = spawnSync(process.execPath, [...FLAGS, '--expose-gc', '-e', child], { env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${v.name}: fresh compileRc failed: ${r.stderr}`);
    return JSON.parse(r.stdout);
  };
  const fresh = new Map(variants.map((v) => [v, { cpu: [], rss: [], live: [], wall: [], compile: [] }]));
  for (let i = 0; i < FRESH; i++) {
    for (const v of i % 2 ? [C, A] : [A, C]) {
      const f = fresh.get(v);
      const p = checkProcess(v);
      f.cpu.push(p.cpu);
      f.rss.push(p.rss);
      f.wall.push(p.wall);
      const c = compileOnce(v);
      f.compile.push(c.cpu);
      f.live.push(c.live);
    }
  }

  // Peak RSS moves in steps, as V8 grows the young generation: other sizes show whether a step is the front end's.
  const SIZES = [5_000, 15_000, 20_000];
  const rssBySize = new Map(variants.map((v) => [v, []]));
  for (const n of SIZES) {
    const file = path.join(tmp, `bench-${n}.rc`);
    fs.writeFileSync(file, bigRc(n, 'size'), 'latin1');
    for (const v of variants) rssBySize.get(v).push(checkProcess(v, file).rss);
  }

  // Start-up: bench/startup.mjs's rc and message through each delivery agent.
  const home = path.join(tmp, 'home');
  fs.mkdirSync(home);
  const recipes = [];
  for (let i = 0; i < 19; i++) recipes.push(`:0:\n* ^Subject:.*(project-${i}|weekly-${i})\n* !^From:.*noreply\nlist-${i}\n`);
  recipes.push(':0:\n* ^From:.*alice@example\\.com\ninbox\n');
  const small = path.join(home, 'rc');
  fs.writeFileSync(small, `MAILDIR=${home}\nLOGFILE=${home}/log\n${recipes.join('')}`, { mode: 0o644 });
  const inbox = path.join(home, 'inbox');
  fs.writeFileSync(inbox, '', { mode: 0o600 });
  const message = Buffer.from('From: Alice Example <alice@example.com>\nTo: bob@example.org\nSubject: lunch tomorrow?\n\nShall we meet at noon?\n');
  const startEnv = { PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`, TZ: 'UTC', LC_ALL: 'C' };
  const commands = variants.map((v) => ({ name: v.name, argv: [process.execPath, ...FLAGS, path.join(v.dir, 'dist', 'deliver.cjs'), '-m', small] }));
  const startup = interleavedMedians(commands, ROUNDS, 5, (c) => timedRun(c.name, c.argv, startEnv, message));
  const delivered = fs.readFileSync(inbox, 'latin1').split('\nShall we meet at noon?\n').length - 1;
  if (delivered !== (ROUNDS + 5) * 2) throw new Error(`the inbox holds ${delivered} messages, expected ${(ROUNDS + 5) * 2}`);

  const bytes = (v, f) => fs.statSync(path.join(v.dir, 'dist', f)).size;
  const rows = [
    ['check, fresh process: CPU ms (median)', (v) => median(fresh.get(v).cpu)],
    ['check, fresh process: peak RSS MiB (median)', (v) => median(fresh.get(v).rss)],
    ...SIZES.map((n, k) => [`  the same, ${n} recipes (one run)`, (v) => rssBySize.get(v)[k]]),
    ['check, fresh process: wall ms (median)', (v) => median(fresh.get(v).wall)],
    ['compileRc alone, fresh process: CPU ms (median)', (v) => median(fresh.get(v).compile)],
    ['compileRc alone: live heap with its result, MiB', (v) => median(fresh.get(v).live)],
    ['parseRc, warm: ms (median)', (v) => median(warm.parse.get(v))],
    ['compileRc, warm: ms (median)', (v) => median(warm.check.get(v))],
    ['start-up, deliver.cjs: wall ms (median)', (v) => startup.get(v.name)],
    ['bundle bytes, deliver-body.cjs (minified)', (v) => bytes(v, 'deliver-body.cjs')],
    ['bundle bytes, cli.cjs', (v) => bytes(v, 'cli.cjs')],
  ];
  console.log(`A = nearley front end of ${BASE.slice(0, 12)}, C = this checkout's stack; everything else this checkout's`);
  console.log(`rc: ${RECIPES} recipes; fresh: ${FRESH} each, warm: ${WARM} each, start-up: ${ROUNDS} rounds; node flags: ${FLAGS.join(' ')}`);
  console.log(`load average: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; same AST and diagnostics for ${texts.length} files`);
  console.log(`${'measure'.padEnd(52)} ${'A'.padStart(10)} ${'C'.padStart(10)}   C/A`);
  for (const [label, of] of rows) {
    const a = of(A);
    const c = of(C);
    const shown = (x) => (Number.isInteger(x) ? String(x) : x.toFixed(1)).padStart(10);
    console.log(`${label.padEnd(52)} ${shown(a)} ${shown(c)}  ${(c / a).toFixed(2)}`);
  }
} finally {
  if (!process.env.AB_KEEP) fs.rmSync(tmp, { recursive: true, force: true });
}
