import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { chmodSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LookupRequest, Origin, SendRequest } from '../../src/eval/requests.js';
import { answerLookup, answerSend, composeNotice } from '../../src/deliver/ext-answers.js';

/** The parts of mailparser's result the tests read (the package ships no types). */
interface Parsed {
  headers: Map<string, unknown>;
  from?: { value: { name: string; address: string }[] };
  to?: unknown;
  subject?: string;
  text?: string;
  inReplyTo?: string;
  references?: string[];
}
const { simpleParser } = createRequire(__filename)('mailparser') as { simpleParser(b: Buffer): Promise<Parsed> };

const origin: Origin = { span: null, conditions: [], reason: 'test' };
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mr-answer-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const ORIGINAL = [
  'From alice@example.org  Sat Nov 21 07:35:16 2026',
  'Return-Path: <alice@example.org>',
  'From: Alice <alice@example.org>',
  'To: bob@example.net',
  'Subject: =?utf-8?Q?Caf=C3=A9?= meeting',
  'Message-ID: <m1@example.org>',
  'References: <r0@example.org>',
  `DKIM-Signature: v=1; a=rsa-sha256; d=example.org; b=${'A'.repeat(200)}`,
  'X-Latin1: caf\xe9',
  '',
  'Hello Bob',
  '',
].join('\n');

function sendReq(over: Partial<SendRequest>): SendRequest {
  return {
    kind: 'send',
    what: 'bounce',
    to: 'alice@example.org',
    text: 'Not accepted here.',
    file: null,
    data: Buffer.from(ORIGINAL, 'latin1'),
    origin,
    log: { verbose: false, tz: null },
    sendmail: ['/usr/sbin/sendmail', '-oi'],
    logname: 'bob',
    replyFrom: null,
    loopId: 'bob@mx.example.net',
    env: { LOGNAME: 'bob' },
    timeoutSec: 960,
    ...over,
  };
}
const io = { clock: { now: () => Date.UTC(2026, 0, 2, 3, 4, 5) }, hostname: 'mx.example.net' };

