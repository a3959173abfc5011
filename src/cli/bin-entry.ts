import type * as FsModule from 'node:fs';
import type * as VmModule from 'node:vm';
import { enableLinearRegexFallback } from '../v8-flags.js';
import { cacheHeader, cachedDataFor } from './code-cache.js';
import { routeOf } from './subcommands.js';

/**
 * dist/deliver.cjs: starts the delivery agent (dist/deliver-body.cjs, built
 * from delivery-agent-entry.ts) from a V8 code cache made at build time
 * (scripts/build.mjs). The agent runs once per message, and compiling its
 * ~120 KB, then every function it calls, was about a third of the time it
 * spends beyond Node's own start-up (docs/node-runtime.md §2.6). With the cache V8 takes the
 * bytecode as is.
 *
 * The cache is only a speed-up: V8 rejects one made by another Node version
 * or with other V8 flags, and a cache made for another build of the body is
 * not even offered (code-cache.ts), so a stale cache can never run old
 * code. Without one the body is compiled as usual.
 */

// Plain require, not `import * as`: esbuild's namespace interop copies every
// export of the module into a new object, ~0.1 ms each at start-up (docs/node-runtime.md §2.4).
const fs = require('node:fs') as typeof FsModule;
const vm = require('node:vm') as typeof VmModule;

const BODY = 'deliver-body.cjs';
/** Node's own CommonJS wrapper (Module.wrap), written out to spare loading node:module. */
const WRAPPER_HEAD = '(function (exports, require, module, __filename, __dirname) { ';
const WRAPPER_TAIL = '\n});';
const CACHE = 'deliver-body.cache';

function readCache(file: string, header: string): Buffer | undefined {
  try {
    return cachedDataFor(fs.readFileSync(file), header);
  } catch {
    return undefined;
  }
}

/**
 * Runs the body as a CommonJS module of its own, from the code cache when
 * there is a valid one. Returns the compiled script, or null when the body
 * was loaded by plain require.
 */
function startDelivery(dir: string, train: boolean): VmModule.Script | null {
  // V8 flags count in the cache's validity check: set them before compiling (v8-flags.ts).
  enableLinearRegexFallback();
  // dir is __dirname, absolute: no node:path needed to join.
  const file = `${dir}/${BODY}`;
  // Dynamic import() inside the body (the extension answers) needs Node's loader: 20.x releases before this option get plain require.
  const importer = vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER;
  if (importer === undefined) {
    require(file);
    return null;
  }
  const source = fs.readFileSync(file, 'utf8');
  const header = cacheHeader(source);
  const cachedData = train || header === null ? undefined : readCache(`${dir}/${CACHE}`, header);
  const script = new vm.Script(`${WRAPPER_HEAD}${source}${WRAPPER_TAIL}`, {
    filename: file,
    ...(cachedData ? { cachedData } : {}),
    importModuleDynamically: importer,
  });
  // The body runs as a CommonJS module in this directory. It exports nothing
  // and requires only built-ins and packages beside it (os-lock), so this
  // loader's own `require` (same directory) serves it; a node:module Module
  // object would cost ~1 ms of every delivery to load (bench/startup.mjs).
  const body = { exports: {}, id: file, filename: file, loaded: false };
  const run = script.runInThisContext() as (exports: unknown, req: NodeJS.Require, mod: unknown, filename: string, dirname: string) => void;
  if (train && header !== null) {
    // Made at exit, so the bytecode of every function the delivery ran is in it.
    process.on('exit', () => fs.writeFileSync(`${dir}/${CACHE}`, Buffer.concat([Buffer.from(header, 'latin1'), script.createCachedData()])));
  }
  run.call(body.exports, body.exports, require, body, file, dir);
  return script;
}

/** A file procmail would read as this rcfile: relative to the cwd, or (normal mode) to the home directory. */
function readableRcfile(word: string): boolean {
  for (const file of [word, `${process.env.HOME ?? ''}/${word}`]) {
    try {
      fs.accessSync(file, fs.constants.R_OK);
      return true;
    } catch {
      // try the next
    }
  }
  return false;
}

// bin/mailrules is both programs: the subcommands' CLI (dist/cli.cjs, which
// loads commander) or, for procmail's command line, the delivery agent.
if (routeOf(process.argv[2], readableRcfile) === 'cli') {
  require(`${__dirname}/cli.cjs`);
} else {
  // scripts/build.mjs makes the cache by delivering a sample message with this set; it can only write next to the body.
  startDelivery(__dirname, process.env.MAILRULES_TRAIN_CODE_CACHE === '1');
}
