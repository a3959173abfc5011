// Times `mailrules check` work on a generated 10,000-recipe rc file, in
// process: compileRc() = lex + parse + compile + every diagnostic, after the
// modules are loaded. The TypeScript sources are bundled with esbuild first
// (no tsx needed). Goal: < 200 ms (issue 2, grammar/README.md).
//
// Figures: the first run is what one `mailrules check` process pays (cold
// JIT); the warm runs are the steady state. Each run checks a file with its
// own regex patterns (same size and shape), so no run is helped by the regex
// translation cache filled by an earlier one. The load average is printed
// because other processes on the machine inflate every figure.
//
// The first run comes after this script has generated its texts, which grows
// the young generation first; a real `mailrules check` starts with a small
// one. `--fresh N` also times N checks of the last text, each alone in a new
// node process that reads it from a file: slower, and closer to one check.
// Run: node bench/parse.mjs [runs] [--fresh N]   (unset NODE_EXTRA_CA_CERTS when timing)
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const GOAL_MS = 200;
const RECIPES = 10_000;
const args = process.argv.slice(2);
const freshAt = args.indexOf('--fresh');
const FRESH = freshAt < 0 ? 0 : Number(args.splice(freshAt, 2)[1] ?? 5);
const RUNS = Number(args[0] ?? 8);

const dir = mkdtempSync(join(tmpdir(), 'mailrules-bench-'));
const outfile = join(dir, 'compile.cjs');
await build({
  stdin: {
    contents: "export { compileRc } from './src/compile/compile.ts'; export { enableLinearRegexFallback } from './src/regex-engine.ts';",
    resolveDir: process.cwd(),
    loader: 'ts',
  },
  bundle: true, platform: 'node', format: 'cjs', outfile, logLevel: 'warning',
});
const { compileRc, enableLinearRegexFallback } = createRequire(import.meta.url)(outfile);
enableLinearRegexFallback();

/** `tag` makes each run's regex patterns distinct from every other run's. */
function generate(n, tag) {
  const out = ['MAILDIR=$HOME/Mail', 'LOGFILE=$MAILDIR/log', ''];
  for (let i = 0; i < n; i++) {
    switch (i % 4) {
      case 0:
        out.push(`:0:`, `* ^From:.*user${i}${tag}@example\\.com`, `* !^X-Loop: me`, `inbox${i}`, '');
        break;
      case 1:
        out.push(`:0`, `* ^Subject:.*(report|digest) ${i}${tag}`, `{`, `  LOG="matched ${i}\n"`, `  :0 c`, `  ! fwd${i}@example.org`, `  :0`, `  lists/l${i}/`, `}`, '');
        break;
      case 2:
        out.push(`:0 fw`, `* 5^0 ^X-Spam-Level: \\*\\*\\*`, `* B ?? token${i}${tag}`, `| formail -A "X-Seen: ${i}"`, '');
        break;
      default:
        out.push(`# recipe ${i}`, `V${i}=\${V${i}:-default} W=$HOME`, `:0 E`, `* > ${i}`, `big/.`, '');
    }
  }
  return out.join('\n');
}

const texts = Array.from({ length: RUNS }, (_, r) => generate(RECIPES, `r${r}`));
const runs = [];
let program;
for (const text of texts) {
  const t0 = performance.now();
  program = compileRc(text, 'bench.rc');
  runs.push(performance.now() - t0);
}
const text = texts[texts.length - 1];
const errors = program.diagnostics.filter((d) => d.severity === 'error').length;
const warm = runs.slice(1).sort((a, b) => a - b);
const median = warm[Math.floor((warm.length - 1) / 2)];
const figure = (label, ms) => console.log(`${label.padEnd(26)} ${ms.toFixed(1).padStart(6)} ms = ${(ms / GOAL_MS).toFixed(2)} x the ${GOAL_MS} ms goal`);
console.log(`rc: ${RECIPES} recipes, ${text.length} bytes, ${text.split('\n').length} lines; ${program.items.length} steps, ${errors} errors`);
console.log(`load average: ${loadavg().map((l) => l.toFixed(2)).join(' ')} (${RUNS} runs)`);
figure('check, first run (cold):', runs[0]);
figure(`check, warm median of ${warm.length}:`, median);
figure(`check, warm best of ${warm.length}:`, warm[0]);
if (FRESH > 0) {
  const rc = join(dir, 'bench.rc');
  writeFileSync(rc, text, 'latin1');
  const child = `const { compileRc, enableLinearRegexFallback } = require(${JSON.stringify(outfile)});
enableLinearRegexFallback();
const text = require('node:fs').readFileSync(${JSON.stringify(rc)}, 'latin1');
const t0 = performance.now();
compileRc(text, 'bench.rc');
process.stdout.write(String(performance.now() - t0));`;
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  const fresh = [];
  for (let i = 0; i < FRESH; i++) {
    const r = spawnSync(process.execPath, ['-e', child], { env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`fresh check failed: ${r.stderr}`);
    fresh.push(Number(r.stdout));
  }
  fresh.sort((a, b) => a - b);
  figure(`check, fresh, median of ${FRESH}:`, fresh[(FRESH - 1) >> 1]);
}
rmSync(dir, { recursive: true, force: true });
if (errors > 0) process.exitCode = 1;
