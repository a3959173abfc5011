import * as fs from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseLdaArgs } from '../../src/deliver/command-line-args.js';
import { loadRcfiles } from '../../src/deliver/rcfiles.js';
import type { DeliveryFs } from '../../src/deliver/seams.js';
import { testLdaIo, testUid } from '../helpers/lda-io.js';

/** The real file system, counting the stat(2) calls per path. */
function countingFs(): { fs: DeliveryFs; stats: Map<string, number> } {
  const stats = new Map<string, number>();
  const counted = {
    ...fs,
    statSync: (path: fs.PathLike, options?: fs.StatSyncOptions) => {
      stats.set(String(path), (stats.get(String(path)) ?? 0) + 1);
      return fs.statSync(path, options);
    },
  };
  return { fs: counted as unknown as DeliveryFs, stats };
}

describe('loadRcfiles', () => {
  it('stats each path once per lookup: existence, trust and ownership share one answer', () => {
    const home = mkdtempSync(join(tmpdir(), 'mr-rcfiles-'));
    fs.chmodSync(home, 0o755);
    const rc = join(home, '.procmailrc');
    fs.writeFileSync(rc, ':0\ninbox\n', { mode: 0o644 });
    const { fs: countFs, stats } = countingFs();
    const io = testLdaIo(home, 'From: a@b\n\nhi\n', { fs: countFs, compiledRcCache: () => ({ get: () => null, put: () => undefined }) });
    const uid = fs.statSync(rc).uid;
    const user = { name: 'me', uid, gid: fs.statSync(rc).gid, dir: home, shell: '/bin/sh' };
    const said: string[] = [];
    const { rcfiles } = loadRcfiles(parseLdaArgs(['-d', 'me']), user, io, (t) => said.push(t));
    expect(said).toEqual([]);
    expect(rcfiles.map((r) => r.text)).toEqual([':0\ninbox\n']);
    // Asked of the rcfile: does it exist, may it be trusted, whose is it (for the cache): one stat.
    expect(stats.get(rc)).toBe(1);
    expect(stats.get(home)).toBe(1);
    for (const [path, n] of stats) expect([path, n]).toEqual([path, 1]);
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('keeps a failed stat as failed for every question about that path', () => {
    const home = mkdtempSync(join(tmpdir(), 'mr-rcfiles-'));
    const { fs: countFs, stats } = countingFs();
    const io = testLdaIo(home, 'From: a@b\n\nhi\n', { fs: countFs });
    const said: string[] = [];
    const missing = join(home, 'nothere');
    const { rcfiles } = loadRcfiles(parseLdaArgs([missing]), { name: 'me', uid: testUid(), gid: testUid(), dir: home, shell: '/bin/sh' }, io, (t) => said.push(t));
    expect(rcfiles).toEqual([]);
    expect(said).toEqual([`Couldn't read "${missing}"`]);
    expect(stats.get(missing)).toBe(1);
    fs.rmSync(home, { recursive: true, force: true });
  });
});
