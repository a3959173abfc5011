import { describe, expect, it } from 'vitest';
import { runCheck } from '../../src/cli/check.js';
import { compileRc } from '../../src/compile/compile.js';
import { authservWarnings, validateExtCondition } from '../../src/compile/ext-check.js';
import { parseExtCondition } from '../../src/syntax/ext-args.js';
import type { Span } from '../../src/source/span.js';

/** `* @verb args` on line 2 of a file; the diagnostics with the text they point at. */
function check(verb: string, args: string) {
  const source = `:0\n* @${verb} ${args}\n`;
  const span: Span = { file: 'rules.rc', line: 2, col: 3, start: 5, end: 5 + verb.length + 2 + args.length };
  return validateExtCondition(verb, args, span).map((d) => ({ code: d.code, text: source.slice(d.span.start, d.span.end), message: d.message }));
}

describe('@decoded, @auth and `authenticated`: the argument grammar', () => {
  it('parses each form into the value the engine runs', () => {
    expect(parseExtCondition('decoded', '^Subject:.*für  ')).toEqual({ ok: true, value: { verb: 'decoded', pattern: '^Subject:.*für  ' } });
    expect(parseExtCondition('auth', 'DKIM=Pass header.d=example.com  smtp.mailfrom="$DOMAIN"')).toEqual({
      ok: true,
      value: {
        verb: 'auth', method: 'dkim', result: 'pass',
        properties: [
          { ptype: 'header', property: 'd', value: { text: 'example.com', quote: 'none' } },
          { ptype: 'smtp', property: 'mailfrom', value: { text: '$DOMAIN', quote: 'double' } },
        ],
      },
    });
    expect(parseExtCondition('sender', 'authenticated in white.lst')).toEqual({ ok: true, value: { verb: 'sender', file: { text: 'white.lst', quote: 'none' }, authenticated: true } });
    expect(parseExtCondition('sender', 'in white.lst')).toMatchObject({ ok: true, value: { authenticated: false } });
    expect(parseExtCondition('address', 'From,Reply-To authenticated in "my list"')).toEqual({
      ok: true,
      value: { verb: 'address', headers: ['From', 'Reply-To'], file: { text: 'my list', quote: 'double' }, authenticated: true },
    });
  });

  it('checks them, pointing at the bad part', () => {
    expect(check('decoded', '^Subject: (open')).toEqual([{ code: 'invalid-regexp', text: '^Subject: (open', message: 'Invalid regexp "^Subject: (open"' }]);
    expect(check('auth', 'dkim')[0]).toMatchObject({ code: 'ext-bad-auth', text: 'dkim' });
    expect(check('auth', 'dkim=pass header=x')[0]).toMatchObject({ code: 'ext-bad-auth', text: 'header=x' });
    expect(check('auth', 'dkim=pass header.d= x')[0]).toMatchObject({ code: 'ext-bad-auth', text: 'header.d=' });
    expect(check('sender', 'authenticated white.lst')[0]).toMatchObject({ code: 'ext-missing-in' });
    expect(check('address', 'authenticated in f')[0]).toMatchObject({ code: 'ext-missing-headers' });
    expect(check('decoded', '  ')[0]).toMatchObject({ code: 'ext-missing-regex' });
  });
});

describe('check warns for @auth and `authenticated` without AUTHSERV_ID', () => {
  const warn = (rc: string, assignedBefore = false) => authservWarnings(compileRc(rc, 'rules.rc').items, assignedBefore);
  it('at each such condition no assignment comes before', () => {
    const r = warn(':0\n* @auth dmarc=pass\nok/\nAUTHSERV_ID=mx.example.org\n:0\n{\n:0\n* @sender authenticated in white.lst\nwhite/\n}\n');
    expect(r.diagnostics.map((d) => [d.code, d.span.line])).toEqual([['authserv-id-unset', 2]]);
    expect(r.assigns).toBe(true);
  });
  it('not when the including rc assigned it, nor for a plain lookup', () => {
    expect(warn(':0\n* @auth spf=pass\nok/\n', true).diagnostics).toEqual([]);
    expect(warn(':0\n* @sender in white.lst\nok/\n').diagnostics).toEqual([]);
  });
});

describe('`mailrules check` and AUTHSERV_ID across INCLUDERC', () => {
  const run = (files: Record<string, string>, path: string): string => {
    let out = '';
    runCheck([path], { json: false, quiet: true }, { stdout: (s) => (out += s), stderr: () => undefined, readFile: (p) => { const t = files[p]; if (t === undefined) throw new Error('ENOENT'); return t; } });
    return out;
  };
  const lib = ':0\n* @sender authenticated in $WHITELIST\n$WHITEFOLDER\n';
  it('an included file is not warned about when the including rc set AUTHSERV_ID', () => {
    expect(run({ '/rc/main': 'AUTHSERV_ID=mx.example.org\nINCLUDERC=/rc/lib.rc\n', '/rc/lib.rc': lib }, '/rc/main')).toBe('');
  });
  it('it is when nothing did', () => {
    expect(run({ '/rc/main': 'INCLUDERC=/rc/lib.rc\n', '/rc/lib.rc': lib }, '/rc/main')).toMatch(/^\/rc\/lib\.rc:2:1: warning: AUTHSERV_ID is not set before this condition/);
  });
});
