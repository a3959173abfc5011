import * as fs from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatResult, matchAuth } from '../../../src/eval/mail/auth-match.js';
import { parseAuthResults, type AuthResults } from '../../../src/eval/mail/auth-results.js';
import { parseHeader } from '../../../src/eval/mail/header.js';
import { trustedResults } from '../../../src/eval/mail/trusted-results.js';
import { forAll } from '../../fuzz/prng.js';
import { corpusFiles, SHARED_CORPUS } from '../../helpers/corpus.js';

/** An Authentication-Results field as it arrives: folded, then unfolded as the engine reads it. */
function parse(folded: string): AuthResults {
  return parseAuthResults(folded.replace(/\r?\n(?=[ \t])/g, ''));
}

/** The results as `method=result ptype.property=value…` lines. */
function summary(a: AuthResults): string[] {
  return a.results.map(formatResult);
}

describe('parseAuthResults on the fields real verifiers write (RFC 8601 §2.2)', () => {
  it('OpenDKIM: a comment with a `;` in it, several properties, dkim-atps', () => {
    const a = parse(' mx.example.org;\n\tdkim=pass (2048-bit key; unprotected) header.d=example.com header.i=@example.com header.a=rsa-sha256 header.s=mail header.b="kJ7aB+Xq";\n\tdkim-atps=neutral');
    expect(a.authservId).toBe('mx.example.org');
    expect(summary(a)).toEqual([
      'dkim=pass header.d=example.com header.i=@example.com header.a=rsa-sha256 header.s=mail header.b=kJ7aB+Xq',
      'dkim-atps=neutral',
    ]);
  });

  it('OpenDMARC: the policy in a comment', () => {
    expect(summary(parse(' mx.example.org; dmarc=fail (p=reject dis=none) header.from=example.com'))).toEqual(['dmarc=fail header.from=example.com']);
  });

  it('rspamd: dkim, dmarc and spf in one field, a comment holding quotes and a colon', () => {
    const a = parse(' mx.example.org;\n\tdkim=pass header.d=example.com header.s=dkim header.b=abcDEF12;\n\tdmarc=pass (policy=none) header.from=example.com;\n\tspf=pass (mx.example.org: domain of "bob@example.com" designates 192.0.2.1 as permitted sender) smtp.mailfrom=bob@example.com');
    expect(summary(a)).toEqual([
      'dkim=pass header.d=example.com header.s=dkim header.b=abcDEF12',
      'dmarc=pass header.from=example.com',
      'spf=pass smtp.mailfrom=bob@example.com',
    ]);
  });

  it('Postfix policy daemons (policyd-spf): a comment after the property', () => {
    const a = parse(' mx.example.org; spf=pass (sender SPF authorized) smtp.mailfrom=example.com (client-ip=192.0.2.1; helo=mail.example.com; envelope-from=bob@example.com; receiver=<UNKNOWN>)');
    expect(summary(a)).toEqual(['spf=pass smtp.mailfrom=example.com']);
  });

  it('Exim: iprev, several methods, arc=none; Gmail: header.i only', () => {
    const exim = parse(' mx.example.org;\n\tiprev=pass (mail.example.com) smtp.remote-ip=192.0.2.1;\n\tspf=pass smtp.mailfrom=example.com;\n\tdkim=pass header.d=example.com header.s=sel header.a=rsa-sha256;\n\tdmarc=pass header.from=example.com;\n\tarc=none');
    expect(exim.results.map((r) => `${r.method}=${r.result}`)).toEqual(['iprev=pass', 'spf=pass', 'dkim=pass', 'dmarc=pass', 'arc=none']);
    const gmail = parse(' mx.google.com;\n       dkim=pass header.i=@example.com header.s=20230601 header.b=Ab12Cd34;\n       spf=pass (google.com: domain of bob@example.com designates 2607:f8b0::1 as permitted sender) smtp.mailfrom=bob@example.com;\n       dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=example.com');
    expect(gmail.authservId).toBe('mx.google.com');
    expect(summary(gmail)[0]).toBe('dkim=pass header.i=@example.com header.s=20230601 header.b=Ab12Cd34');
  });

  it('several results for one method, versions, unknown methods and ptypes, `none`', () => {
    const a = parse(' mx.example.org 1; dkim/1=pass header.d=example.com; dkim=fail (bad signature) header.d=other.example; x-custom=pass dns.zone=list.example policy.ip=127.0.11.0; auth=pass smtp.auth=bob');
    expect(a.authservId).toBe('mx.example.org');
    expect(summary(a)).toEqual([
      'dkim=pass header.d=example.com',
      'dkim=fail header.d=other.example',
      'x-custom=pass dns.zone=list.example policy.ip=127.0.11.0',
      'auth=pass smtp.auth=bob',
    ]);
    expect(parse(' mx.example.org; none')).toEqual({ authservId: 'mx.example.org', results: [] });
  });

  it('what should not be written but is: no authserv-id (Microsoft), `key=value` that is no property, junk', () => {
    const ms = parse(' spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=example.com; dkim=pass (signature was verified) header.d=example.com;dmarc=pass action=none header.from=example.com;compauth=pass reason=100');
    expect(ms.authservId).toBeNull();
    expect(summary(ms)).toEqual(['spf=pass smtp.mailfrom=example.com', 'dkim=pass header.d=example.com', 'dmarc=pass header.from=example.com', 'compauth=pass']);
    expect(ms.results[3]!.reason).toBe('100');
    const junk = parse(' mx.example.org; @@@ ; spf=pass smtp.mailfrom=example.com; dkim=');
    expect(summary(junk)).toEqual(['spf=pass smtp.mailfrom=example.com']);
  });

  it('never throws, and always ends, on any text', () => {
    forAll('auth-results', 0x8601, 500, (rng) => rng.chars(rng.int(0, 120), 'ab.=;()"\\@ \t1-/'), (v) => {
      expect(() => parseAuthResults(v)).not.toThrow();
    });
  });
});

