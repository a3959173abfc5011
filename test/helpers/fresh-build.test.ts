import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildInputsFingerprint, buildInstallTree, freshBuild, REPO } from './fresh-build.js';

/**
 * Tests that run the product must never run a stale build. A copy of the
 * checkout's build inputs stands in for a checkout someone edits: touching a
 * file changes the fingerprint builds are kept by, an edit shows up in the
 * next build.
 */
describe('the build tests run', () => {
  let copy = '';
  let out = '';
  /** Sets `rel`'s modification time a second after `than`'s (itself by default), as saving it would. */
  const touch = (rel: string, than = rel): void => {
    const later = new Date(fs.statSync(path.join(copy, than)).mtimeMs + 1000);
    fs.utimesSync(path.join(copy, rel), later, later);
  };

  beforeAll(() => {
    copy = fs.mkdtempSync(path.join(os.tmpdir(), 'mailrules-checkout-'));
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'mailrules-install-'));
    for (const item of ['src', 'scripts', 'bin', 'package.json', 'package-lock.json', 'tsconfig.json', 'native/fcntl-lock.c', 'native/os-pipe.c', 'native/os-pipe.h', 'native/zygote-fork.c', 'native/zygote-fork.h', 'native/binding.gyp', 'native/build/Release/fcntl_lock.node']) {
      if (fs.existsSync(path.join(REPO, item))) fs.cpSync(path.join(REPO, item), path.join(copy, item), { recursive: true, preserveTimestamps: true });
    }
    fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(copy, 'node_modules'));
  });
  afterAll(() => {
    for (const d of [copy, out]) fs.rmSync(d, { recursive: true, force: true });
  });

  it('is not the checkout’s dist/', () => {
    expect(path.relative(REPO, freshBuild().root).startsWith('..')).toBe(true);
    expect(fs.existsSync(freshBuild().deliver)).toBe(true);
  });

  it('is made again when a source file is touched', () => {
    const before = buildInputsFingerprint(copy);
    expect(buildInputsFingerprint(copy)).toBe(before);
    touch('src/limits.ts');
    expect(buildInputsFingerprint(copy)).not.toBe(before);
  });

  it('runs an edit made to the sources', { timeout: 120_000 }, async () => {
    const { deliverBodyOptions } = (await import(path.join(REPO, 'scripts', 'build.mjs'))) as { deliverBodyOptions: { entryPoints: string[] } };
    const entry = path.join(copy, deliverBodyOptions.entryPoints[0]!);
    fs.appendFileSync(entry, "\nprocess.stderr.write('edited after the last npm run build\\n');\n");
    const built = buildInstallTree(copy, out);
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mailrules-edit-'));
    try {
      fs.writeFileSync(path.join(home, 'rc'), `DEFAULT=${home}/box\n`);
      const r = spawnSync(built.bin, ['-m', path.join(home, 'rc')], { input: 'Subject: x\n\nbody\n', encoding: 'latin1', env: { PATH: '/usr/bin:/bin' } });
      expect(r.stderr).toContain('edited after the last npm run build');
      expect(r.status).toBe(0);
      expect(fs.readFileSync(path.join(home, 'box'), 'latin1')).toContain('body');
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
