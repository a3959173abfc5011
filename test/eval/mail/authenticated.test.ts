import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAuthResults } from '../../../src/eval/mail/auth-results.js';
import { aligned, authenticate, type AuthEvidence } from '../../../src/eval/mail/authenticated.js';
import { publicSuffixLoader, SYSTEM_PUBLIC_SUFFIX_LIST } from '../../../src/deliver/public-suffix-file.js';
import { parsePublicSuffixList, type PublicSuffixList } from '../../../src/eval/mail/public-suffix.js';
import { IN_CI } from '../../e2e/lda.js';

/** A small list with the shapes of the real one: plain rules, a wildcard with an exception, a private suffix, an IDN. */
const LIST = parsePublicSuffixList(['// comment', 'com', 'org', 'uk', 'co.uk', '*.ck', '!www.ck', 'github.io  // a private suffix', 'io', '公司.cn', 'cn', ''].join('\r\n'), (d) => d.replace('xn--55qx5d', '公司'));

function evidence(ar: string, opts: { from?: string[]; envelope?: string; list?: PublicSuffixList | null } = {}): AuthEvidence {
  return {
    results: parseAuthResults(` mx.example.org; ${ar}`).results,
    fromDomains: opts.from ?? ['example.com'],
    envelope: opts.envelope ?? '',
    suffixes: () => (opts.list === undefined ? LIST : opts.list),
  };
}

describe('the Organizational Domain (RFC 7489 §3.2)', () => {
  it('is the public suffix plus one label, by the prevailing rule', () => {
    expect(LIST.organizationalDomain('mail.example.com')).toBe('example.com');
    expect(LIST.organizationalDomain('a.b.bank.co.uk')).toBe('bank.co.uk');
    expect(LIST.organizationalDomain('co.uk')).toBeNull();
    expect(LIST.organizationalDomain('x.y.ck')).toBe('x.y.ck');
    expect(LIST.organizationalDomain('a.www.ck')).toBe('www.ck');
    expect(LIST.organizationalDomain('victim.github.io')).toBe('victim.github.io');
    expect(LIST.organizationalDomain('mail.xn--55qx5d.cn')).toBe('mail.xn--55qx5d.cn');
    expect(LIST.organizationalDomain('Example.COM.')).toBe('example.com');
    // The default rule `*`: an unlisted TLD is a suffix.
    expect(LIST.organizationalDomain('a.b.example')).toBe('b.example');
  });

  it('relaxed alignment: the same Organizational Domain; strict without a list', () => {
    expect(aligned('mail.example.com', 'example.com', () => LIST)).toBe(true);
    expect(aligned('news.example.com', 'mail.example.com', () => LIST)).toBe(true);
    expect(aligned('evil.example', 'example.com', () => LIST)).toBe(false);
    expect(aligned('co.uk', 'bank.co.uk', () => LIST)).toBe(false);
    expect(aligned('github.io', 'victim.github.io', () => LIST)).toBe(false);
    expect(aligned('mail.example.com', 'example.com', () => null)).toBe(false);
    expect(aligned('example.com', 'example.com', () => null)).toBe(true);
  });

  const missing = fs.existsSync(SYSTEM_PUBLIC_SUFFIX_LIST) ? null : `${SYSTEM_PUBLIC_SUFFIX_LIST} is missing (Debian's publicsuffix package)`;
  if (missing !== null && IN_CI) throw new Error(`CI=true but ${missing}`);
  it.skipIf(missing !== null)('the system list, read once on first use', () => {
    let reads = 0;
    const load = publicSuffixLoader({ readFileSync: (p) => (reads++, fs.readFileSync(p)) });
    expect(reads).toBe(0);
    const list = load()!;
    expect(list.organizationalDomain('www.bbc.co.uk')).toBe('bbc.co.uk');
    expect(list.organizationalDomain('user.github.io')).toBe('user.github.io');
    load();
    expect(reads).toBe(1);
  });
  it('an unreadable list is no list (strict alignment), asked for once', () => {
    let reads = 0;
    const load = publicSuffixLoader({ readFileSync: () => { reads++; throw Object.assign(new Error('no'), { code: 'ENOENT' }); } });
    expect(load()).toBeNull();
    expect(load()).toBeNull();
    expect(reads).toBe(1);
  });
});