describe('SpamAssassin\'s Authentication-Results samples', () => {
  const file = join(SHARED_CORPUS, 'spamassassin', 'nice', 'authres');
  it.skipIf(!fs.existsSync(file))('reads every field of nice/authres as SpamAssassin\'s own test expects', () => {
    const fields = parseHeader(fs.readFileSync(file)).fields.filter((f) => f.name.toLowerCase() === 'authentication-results');
    const byId = new Map(fields.map((f) => [parseAuthResults(f.value).authservId, parseAuthResults(f.value)] as const));
    expect(summary(byId.get('authrestest1int')!)).toEqual(['spf=pass smtp.mailfrom=bounce.example.org', 'dkim=pass header.i=@example.org', 'dkim=fail header.i=@another.signing.domain.example']);
    // A version after the id, and a reason with a comment before its `=`.
    const t4 = byId.get('authrestest4int')!;
    expect(summary(t4)).toEqual(['spf=fail smtp.mailfrom=dogma.slashnull.org']);
    expect(t4.results[0]!.reason).toBe('just some (<>.%&! reason');
    // A quoted local part with quotes in it.
    expect(byId.get('authrestest6int')!.results[0]!.properties.find((p) => p.property === 'i')!.value).toBe(' foo bar "xyz"@gmail.com');
    for (const f of corpusFiles()) {
      for (const x of parseHeader(fs.readFileSync(f)).fields) if (x.name.toLowerCase() === 'authentication-results') expect(() => parseAuthResults(x.value)).not.toThrow();
    }
  });
});

const OURS = 'Authentication-Results: mx.example.org; dmarc=pass (p=none) header.from=example.com';
const FORGED = 'Authentication-Results: mx.example.org; dmarc=pass header.from=paypal.com; dkim=pass header.d=paypal.com';

function trusted(headerLines: string[], id: string | undefined) {
  return trustedResults(parseHeader(Buffer.from(`${headerLines.join('\n')}\n\nbody\n`, 'latin1')), id);
}

