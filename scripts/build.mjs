// Bundles each entry point into one CommonJS file: the fastest form to start
// (node-stack.md §2.2). The delivery agent's bundle must not contain
// commander, mailparser or nodemailer; those are loaded lazily where needed.
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: false,
  logLevel: 'warning',
  // Native addons and heavy libraries stay outside the bundle and load on demand.
  external: ['os-lock', 'mailparser', 'nodemailer'],
};

await build({ ...common, entryPoints: ['src/cli/deliver-main.ts'], outfile: 'dist/deliver.cjs' });
await build({ ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.cjs' });