describe('authenticate: is a listed address vouched for?', () => {
  it('dmarc=pass vouches for the From domain, and only for it', () => {
    expect(authenticate('boss@example.com', evidence('dmarc=pass (p=reject) header.from=example.com'))).toEqual({ ok: true, by: 'dmarc=pass header.from=example.com' });
    expect(authenticate('boss@mail.example.com', evidence('dmarc=pass header.from=example.com'))).toMatchObject({ ok: false });
    // Without header.from, the From: field's one domain.
    expect(authenticate('boss@example.com', evidence('dmarc=pass'))).toMatchObject({ ok: true });
    expect(authenticate('boss@example.com', evidence('dmarc=pass', { from: ['a.example', 'b.example'] }))).toMatchObject({ ok: false });
  });

  it('the forged From: a dkim=pass for another domain and dmarc=fail vouch for nothing, and say why', () => {
    const v = authenticate('boss@example.com', evidence('dkim=pass header.d=evil.example header.s=s1; dmarc=fail (p=none) header.from=example.com'));
    expect(v).toEqual({ ok: false, why: 'dkim=pass header.d=evil.example does not align with example.com; dmarc=fail header.from=example.com' });
  });

  it('dkim=pass vouches for domains aligned with its signing domain (relaxed), header.i when there is no header.d', () => {
    expect(authenticate('news@news.example.com', evidence('dkim=pass header.d=mail.example.com'))).toEqual({ ok: true, by: 'dkim=pass header.d=mail.example.com' });
    expect(authenticate('a@example.com', evidence('dkim=pass header.i=@mail.example.com'))).toMatchObject({ ok: true });
    expect(authenticate('a@bank.co.uk', evidence('dkim=pass header.d=co.uk'))).toMatchObject({ ok: false });
    expect(authenticate('a@example.com', evidence('dkim=fail header.d=example.com'))).toEqual({ ok: false, why: 'dkim=fail header.d=example.com' });
    // Without a list, only the very domain; the trace says why.
    expect(authenticate('a@example.com', evidence('dkim=pass header.d=mail.example.com', { list: null }))).toEqual({
      ok: false,
      why: 'dkim=pass header.d=mail.example.com is not example.com (no public suffix list: strict alignment)',
    });
  });

  it('spf=pass vouches for the envelope sender only, for its domain', () => {
    expect(authenticate('bounces@example.com', evidence('spf=pass smtp.mailfrom=example.com', { envelope: 'bounces@example.com' }))).toEqual({ ok: true, by: 'spf=pass smtp.mailfrom=example.com' });
    expect(authenticate('boss@example.com', evidence('spf=pass smtp.mailfrom=bounces@example.com', { envelope: 'bounces@example.com' }))).toEqual({
      ok: false,
      why: 'spf=pass smtp.mailfrom=bounces@example.com (boss@example.com is not the envelope sender)',
    });
    expect(authenticate('x@example.com', evidence('spf=pass smtp.mailfrom=other.example', { envelope: 'x@example.com' }))).toMatchObject({ ok: false });
  });

  it('nothing at all, or no domain: not vouched for', () => {
    expect(authenticate('a@example.com', evidence('none'))).toEqual({ ok: false, why: 'no dmarc, dkim or spf result' });
    expect(authenticate('postmaster', evidence('dmarc=pass header.from=example.com'))).toEqual({ ok: false, why: 'no domain' });
  });

  it('loads the list only when a signature needs it', () => {
    let loads = 0;
    const ev = { ...evidence('dmarc=pass header.from=example.com; dkim=pass header.d=mail.example.com'), suffixes: () => (loads++, LIST) };
    expect(authenticate('a@example.com', ev)).toMatchObject({ ok: true });
    expect(loads).toBe(0);
  });
});
