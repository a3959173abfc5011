import * as fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { build, type BuildOptions } from 'esbuild';
import { cacheHeader, cachedDataFor } from '../../src/cli/code-cache.js';
import { tempDir } from '../deliver/helpers.js';

interface BuildScript {
  deliverBodyOptions: BuildOptions;
  deliverLoaderOptions: BuildOptions;
  trainCodeCache(dist: string): void;
  binaryNodeFlags(): string[];
}

/** scripts/build.mjs, whose options and cache training the tests reuse so they test what ships. */
const buildScript = (): Promise<BuildScript> => import('../../scripts/build.mjs' as string) as Promise<BuildScript>;

/** The delivery agent's body bundle, built the way scripts/build.mjs builds dist/deliver-body.cjs. */
async function bundle(minify = true): Promise<string> {
  const out = join(tempDir(), 'deliver-body.cjs');
  const { deliverBodyOptions } = await buildScript();
  await build({ ...deliverBodyOptions, minify, outfile: out, logLevel: 'silent' });
  return out;
}

/** Body + loader + trained code cache in one directory, like dist/. */
async function bundleWithLoader(): Promise<string> {
  const dist = tempDir();
  const { deliverBodyOptions, deliverLoaderOptions, trainCodeCache } = await buildScript();
  await build({ ...deliverBodyOptions, outfile: join(dist, 'deliver-body.cjs'), logLevel: 'silent' });
  await build({ ...deliverLoaderOptions, outfile: join(dist, 'deliver.cjs'), logLevel: 'silent' });
  trainCodeCache(dist);
  return dist;
}

