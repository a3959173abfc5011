// Times `mailrules check` work on a generated 10,000-recipe rc file, in
// process: compileRc() = lex + parse + compile + every diagnostic, after the
// modules are loaded. The TypeScript sources are bundled with esbuild first
// (no tsx needed). Goal: < 200 ms (grammar/README.md).
//
// The figure that counts is the cold one, because a `mailrules check` is one
// process checking one file: "fresh" starts N new node processes, with the V8
// flags bin/mailrules starts node with, and each reads the rc from a file and
// times one compileRc(); "plain node" is the same without those flags (the
// linear-regex ones are then set at run time, and the young generation
// keeps its default size: src/limits.ts YOUNG_SEMI_SPACE_MB). The first
// call in this process would not do: it runs after esbuild and after the
// text was generated here, whose leftovers in the heap cost the check 30-60
// ms more than reading the same text from a file.
// The warm runs, here, are the steady state (the JIT has optimized the front
// end). Each checks a text with its own regex patterns (same size and shape),
// so no run is helped by the regex translation cache an earlier one filled.
// The load average is printed because other processes on the machine
// inflate every figure.
// Run: node bench/parse.mjs [warm runs] [--fresh N]   (unset NODE_EXTRA_CA_CERTS when timing)
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { binaryNodeFlags } from '../scripts/build.mjs';
import { bigRc } from './big-rc.mjs';

const GOAL_MS = 200;
const RECIPES = 10_000;
const args = process.argv.slice(2);
const freshAt = args.indexOf('--fresh');
const FRESH = freshAt < 0 ? 9 : Number(args.splice(freshAt, 2)[1] ?? 9);
const WARM = Number(args[0] ?? 5);

const dir = mkdtempSync(join(tmpdir(), 'mailrules-bench-'));
const outfile = join(dir, 'compile.cjs');
await build({
  stdin: {
    contents: "export { compileRc } from './src/compile/compile.ts'; export { enableLinearRegexFallback } from './src/v8-flags.ts';",
    resolveDir: process.cwd(),
    loader: 'ts',
  },
  bundle: true, platform: 'node', format: 'cjs', outfile, logLevel: 'warning',
});
const { compileRc, enableLinearRegexFallback } = createRequire(import.meta.url)(outfile);
enableLinearRegexFallback();


const figure = (label, ms) => console.log(`${label.padEnd(30)} ${ms.toFixed(1).padStart(6)} ms = ${(ms / GOAL_MS).toFixed(2)} x the ${GOAL_MS} ms goal`);
const median = (xs) => [...xs].sort((a, b) => a - b)[(xs.length - 1) >> 1];

let program;
const warm = [];
for (let r = 0; r <= WARM; r++) {
  const text = bigRc(RECIPES, `r${r}`);
  const t0 = performance.now();
  program = compileRc(text, 'bench.rc');
  // The first call warms the JIT up; it is not a steady-state figure.
  if (r > 0) warm.push(performance.now() - t0);
}
const errors = program.diagnostics.filter((d) => d.severity === 'error').length;

// The fresh checks run as the binary does.
const flags = binaryNodeFlags();
const fresh = { binary: [], plain: [] };
if (FRESH > 0) {
  const rc = join(dir, 'bench.rc');
  writeFileSync(rc, bigRc(RECIPES, `r${WARM + 1}`), 'latin1');
  const child = `const { compileRc, enableLinearRegexFallback } = require(${JSON.stringify(outfile)});
enableLinearRegexFallback();
const text = require('node:fs').readFileSync(${JSON.stringify(rc)}, 'latin1');
const t0 = performance.now();
compileRc(text, 'bench.rc');
process.stdout.write(String(performance.now() - t0));`;
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  const time = (nodeFlags) => {
    const r = spawnSync(process.execPath, [...nodeFlags, '-e', child], { env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`fresh check failed: ${r.stderr}`);
    return Number(r.stdout);
  };
  // Interleaved, so machine noise hits both alike.
  for (let i = 0; i < FRESH; i++) {
    fresh.binary.push(time(flags));
    fresh.plain.push(time([]));
  }
}

const sample = bigRc(RECIPES, `r${WARM + 1}`);
console.log(`rc: ${RECIPES} recipes, ${sample.length} bytes, ${sample.split('\n').length} lines; ${program.items.length} steps, ${errors} errors`);
console.log(`load average: ${loadavg().map((l) => l.toFixed(2)).join(' ')}; node flags as bin/mailrules: ${flags.join(' ') || '(none)'}`);
if (FRESH > 0) {
  figure(`check, fresh, median of ${FRESH}:`, median(fresh.binary));
  figure(`check, fresh, best of ${FRESH}:`, Math.min(...fresh.binary));
  figure(`check, fresh, worst of ${FRESH}:`, Math.max(...fresh.binary));
  figure(`  same, plain node, median:`, median(fresh.plain));
}
if (warm.length > 0) figure(`check, warm, median of ${warm.length}:`, median(warm));
rmSync(dir, { recursive: true, force: true });
if (errors > 0) process.exitCode = 1;
