import type * as FsModule from 'node:fs';
import type { CompiledRc } from '../compile/compiled-rc.js';
import { MAX_CACHED_RC_NESTING, MAX_COMPILED_RC_CACHE_BYTES } from '../limits.js';
import type { Step } from '../compile/compiled-rc.js';
import { blockItems } from '../syntax/walk.js';
import { errnoOf } from './seams.js';

/**
 * The compiled rcfile, kept between deliveries: lexing, parsing and
 * compiling a 20-recipe rcfile was ~2 ms of every ~30 ms delivery (bench/startup.mjs),
 * for a file that rarely changes. A CompiledRc is plain data, so it is stored
 * as JSON in the user's own cache directory, $HOME/.cache/mailrules/.
 *
 * Trust: the cache can run commands exactly as the rcfile can, so it must be
 * no easier to change than the rcfile. It is used only
 *  - for an rcfile owned by the user the delivery runs as (the caller checks),
 *  - from a regular file (not followed through a symlink) owned by that same
 *    user and writable by no one else, under that user's home, never shared;
 *  - when it records this exact build of mailrules, the rcfile's path and
 *    name as shown, and the rcfile's whole current text: the text is
 *    compared, not a timestamp, so an edit can never run the old rules.
 * Anything unexpected (missing, unreadable, corrupt, foreign) means "no
 * cache": the rcfile is compiled as usual and the cache rewritten.
 */
export interface CompiledRcCache {
  /** The compiled rcfile `rc` (shown as `file`) when its text is `text`; else null. */
  get(rc: string, file: string, text: string): CompiledRc | null;
  /** Remembers `compiled`, made from `rc`'s current text. Never throws. */
  put(rc: string, compiled: CompiledRc): void;
}

export type CompiledRcCacheFs = Pick<
  typeof FsModule,
  'openSync' | 'fstatSync' | 'readFileSync' | 'closeSync' | 'writeFileSync' | 'renameSync' | 'mkdirSync' | 'unlinkSync' | 'statSync' | 'constants'
>;

interface Entry {
  readonly build: string;
  readonly rc: string;
  readonly compiled: CompiledRc;
}

/** FNV-1a (64-bit) of the rcfile's path: a short file name without loading node:crypto; the path itself is checked inside. */
function nameFor(rc: string): string {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < rc.length; i++) h = BigInt.asUintN(64, (h ^ BigInt(rc.charCodeAt(i))) * 0x100000001b3n);
  return `compiled-rc-${h.toString(16).padStart(16, '0')}.json`;
}

/**
 * JSON.stringify keeps a CompiledRc as is only when it holds nothing but plain
 * objects, arrays, strings, finite numbers, booleans and null; anything else
 * (undefined, NaN, a RegExp, a Map) would come back different, so such a
 * compiled rc is not cached at all.
 */
function strictJson(key: string, value: unknown): unknown {
  void key;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw new Error('not JSON');
      return value;
    case 'object': {
      if (value === null) return value;
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== Array.prototype) throw new Error('not JSON');
      return value;
    }
    default:
      throw new Error('not JSON');
  }
}

/**
 * The cache of the user `uid` whose home is `home`, for mailrules build
 * `build`. `pid` names temporary files.
 */
export function userCompiledRcCache(fs: CompiledRcCacheFs, home: string, uid: number, build: string, pid: number): CompiledRcCache {
  const usable = home.startsWith('/') && home !== '/';
  const dir = `${home.replace(/\/+$/, '')}/.cache/mailrules`;
  return {
    get(rc, file, text) {
      if (!usable) return null;
      let fd: number;
      try {
        fd = fs.openSync(`${dir}/${nameFor(rc)}`, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
      } catch {
        return null;
      }
      try {
        const st = fs.fstatSync(fd);
        if (!st.isFile() || st.uid !== uid || (st.mode & 0o022) !== 0 || st.size > MAX_COMPILED_RC_CACHE_BYTES) return null;
        const entry = JSON.parse(fs.readFileSync(fd, 'utf8')) as Entry;
        const p = entry.compiled;
        if (entry.build !== build || entry.rc !== rc || p === null || typeof p !== 'object' || p.text !== text || p.file !== file) return null;
        if (!Array.isArray(p.items) || !Array.isArray(p.diagnostics)) return null;
        return p;
      } catch {
        return null;
      } finally {
        fs.closeSync(fd);
      }
    },
    put(rc, compiled) {
      if (!usable || nestsDeeperThan(compiled.items, MAX_CACHED_RC_NESTING)) return;
      const tmp = `${dir}/${nameFor(rc)}.${pid}.tmp`;
      try {
        const json = JSON.stringify({ build, rc, compiled } satisfies Entry, strictJson);
        // Only inside a home that is the user's own: never create a home, or a cache in someone else's.
        if (fs.statSync(home).uid !== uid) return;
        for (const d of [`${home.replace(/\/+$/, '')}/.cache`, dir]) {
          try {
            fs.mkdirSync(d, { mode: 0o700 });
          } catch (e) {
            if (errnoOf(e) !== 'EEXIST') throw e;
          }
        }
        fs.writeFileSync(tmp, json, { flag: 'wx', mode: 0o600 });
        fs.renameSync(tmp, `${dir}/${nameFor(rc)}`);
      } catch {
        try {
          fs.unlinkSync(tmp);
        } catch {
          // there was none
        }
      }
    },
  };
}

/**
 * Whether `{ }` blocks nest more than `limit` deep. JSON.stringify recurses
 * (and, thousands of levels down, takes seconds to find out it cannot), so
 * such an rcfile is compiled anew each time instead of cached.
 */
function nestsDeeperThan(steps: readonly Step[], limit: number): boolean {
  const stack: { list: readonly Step[]; i: number }[] = [{ list: steps, i: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.i >= top.list.length) {
      stack.pop();
      continue;
    }
    const inner = blockItems(top.list[top.i++]!);
    if (inner === null) continue;
    if (stack.length >= limit) return true;
    stack.push({ list: inner, i: 0 });
  }
  return false;
}
