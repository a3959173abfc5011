import type * as FsModule from 'node:fs';

/** package.json's version, written into each bundle by scripts/build.mjs. */
declare const __MAILRULES_VERSION__: string | undefined;

/**
 * mailrules' version, from the one place it is kept: package.json. A
 * bundle has it built in (no file read at start-up); run from the sources
 * (tests, bench/), it is read from package.json beside src/.
 */
export function mailrulesVersion(): string {
  if (typeof __MAILRULES_VERSION__ === 'string') return __MAILRULES_VERSION__;
  try {
    const fs = require('node:fs') as typeof FsModule;
    return (JSON.parse(fs.readFileSync(`${__dirname}/../package.json`, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