describe('answerLookup', () => {
  it('answers from the list file, reports the entry, and caches by mtime', () => {
    const list = join(dir, 'friends');
    writeFileSync(list, '# friends\n*@example.org\n');
    const req: LookupRequest = { kind: 'lookup', file: 'friends', addresses: ['x@y.com', 'alice@example.org'], origin, log: { verbose: false, tz: null } };
    expect(answerLookup(req, fs, dir)).toEqual({ kind: 'lookup', matched: 'alice@example.org', entry: '*@example.org' });
    writeFileSync(list, 'x@y.com\n');
    utimesSync(list, new Date(), new Date(Date.now() + 5000));
    expect(answerLookup(req, fs, dir)).toEqual({ kind: 'lookup', matched: 'x@y.com', entry: 'x@y.com' });
  });
  it('an unreadable file matches nothing and says why', () => {
    const req: LookupRequest = { kind: 'lookup', file: join(dir, 'missing'), addresses: ['a@b'], origin, log: { verbose: false, tz: null } };
    const a = answerLookup(req, fs);
    expect(a.matched).toBeNull();
    expect(a.error).toMatch(/^Couldn't read ".*missing" \(ENOENT\)$/);
  });
});

describe('bounce (RFC 3464 DSN)', () => {
  it('has the multipart/report structure, the status fields and the verbatim header', async () => {
    const n = await composeNotice(sendReq({}), io);
    if ('error' in n) throw new Error(n.error);
    expect(n.command).toBe('/usr/sbin/sendmail');
    expect(n.args).toEqual(['-oi', '-f', '<>', '--', 'alice@example.org']);
    const raw = n.bytes.toString('latin1');
    expect(raw).not.toContain('\r\n');
    const mail = await simpleParser(n.bytes);
    expect(mail.headers.get('content-type')).toMatchObject({ value: 'multipart/report', params: { 'report-type': 'delivery-status' } });
    expect(mail.from?.value[0]?.address).toBe('MAILER-DAEMON@mx.example.net');
    expect((mail.to as { value: { address: string }[] }).value[0]!.address).toBe('alice@example.org');
    expect(mail.headers.get('auto-submitted')).toBe('auto-replied');
    expect(mail.headers.get('x-loop')).toBe('bob@mx.example.net');
    expect(mail.text).toContain('Not accepted here.');
    // The machine-readable parts, checked by hand: mailparser treats them as attachments.
    const parts = raw.split(/\n--[^\n]+\n/);
    const status = parts.find((p) => p.startsWith('Content-Type: message/delivery-status'))!;
    expect(status).toContain('\nReporting-MTA: dns; mx.example.net\n');
    expect(status).toContain('\nArrival-Date: Fri, 02 Jan 2026 03:04:05 +0000\n\nFinal-Recipient: rfc822; bob@mx.example.net\n');
    expect(status).toContain('\nAction: failed\nStatus: 5.7.1\nDiagnostic-Code: X-mailrules; Not accepted here.\n');
    const headers = parts.find((p) => p.startsWith('Content-Type: text/rfc822-headers'))!;
    expect(headers).not.toMatch(/Content-Transfer-Encoding/);
    expect(headers).toContain(`DKIM-Signature: v=1; a=rsa-sha256; d=example.org; b=${'A'.repeat(200)}\n`);
    expect(headers).toContain('X-Latin1: caf\xe9\n');
    expect(headers).toContain('Return-Path: <alice@example.org>\n');
    expect(headers).not.toContain('From alice@example.org  Sat');
    expect(headers).not.toContain('Hello Bob');
  });
});

describe('the host a notice names', () => {
  const status = (raw: string) => raw.split(/\n--[^\n]+\n/).find((p) => p.startsWith('Content-Type: message/delivery-status'))!;
  it('the fully qualified name when known: Reporting-MTA, MAILER-DAEMON, Final-Recipient, the reply\'s From', async () => {
    const bounce = await composeNotice(sendReq({}), { ...io, hostname: 'vm', mailHost: 'vm.example.net' });
    if ('error' in bounce) throw new Error(bounce.error);
    const raw = bounce.bytes.toString('latin1');
    expect(status(raw)).toContain('\nReporting-MTA: dns; vm.example.net\n');
    expect(status(raw)).toContain('\nFinal-Recipient: rfc822; bob@vm.example.net\n');
    expect(raw).toContain('<MAILER-DAEMON@vm.example.net>');
    const reply = await composeNotice(sendReq({ what: 'reply', text: 'away' }), { ...io, hostname: 'vm', mailHost: 'vm.example.net' });
    if ('error' in reply) throw new Error(reply.error);
    expect((await simpleParser(reply.bytes)).from?.value[0]?.address).toBe('bob@vm.example.net');
  });
  it('else the domain the MTA says it delivered to (for this login only), else the node name', async () => {
    const withField = (field: string) => Buffer.from(ORIGINAL.replace('\n', `\n${field}\n`), 'latin1');
    for (const [field, expected] of [
      ['Delivered-To: bob+lists@example.net', 'example.net'],
      ['X-Original-To: Bob@Example.NET', 'example.net'],
      ['Delivered-To: mallory@evil.example', 'vm'],
      ['Subject: no such field', 'vm'],
    ] as const) {
      const n = await composeNotice(sendReq({ data: withField(field) }), { ...io, hostname: 'vm', mailHost: null });
      if ('error' in n) throw new Error(n.error);
      expect(status(n.bytes.toString('latin1')), field).toContain(`\nReporting-MTA: dns; ${expected}\n`);
    }
  });
});

describe('reply (RFC 3834)', () => {
  const reply = (over: Partial<SendRequest>) => composeNotice(sendReq({ what: 'reply', text: 'I am away. — Bob', ...over }), io);
  it('has the auto-reply headers', async () => {
    // The rc file is read as latin1: UTF-8 text arrives as one character per byte.
    const n = await reply({ text: Buffer.from('I am away. — Bob', 'utf8').toString('latin1') });
    if ('error' in n) throw new Error(n.error);
    const mail = await simpleParser(n.bytes);
    expect(mail.subject).toBe('Re: Café meeting');
    expect(mail.inReplyTo).toBe('<m1@example.org>');
    expect(mail.references).toEqual(['<r0@example.org>', '<m1@example.org>']);
    expect(mail.headers.get('auto-submitted')).toBe('auto-replied');
    expect(mail.headers.get('x-loop')).toBe('bob@mx.example.net');
    expect(mail.from?.value[0]?.address).toBe('bob@mx.example.net');
    expect((mail.to as { value: { address: string }[] }).value[0]!.address).toBe('alice@example.org');
    expect(mail.text?.trim()).toBe('I am away. — Bob');
    expect(n.args).toEqual(['-oi', '-f', '<>', '--', 'alice@example.org']);
  });
  it('does not double Re:, omits threading when there is nothing to refer to, uses the sender and X-Loop the engine resolved', async () => {
    const bare = 'From: a@x.org\nSubject: RE: question\n\nbody\n';
    const n = await reply({ data: Buffer.from(bare), replyFrom: 'Bob <bob@public.example>', loopId: 'loop@id' });
    if ('error' in n) throw new Error(n.error);
    const mail = await simpleParser(n.bytes);
    expect(mail.subject).toBe('RE: question');
    expect(mail.inReplyTo).toBeUndefined();
    expect(mail.references).toBeUndefined();
    expect(mail.from?.value[0]).toMatchObject({ name: 'Bob', address: 'bob@public.example' });
    expect(mail.headers.get('x-loop')).toBe('loop@id');
  });
  it('reads the body from a file (UTF-8 or latin1)', async () => {
    writeFileSync(join(dir, 'away.txt'), Buffer.from('Back on Monday, J\xfcrgen\n', 'latin1'));
    const n = await composeNotice(sendReq({ what: 'reply', text: null, file: 'away.txt' }), { ...io, cwd: dir });
    if ('error' in n) throw new Error(n.error);
    expect((await simpleParser(n.bytes)).text?.trim()).toBe('Back on Monday, Jürgen');
    const missing = await composeNotice(sendReq({ what: 'reply', text: null, file: 'nope.txt' }), { ...io, cwd: dir });
    expect(missing).toEqual({ error: 'Couldn\'t read "nope.txt" (ENOENT)' });
  });
});

describe('answerSend with a fake sendmail', () => {
  function fakeSendmail(exit: number): string {
    const script = join(dir, 'sendmail');
    writeFileSync(script, `#!/bin/sh\nprintf '%s\\n' "$@" > "${dir}/argv"\ncat > "${dir}/stdin"\necho "fake sendmail says hi" >&2\nexit ${exit}\n`);
    chmodSync(script, 0o755);
    return script;
  }
  it('pipes the notice to $SENDMAIL -oi -f <> -- to', async () => {
    const sm = fakeSendmail(0);
    const ack = await answerSend(sendReq({ sendmail: [sm, '-oi'] }), { ...io, spawn });
    expect(ack).toEqual({ kind: 'ack', ok: true });
    expect(readFileSync(join(dir, 'argv'), 'latin1')).toBe('-oi\n-f\n<>\n--\nalice@example.org\n');
    expect(readFileSync(join(dir, 'stdin'), 'latin1')).toMatch(/^From: Mail Delivery System <MAILER-DAEMON@mx\.example\.net>\n/);
  });
  it('reports a failing sendmail with its exit code and stderr', async () => {
    const sm = fakeSendmail(75);
    const ack = await answerSend(sendReq({ sendmail: [sm, '-oi'] }), { ...io, spawn });
    expect(ack.ok).toBe(false);
    expect(ack.error).toBe(`${sm} failed (exit 75): fake sendmail says hi`);
  });
  it('honours SENDMAILFLAGS as forwards do, adding -oi only when they lack it', async () => {
    const sm = fakeSendmail(0);
    await answerSend(sendReq({ sendmail: [sm, '-C/etc/mail/other.cf'] }), { ...io, spawn });
    expect(readFileSync(join(dir, 'argv'), 'latin1')).toBe('-C/etc/mail/other.cf\n-oi\n-f\n<>\n--\nalice@example.org\n');
    await answerSend(sendReq({ what: 'reply', text: 'away', sendmail: [sm, '-oi', '-odq'] }), { ...io, spawn });
    expect(readFileSync(join(dir, 'argv'), 'latin1')).toBe('-oi\n-odq\n-f\n<>\n--\nalice@example.org\n');
  });
  it('reports a missing sendmail', async () => {
    const ack = await answerSend(sendReq({ sendmail: [join(dir, 'no-such-sendmail'), '-oi'] }), { ...io, spawn });
    expect(ack.ok).toBe(false);
    expect(ack.error).toMatch(/cannot run .*no-such-sendmail: ENOENT/);
  });
});
