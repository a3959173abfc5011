import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDry } from './helpers.js';

/**
 * `mailrules test --trace` and --json for @decoded, @auth and
 * `authenticated`: the raw and decoded text a condition looked at, the
 * trusted Authentication-Results field, and why a listed sender did not count.
 */
const EX = 'examples/authenticated-whitelist';
const RC = `${EX}/rules.rc`;
const msg = (name: string): string[] => [`MAILDIR=${EX}`, `${EX}/messages/${name}`];

describe('--trace', () => {
  it('shows the trusted field and why a listed sender is not trusted', async () => {
    const r = await runDry(RC, msg('03-forged-field-below.eml'), { trace: true });
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    const cond = lines.findIndex((l) => l.includes('* @sender authenticated in white.lst  → failed'));
    expect(lines.slice(cond + 1, cond + 4).map((l) => l.replace(/^.*?rules\.rc:20 +/, ''))).toEqual([
      'lookup alice@example.com in white.lst → found (alice@example.com)',
      'trusted Authentication-Results: mx.example.org; dkim=none; dmarc=fail (p=none dis=none) header.from=example.com; spf=softfail smtp.mailfrom=alice@example.com (1 other Authentication-Results ignored)',
      'alice@example.com is listed (alice@example.com) but not authenticated (dkim=none; dmarc=fail header.from=example.com; spf=softfail smtp.mailfrom=alice@example.com): counts as not listed',
    ]);
    // The forged field below is never shown as trusted.
    expect(r.stdout).not.toContain('trusted Authentication-Results: mx.example.org; dmarc=pass');
  });

  it('shows the raw and the decoded text @decoded searched, and its match as UTF-8', async () => {
    const r = await runDry(RC, msg('07-rechnung.eml'), { trace: true });
    expect(r.stdout).toContain('* @decoded ^Subject:.*Rechnung f(ü|ue)r  → held, matched "\\nSubject: Ihre Rechnung für"');
    expect(r.stdout).toContain('searched the decoded header:');
    expect(r.stdout).toContain('raw:     Subject: =?UTF-8?Q?Ihre_Rechnung_f=C3=BC?= =?UTF-8?Q?r_M=C3=A4rz?=');
    expect(r.stdout).toContain('decoded: Subject: Ihre Rechnung für März');
    expect(r.stdout).toContain('* @auth dkim=pass header.d=bank.example  → failed');
    expect(r.stdout).toContain('no dkim=pass header.d=bank.example in the trusted field');
  });

  it('says when AUTHSERV_ID is not set', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mr-authmatch-'));
    try {
      writeFileSync(join(dir, 'rc'), ':0\n* @auth dmarc=pass\nok/\n');
      const r = await runDry(join(dir, 'rc'), msg('01-listed-dmarc-pass.eml'), { trace: true });
      expect(r.stdout).toMatch(/\* @auth dmarc=pass  → failed\n.*AUTHSERV_ID is not set: no Authentication-Results field is trusted\n/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('--json', () => {
  it('carries the same detail under each condition', async () => {
    const r = await runDry(RC, msg('02-forged-from.eml'), { json: true });
    const report = JSON.parse(r.stdout) as { destination: string; recipes: { conditions: { text: string; held: boolean; ext?: Record<string, unknown> }[] }[] };
    expect(report.destination).toBe('forged/');
    const c = report.recipes[0]!.conditions[0]!;
    expect(c).toMatchObject({ text: '@sender authenticated in white.lst', held: false });
    expect(c.ext).toEqual({
      trusted: {
        ids: ['mx.example.org'],
        fields: ['Authentication-Results: mx.example.org;\tdkim=pass (1024-bit key) header.d=evil.example header.i=@evil.example header.b="Zz9yQ1";\tdmarc=fail (p=none dis=none) header.from=example.com;\tspf=pass smtp.mailfrom=bulk@evil.example'],
        ignored: 0,
      },
      notes: [
        'alice@example.com is listed (alice@example.com) but not authenticated (dkim=pass header.d=evil.example does not align with example.com; dmarc=fail header.from=example.com; spf=pass smtp.mailfrom=bulk@evil.example (alice@example.com is not the envelope sender)): counts as not listed',
      ],
    });
  });
});
