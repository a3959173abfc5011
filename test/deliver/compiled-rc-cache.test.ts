import * as fs from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileRc } from '../../src/compile/compile.js';
import { userCompiledRcCache } from '../../src/deliver/compiled-rc-cache.js';
import { tempDir } from './helpers.js';

const uid = process.getuid!();
const RC = ':0:\n* ^Subject:.*(project|weekly)\n* 10^1 lunch\nlists\n:0\n{ SENDER=$MATCH }\n';

function setup() {
  const home = tempDir();
  fs.chmodSync(home, 0o700);
  const rc = join(home, '.procmailrc');
  fs.writeFileSync(rc, RC);
  const cache = userCompiledRcCache(fs, home, uid, 'build-1', 4242);
  const dir = join(home, '.cache', 'mailrules');
  const file = () => join(dir, fs.readdirSync(dir).find((f) => f.endsWith('.json'))!);
  return { home, rc, cache, dir, file };
}

describe('compiled-rc cache', () => {
  it('gives back exactly what was compiled, in a 0600 file of a 0700 directory', () => {
    const { rc, cache, dir, file } = setup();
    const compiled = compileRc(RC, '.procmailrc');
    expect(cache.get(rc, '.procmailrc', RC)).toBeNull();
    cache.put(rc, compiled);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(file()).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const hit = cache.get(rc, '.procmailrc', RC);
    expect(hit).not.toBe(compiled);
    expect(hit).toStrictEqual(compiled);
  });

  it('misses when the rcfile text, its name, its path or the build differ', () => {
    const { home, rc, cache } = setup();
    cache.put(rc, compileRc(RC, '.procmailrc'));
    // Same length, other text: a timestamp or size check could not tell.
    expect(cache.get(rc, '.procmailrc', RC.replace('lunch', 'dinne'))).toBeNull();
    expect(cache.get(rc, 'other', RC)).toBeNull();
    expect(cache.get(join(home, 'elsewhere'), '.procmailrc', RC)).toBeNull();
    expect(userCompiledRcCache(fs, home, uid, 'build-2', 1).get(rc, '.procmailrc', RC)).toBeNull();
    expect(cache.get(rc, '.procmailrc', RC)).not.toBeNull();
  });

  it('ignores a corrupt, group-writable, symlinked or foreign cache file', () => {
    const { home, rc, cache, file } = setup();
    cache.put(rc, compileRc(RC, '.procmailrc'));
    const f = file();
    const good = fs.readFileSync(f);
    fs.writeFileSync(f, good.subarray(0, good.length >> 1));
    expect(cache.get(rc, '.procmailrc', RC)).toBeNull();
    fs.writeFileSync(f, '{"build":"build-1","rc":' + JSON.stringify(rc) + ',"compiled":null}');
    expect(cache.get(rc, '.procmailrc', RC)).toBeNull();
    fs.writeFileSync(f, good);
    fs.chmodSync(f, 0o620);
    expect(cache.get(rc, '.procmailrc', RC)).toBeNull();
    fs.chmodSync(f, 0o600);
    const real = join(home, 'real.json');
    fs.renameSync(f, real);
    fs.symlinkSync(real, f);
    expect(cache.get(rc, '.procmailrc', RC)).toBeNull();
    fs.unlinkSync(f);
    fs.renameSync(real, f);
    expect(cache.get(rc, '.procmailrc', RC)).not.toBeNull();
    // Never across users: a cache file owned by someone else is not used, nor is one read as another uid.
    expect(userCompiledRcCache(fs, home, uid + 1, 'build-1', 1).get(rc, '.procmailrc', RC)).toBeNull();
    if (uid === 0) {
      fs.chownSync(f, 1, 1);
      expect(cache.get(rc, '.procmailrc', RC)).toBeNull();
    }
  });

  it('writes nothing into a home that is not the user\'s, nor for the root directory as home', () => {
    const { home, rc } = setup();
    userCompiledRcCache(fs, home, uid + 1, 'build-1', 1).put(rc, compileRc(RC, '.procmailrc'));
    expect(fs.existsSync(join(home, '.cache'))).toBe(false);
    const rootHome = userCompiledRcCache(fs, '/', uid, 'build-1', 1);
    expect(rootHome.get(rc, '.procmailrc', RC)).toBeNull();
  });

  it('does not cache a compiled rc that JSON would change', () => {
    const { rc, cache, home } = setup();
    const compiled = compileRc(RC, '.procmailrc');
    cache.put(rc, { ...compiled, diagnostics: [{ weird: Number.NaN }] as never });
    expect(fs.existsSync(join(home, '.cache', 'mailrules')) ? fs.readdirSync(join(home, '.cache', 'mailrules')) : []).toEqual([]);
  });
});