describe('trustedResults: the topmost field with AUTHSERV_ID (RFC 8601 §5)', () => {
  it('trusts the topmost field with the id; a forged one below it, with the same id, is ignored', () => {
    const t = trusted([OURS, 'Received: from x by mx.example.org', FORGED, 'From: a@example.com'], 'mx.example.org');
    expect(t.fields.map((f) => f.text)).toEqual([OURS]);
    expect(t.ignored).toBe(1);
    expect(matchAuth(t.results, { method: 'dkim', result: 'pass', properties: [] })).toBeNull();
  });

  it('fields with other ids count for nothing, above or below; the id compares without case', () => {
    const other = 'Authentication-Results: mx.evil.example; dmarc=pass header.from=example.com';
    const t = trusted([other, 'Authentication-Results: MX.Example.ORG; spf=fail smtp.mailfrom=example.com', other], 'mx.example.org');
    expect(t.results.map(formatResult)).toEqual(['spf=fail smtp.mailfrom=example.com']);
    expect(t.ignored).toBe(2);
  });

  it('nothing is trusted without AUTHSERV_ID, or when no field carries it, or from a field without an id', () => {
    expect(trusted([OURS], undefined).fields).toEqual([]);
    expect(trusted([OURS], '  ').fields).toEqual([]);
    expect(trusted([OURS], 'mx.other.example').fields).toEqual([]);
    expect(trusted(['Authentication-Results: spf=pass smtp.mailfrom=example.com'], 'spf').fields).toEqual([]);
  });

  it('several ids (blanks or commas): the topmost field of each, for verifiers that write their own', () => {
    const dkim = 'Authentication-Results: dkim.mx.example.org; dkim=pass header.d=example.com';
    const t = trusted([OURS, dkim, 'Authentication-Results: dkim.mx.example.org; dkim=pass header.d=forged.example'], 'mx.example.org, dkim.mx.example.org');
    expect(t.ids).toEqual(['mx.example.org', 'dkim.mx.example.org']);
    expect(t.results.map(formatResult)).toEqual(['dmarc=pass header.from=example.com', 'dkim=pass header.d=example.com']);
  });
});

describe('matchAuth: `* @auth METHOD=RESULT [PTYPE.PROPERTY=VALUE]...`', () => {
  const results = parse(' mx.example.org; dkim=fail header.d=example.com; dkim=pass header.d=Example.COM header.i=@example.com; spf=pass smtp.mailfrom=bob@example.com').results;
  it('needs the method, the result and every property in one result; no case anywhere', () => {
    expect(matchAuth(results, { method: 'DKIM', result: 'Pass', properties: [{ ptype: 'header', property: 'd', value: 'example.com' }] })).not.toBeNull();
    expect(matchAuth(results, { method: 'dkim', result: 'pass', properties: [{ ptype: 'header', property: 'd', value: 'other.example' }] })).toBeNull();
    expect(matchAuth(results, { method: 'dkim', result: 'pass', properties: [{ ptype: 'header', property: 'd', value: 'example.com' }, { ptype: 'header', property: 'i', value: '@example.com' }] })).not.toBeNull();
    expect(matchAuth(results, { method: 'dmarc', result: 'pass', properties: [] })).toBeNull();
  });
  it('a domain matches the domain of an address value', () => {
    expect(matchAuth(results, { method: 'spf', result: 'pass', properties: [{ ptype: 'smtp', property: 'mailfrom', value: 'example.com' }] })).not.toBeNull();
    expect(matchAuth(results, { method: 'spf', result: 'pass', properties: [{ ptype: 'smtp', property: 'mailfrom', value: 'bob@example.com' }] })).not.toBeNull();
    expect(matchAuth(results, { method: 'spf', result: 'pass', properties: [{ ptype: 'smtp', property: 'mailfrom', value: 'alice@example.com' }] })).toBeNull();
  });
});