describe('dist/deliver.cjs', () => {
  it('contains no commander, mailparser or nodemailer code and loads none at start', async () => {
    // Unminified: esbuild's `// <path>` markers show what went in (`// node_modules/<pkg>/...` for a package).
    const out = await bundle(false);
    const code = fs.readFileSync(out, 'utf8');
    expect(code).toMatch(/^\/\/ src\/syntax\/parse\.ts$/m);
    for (const pkg of ['commander', 'mailparser', 'nodemailer']) {
      expect(code).not.toContain(`node_modules/${pkg}/`);
    }
    expect(code).not.toMatch(/require\("commander"\)/);
    // What actually loads: deliver a message with a hook that records every
    // module the process requires. nodemailer may only load on the ext 'send'
    // path, which this delivery does not take.
    const dir = tempDir();
    const log = join(dir, 'loaded.txt');
    const hook = join(dir, 'hook.cjs');
    fs.writeFileSync(hook, `const M = require('module'); const fs = require('fs'); const orig = M._load;
M._load = function (id, ...rest) { fs.appendFileSync(${JSON.stringify(log)}, id + '\\n'); return orig.call(this, id, ...rest); };\n`);
    fs.writeFileSync(join(dir, 'rc'), ':0:\n* ^Subject: hi\nbox\n', { mode: 0o644 });
    const r = spawnSync(process.execPath, ['--require', hook, out, '-m', './rc'], { cwd: dir, input: 'Subject: hi\n\nbody\n', env: { PATH: '/usr/bin:/bin' } });
    expect(r.status).toBe(0);
    const loaded = fs.readFileSync(log, 'utf8').split('\n');
    // The fcntl addon: ours by path (process.dlopen, not through require) beside a built dist/, else os-lock.
    expect(loaded).toContain('os-lock');
    for (const pkg of ['commander', 'mailparser', 'nodemailer']) {
      expect(loaded.filter((id) => id.startsWith(pkg))).toEqual([]);
    }
  });

  it('runs as a process: delivers, and never exits 1', async () => {
    const out = await bundle();
    const dir = tempDir();
    fs.writeFileSync(join(dir, 'rc'), ':0:\n* ^Subject: hi\nbox\n', { mode: 0o644 });
    const env = { PATH: '/usr/bin:/bin', TZ: 'UTC' };
    const ok = spawnSync(process.execPath, [out, '-m', './rc'], { cwd: dir, input: 'Subject: hi\n\nFrom x\n', env });
    expect(ok.status).toBe(0);
    expect(fs.readFileSync(join(dir, 'box'), 'latin1')).toBe('Subject: hi\n\n>From x\n\n');
    expect(spawnSync(process.execPath, [out, '-h'], { env }).status).toBe(64);
    expect(spawnSync(process.execPath, [out, '-m'], { env, input: '' }).status).toBe(66);
    // stdin closed and unreadable rcfile: still a sysexits code.
    const bad = spawnSync(process.execPath, [out, '-t', '-m', '/nonexistent/rc'], { env, input: 'x' });
    expect(bad.status).toBe(75);
  });

  it('writes what procmail writes (mbox, maildir, MH, Content-Length)', async (ctx) => {
    if (!fs.existsSync('/usr/bin/procmail')) {
      if (process.env.CI === 'true') throw new Error('procmail missing in CI');
      ctx.skip();
    }
    const out = await bundle();
    const message = 'Content-Length: 99999\nFrom: a@b\nSubject: hi\n\nFrom the body\nline\n>From x\nFrom y\n';
    const rc = 'MSGPREFIX=m.\n:0c\nbox\n:0c\nmh/.\n:0 c\nmd/\n:0\n/dev/null\n';
    const results: Record<string, string>[] = [];
    for (const cmd of [['/usr/bin/procmail'], [process.execPath, out]]) {
      const dir = tempDir();
      fs.chmodSync(dir, 0o700);
      fs.writeFileSync(join(dir, 'rc'), rc, { mode: 0o644 });
      const r = spawnSync(cmd[0]!, [...cmd.slice(1), '-f', 'sender@x', '-m', `MAILDIR=${dir}`, `DEFAULT=${dir}/DEFAULT`, join(dir, 'rc')], {
        cwd: dir,
        input: message,
        env: { PATH: '/usr/bin:/bin', TZ: 'UTC', LC_ALL: 'C' },
      });
      expect(r.status).toBe(0);
      const files: Record<string, string> = {};
      const walk = (d: string, rel: string) => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
          const p = join(d, e.name);
          if (e.isDirectory()) walk(p, `${rel}${e.name}/`);
          else if (e.name !== 'rc') files[`${rel}${e.name}`.replace(/new\/.*/, 'new/<name>')] = fs.readFileSync(p, 'latin1').replace(/^From sender@x  .*\n/gm, 'From sender@x  <date>\n');
        }
      };
      walk(dir, '');
      results.push(files);
    }
    expect(results[1]).toEqual(results[0]);
  });

  it('the code cache is one V8 accepts under the node flags bin/mailrules starts node with, and only under those', async () => {
    const dist = await bundleWithLoader();
    const { binaryNodeFlags } = await buildScript();
    // What bin-entry.ts does, reporting V8's verdict instead of running the body.
    const probe = `const fs = require('node:fs'), vm = require('node:vm');
const source = fs.readFileSync(${JSON.stringify(join(dist, 'deliver-body.cjs'))}, 'utf8');
const cache = fs.readFileSync(${JSON.stringify(join(dist, 'deliver-body.cache'))});
const data = cache.subarray(cache.indexOf(10) + 1);
const script = new vm.Script('(function (exports, require, module, __filename, __dirname) { ' + source + '\\n});', { filename: ${JSON.stringify(join(dist, 'deliver-body.cjs'))}, cachedData: data });
process.stdout.write(String(script.cachedDataRejected));`;
    const rejected = (flags: string[]) => spawnSync(process.execPath, [...flags, '-e', probe], { encoding: 'utf8' }).stdout;
    expect(binaryNodeFlags()).toContain('--max-semi-space-size=32');
    expect(rejected(binaryNodeFlags())).toBe('false');
    // Without the young-generation flag (node dist/deliver.cjs sets only the regex ones) V8 refuses it.
    expect(rejected(binaryNodeFlags().filter((f) => !f.startsWith('--max-semi-space-size')))).toBe('true');
  });

  it('the loader runs the body from its code cache, and ignores a cache that is stale or damaged', async () => {
    const dist = await bundleWithLoader();
    const cache = join(dist, 'deliver-body.cache');
    expect(fs.existsSync(cache)).toBe(true);
    // Every recipient's delivery reads it, whatever the umask during training.
    expect(fs.statSync(cache).mode & 0o444).toBe(0o444);
    const header = cacheHeader(fs.readFileSync(join(dist, 'deliver-body.cjs'), 'utf8'));
    expect(header).not.toBeNull();
    expect(fs.readFileSync(cache).toString('latin1', 0, header!.length)).toBe(header);
    const deliver = () => {
      const dir = tempDir();
      fs.writeFileSync(join(dir, 'rc'), ':0:\n* ^Subject: hi\nbox\n', { mode: 0o644 });
      const r = spawnSync(process.execPath, [join(dist, 'deliver.cjs'), '-m', './rc'], { cwd: dir, input: 'Subject: hi\n\nbody\n', env: { PATH: '/usr/bin:/bin' } });
      return { status: r.status, box: fs.existsSync(join(dir, 'box')) ? fs.readFileSync(join(dir, 'box'), 'latin1') : null };
    };
    const good = { status: 0, box: 'Subject: hi\n\nbody\n\n' };
    expect(deliver()).toEqual(good);
    // Garbage after a matching header: V8 rejects it and compiles the body itself.
    fs.writeFileSync(cache, Buffer.concat([Buffer.from(header!, 'latin1'), Buffer.alloc(4096, 7)]));
    expect(deliver()).toEqual(good);
    // A body changed after a (valid) cache was made: still delivers.
    (await buildScript()).trainCodeCache(dist);
    fs.appendFileSync(join(dist, 'deliver-body.cjs'), '\n');
    expect(deliver()).toEqual(good);
    fs.rmSync(cache);
    expect(deliver()).toEqual(good);
  });

  it('a cache is offered only for the exact build it was made from', () => {
    const body = '// mailrules-build 0123abcd\n"use strict";\n';
    const header = cacheHeader(body)!;
    expect(header).toBe(`mailrules-code-cache-2 0123abcd ${body.length}\n`);
    const data = Buffer.from('V8DATA');
    const cache = Buffer.concat([Buffer.from(header), data]);
    expect(cachedDataFor(cache, header)).toEqual(data);
    // Another build id, or the same id with other text: not offered.
    expect(cachedDataFor(cache, cacheHeader(body.replace('0123abcd', '0123abce'))!)).toBeUndefined();
    expect(cachedDataFor(cache, cacheHeader(`${body}x`)!)).toBeUndefined();
    expect(cachedDataFor(Buffer.from(header), header)).toBeUndefined();
    // A body without a build id never uses a cache.
    expect(cacheHeader('"use strict";\n')).toBeNull();
  });

  // Partial feeds (h or b alone) and Content-Length: test/differential cases 349-351.
});
