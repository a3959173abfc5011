import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { enableLinearRegexFallback } from '../src/v8-flags.js';
import { loadNativeFcntl } from '../src/deliver/kernel-lock.js';
import { preloadOsPipes } from '../src/deliver/os-pipe.js';

// Tests must see the same regex engine as the shipped entry points.
enableLinearRegexFallback();

// And programs must get the same real pipes: the addon as `npm run build` built it.
// Where it could not be built, outside CI, programs get Node's socketpairs without a note
// (test/deliver/os-pipe.test.ts skips then).
const ADDON = join(__dirname, '..', 'native', 'build', 'Release', 'fcntl_lock.node');
preloadOsPipes({ file: existsSync(ADDON) || process.env.CI === 'true' ? ADDON : null, dlopen: loadNativeFcntl });
