import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { build, type BuildOptions } from 'esbuild';
import { tempDir } from '../deliver/helpers.js';

/**
 * What `* @decoded` costs the delivery agent to load: nothing beyond its
 * own bundle for the charsets Node decodes itself, iconv-lite only for a
 * message in a charset Node lacks, and never mailparser or libmime.
 */
const REPO = join(__dirname, '..', '..');
const buildScript = (): Promise<{ deliverBodyOptions: BuildOptions }> => import('../../scripts/build.mjs' as string) as Promise<{ deliverBodyOptions: BuildOptions }>;

async function bundle(): Promise<string> {
  const out = join(tempDir(), 'deliver-body.cjs');
  const { deliverBodyOptions } = await buildScript();
  await build({ ...deliverBodyOptions, minify: false, outfile: out, logLevel: 'silent' });
  return out;
}

/** Delivers `message` with `rc`, recording every module the process requires; returns where it went and what loaded. */
function deliver(body: string, rc: string, message: string): { status: number | null; folders: string[]; loaded: string[] } {
  const dir = tempDir();
  const log = join(dir, 'loaded.txt');
  const hook = join(dir, 'hook.cjs');
  fs.writeFileSync(hook, `const M = require('module'); const fs = require('fs'); const orig = M._load;
M._load = function (id, ...rest) { fs.appendFileSync(${JSON.stringify(log)}, id + '\\n'); return orig.call(this, id, ...rest); };\n`);
  fs.writeFileSync(join(dir, 'rc'), rc, { mode: 0o644 });
  // The bundle sits in a temporary directory: NODE_PATH lets it find the packages it loads lazily, as dist/ does beside node_modules.
  const r = spawnSync(process.execPath, ['--require', hook, body, '-m', './rc'], { cwd: dir, input: message, env: { PATH: '/usr/bin:/bin', NODE_PATH: join(REPO, 'node_modules') } });
  const folders = fs.readdirSync(dir).filter((f) => fs.existsSync(join(dir, f, 'new')) && fs.readdirSync(join(dir, f, 'new')).length > 0);
  return { status: r.status, folders, loaded: fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n') : [] };
}

const RC = 'DEFAULT=default/\n:0\n* @decoded ^Subject: Grüße 안녕\ngreeting/\n:0\n* @decoded ^Subject: Grüße\nlatin/\n';
const pkgs = (loaded: string[]): string[] => ['iconv-lite', 'mailparser', 'libmime'].filter((p) => loaded.some((id) => id === p || id.startsWith(`${p}/`)));

describe('the delivery agent and @decoded', () => {
  it('bundles no charset tables, mailparser or libmime', async () => {
    const code = fs.readFileSync(await bundle(), 'utf8');
    for (const pkg of ['iconv-lite', 'mailparser', 'libmime', 'encoding-japanese']) expect(code).not.toContain(`node_modules/${pkg}/`);
  });

  it('loads none of them for a message in a charset Node decodes itself', async () => {
    const r = deliver(await bundle(), RC, 'Subject: =?ISO-8859-1?Q?Gr=FC=DFe?=\n\nbody\n');
    expect(r).toMatchObject({ status: 0, folders: ['latin'] });
    expect(pkgs(r.loaded)).toEqual([]);
  });

  it('loads iconv-lite, and only it, for a charset Node lacks (Korean UHC), and decodes it', async () => {
    // 0x8141 is a UHC extension of EUC-KR (갂) that ICU's EUC-KR lacks; 안녕 is plain KS X 1001.
    const r = deliver(await bundle(), RC.replace('안녕', '갂안녕'), 'Subject: =?ISO-8859-1?Q?Gr=FC=DFe?= =?ks_c_5601-1987?B?IIFBvsiz5w==?=\n\nbody\n');
    expect(r).toMatchObject({ status: 0, folders: ['greeting'] });
    expect(pkgs(r.loaded)).toEqual(['iconv-lite']);
  });
});
