// Bundled by bench/replay.mjs: the dry-run engine as `mailrules test` uses it, in-process.
export { enableLinearRegexFallback } from '../src/v8-flags.js';
export { compileRc } from '../src/compile/compile.js';
export { DryRunSession } from '../src/dryrun/session.js';
export { nodeDryRunFs } from '../src/dryrun/answerer.js';
export { spawnProgramRunner } from '../src/dryrun/programs.js';
export { dryRunEnv } from '../src/dryrun/env.js';
export { readSources, resolveInputs } from '../src/dryrun/sources.js';
export { renderShort } from '../src/dryrun/render-short.js';
export { Summary } from '../src/dryrun/summary.js';
