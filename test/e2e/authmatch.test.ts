import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SYSTEM_PUBLIC_SUFFIX_LIST } from '../../src/deliver/public-suffix-file.js';
import { runDry } from '../dryrun/helpers.js';
import { IN_CI, ldaCommand, REPO, runLda } from './lda.js';

/**
 * `@decoded`, `@auth` and `authenticated` scenarios, each message through
 * the delivery agent built from the current sources (dist/deliver.cjs -m, into a fresh copy of the
 * scenario) and through `mailrules test`: both must put it in the folder
 * the scenario's expected.txt names. One engine, two answerers: this is
 * where they could disagree (the Public Suffix List, the decoder, the
 * envelope sender), so they are compared message by message.
 */
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mr-authmatch-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function expectations(dir: string): [string, string][] {
  return fs
    .readFileSync(path.join(dir, 'expected.txt'), 'utf8')
    .split('\n')
    .map((l) => l.replace(/(^|\s)#.*$/, '').trim())
    .filter((l) => l !== '')
    .map((l) => l.split(/\s{2,}|\t+/) as [string, string]);
}

/** The maildir folders (`name/`) holding a delivered message, under `root`. */
function delivered(root: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(root, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const fresh = path.join(root, e.name, 'new');
    if (fs.existsSync(fresh) && fs.readdirSync(fresh).length > 0) out.push(`${e.name}/`);
  }
  return out.sort();
}

let copies = 0;
async function deliverOne(dir: string, message: string): Promise<{ code: number | null; folders: string[]; stderr: string }> {
  const md = path.join(tmp, `md${++copies}`);
  fs.cpSync(dir, md, { recursive: true });
  fs.rmSync(path.join(md, 'messages'), { recursive: true });
  const r = await runLda([...ldaCommand(), '-m', `MAILDIR=${md}`, path.join(md, 'rules.rc')], fs.readFileSync(path.join(dir, message)), { cwd: md });
  return { code: r.code, folders: delivered(md), stderr: r.stderr };
}

async function bothWays(dir: string): Promise<void> {
  const dry = await runDry(path.join(dir, 'rules.rc'), [`MAILDIR=${dir}`, path.join(dir, 'messages')], { json: true });
  expect(dry.stderr).toBe('');
  const reports = dry.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { message: string; destination: string });
  const cases = expectations(dir);
  expect(reports).toHaveLength(cases.length);
  for (const [message, want] of cases) {
    const report = reports.find((r) => r.message.endsWith(`/${message}`));
    const d = await deliverOne(dir, message);
    expect({ message, code: d.code, folders: d.folders, stderr: d.stderr }).toEqual({ message, code: 0, folders: [want], stderr: '' });
    expect({ message, destination: report?.destination }).toEqual({ message, destination: want });
  }
}

describe('delivery and `mailrules test` give the same answer', () => {
  it('examples/authenticated-whitelist: DMARC, aligned DKIM, SPF for the envelope sender, a forged From:, a forged field below the trusted one', async () => {
    await bothWays(path.join(REPO, 'examples', 'authenticated-whitelist'));
  });

  it('test/fixtures/decoded: folded words, mixed charsets, malformed words, text parts (B), D, MATCH, RFC 2231, negation and weights', async () => {
    await bothWays(path.join(REPO, 'test', 'fixtures', 'decoded'));
  });

  const noList = fs.existsSync(SYSTEM_PUBLIC_SUFFIX_LIST) ? null : `${SYSTEM_PUBLIC_SUFFIX_LIST} is missing (Debian's publicsuffix package)`;
  if (noList !== null && IN_CI) throw new Error(`CI=true but ${noList}`);
  it.skipIf(noList !== null)('relaxed DKIM alignment through the system Public Suffix List', async () => {
    const dir = path.join(tmp, 'relaxed');
    fs.mkdirSync(path.join(dir, 'messages'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'rules.rc'), 'DEFAULT=default/\nAUTHSERV_ID=mx.example.org\n:0\n* @sender authenticated in white.lst\ninbox/\n');
    fs.writeFileSync(path.join(dir, 'white.lst'), 'bob@partner.example.com\nceo@bank.co.uk\n');
    const m = (from: string, ar: string): string => `Authentication-Results: mx.example.org; ${ar}\nFrom: ${from}\nSubject: x\n\nbody\n`;
    // Signed by a subdomain of the sender's domain: the same Organizational Domain.
    fs.writeFileSync(path.join(dir, 'messages', '1-subdomain.eml'), m('bob@partner.example.com', 'dkim=pass header.d=mail.partner.example.com; dmarc=none'));
    // Signed by the public suffix itself: co.uk is nobody's Organizational Domain.
    fs.writeFileSync(path.join(dir, 'messages', '2-suffix.eml'), m('ceo@bank.co.uk', 'dkim=pass header.d=co.uk; dmarc=none'));
    // Signed by a sibling under a public suffix: other organisations.
    fs.writeFileSync(path.join(dir, 'messages', '3-sibling.eml'), m('ceo@bank.co.uk', 'dkim=pass header.d=evil.co.uk; dmarc=none'));
    fs.writeFileSync(path.join(dir, 'expected.txt'), 'messages/1-subdomain.eml  inbox/\nmessages/2-suffix.eml  default/\nmessages/3-sibling.eml  default/\n');
    await bothWays(dir);
  });
});
