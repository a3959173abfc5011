import * as fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import { tempDir } from '../deliver/helpers.js';

/** The delivery agent's bundle, built the way scripts/build.mjs builds dist/deliver.cjs. */
async function bundle(): Promise<string> {
  const out = join(tempDir(), 'deliver.cjs');
  await build({
    entryPoints: ['src/cli/deliver-main.ts'],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: out,
    logLevel: 'silent',
    external: ['os-lock', 'mailparser', 'nodemailer'],
  });
  return out;
}

describe('dist/deliver.cjs', () => {
  it('contains no commander, mailparser or nodemailer code and loads none at start', async () => {
    const out = await bundle();
    const code = fs.readFileSync(out, 'utf8');
    for (const pkg of ['commander', 'mailparser', 'nodemailer']) {
      expect(code).not.toContain(`node_modules/${pkg}/`);
    }
    expect(code).not.toMatch(/require\("commander"\)/);
    // nodemailer may only appear behind a dynamic import (the ext 'send' answer).
    for (const m of code.matchAll(/require\("(nodemailer|mailparser)[^"]*"\)/g)) {
      const before = code.slice(Math.max(0, m.index - 80), m.index);
      expect(before).toMatch(/import\(|Promise\.resolve\(\)\.then\(/);
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

  // procmail rewrites Content-Length in the message it holds (mailfold.c:readmail), so `:0 h` copies
  // show the whole body's length and `:0 b` copies leave the covered body unescaped; a request
  // carrying only one part can't know either (needs the engine to apply the rewrite, see report).
  it.todo('partial feeds (h or b alone) follow the whole message\'s Content-Length');
});
