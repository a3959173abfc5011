import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ldaCommand, runLda } from './lda.js';

/**
 * The `@` extensions through the built delivery agent (`deliver.cjs -m rc`),
 * in a temp sandbox whose SENDMAIL is a recorder script: what reaches the
 * MTA (exit code, stderr), what is stored, what is sent (argv and the
 * notice, parsed with mailparser), what is logged.
 */

/** The parts of mailparser's result read here (the package ships no types; as in test/deliver/ext-answers.test.ts). */
interface ParsedMail {
  headers: Map<string, unknown>;
  headerLines: { key: string; line: string }[];
  from?: { value: { address?: string }[] };
  to?: { value: { address?: string }[] } | { value: { address?: string }[] }[];
  subject?: string;
  inReplyTo?: string;
  references?: string | string[];
  text?: string;
}
const { simpleParser } = createRequire(__filename)('mailparser') as { simpleParser(b: Buffer): Promise<ParsedMail> };

const LOOPID = 'me@example.org';

/** Records argv and stdin of each run into `<root>/sent/`, then exits with $0's configured status. */
function recorder(root: string, exit: number): string {
  return `#!/bin/sh
d='${root}/sent'
mkdir -p "$d"
f=$(mktemp "$d/n.XXXXXX")
{ for a in "$@"; do printf '%s\\n' "$a"; done; echo '--- stdin'; cat; } > "$f"
exit ${exit}
`;
}

interface Sent {
  argv: string[];
  body: Buffer;
}

interface Delivery {
  code: number | null;
  stderr: string;
  log: string;
  sent: Sent[];
  /** The DEFAULT mbox, or null when nothing went there. */
  defaultBox: string | null;
}

let root: string | null = null;
afterEach(() => {
  if (root !== null) fs.rmSync(root, { recursive: true, force: true });
  root = null;
});

function sandbox(files: Record<string, string> = {}): { root: string; md: string } {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'mr-ext-'));
  const md = path.join(root, 'md');
  fs.mkdirSync(md);
  fs.writeFileSync(path.join(root, 'sendmail'), recorder(root, 0), { mode: 0o755 });
  fs.writeFileSync(path.join(root, 'sendmail-fail'), recorder(root, 75), { mode: 0o755 });
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(md, name), text);
  return { root, md };
}

function sentMessages(r: string): Sent[] {
  const dir = path.join(r, 'sent');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .map((f) => fs.readFileSync(path.join(dir, f)))
    .map((buf) => {
      const sep = buf.indexOf('--- stdin\n');
      return { argv: buf.subarray(0, sep).toString('latin1').split('\n').slice(0, -1), body: buf.subarray(sep + 10) };
    });
}

async function deliver(rc: string, message: string, opts: { from?: string; sendmail?: 'ok' | 'fail' } = {}): Promise<Delivery> {
  if (root === null) throw new Error('sandbox() first');
  const md = path.join(root, 'md');
  const rcfile = path.join(root, 'rc');
  fs.writeFileSync(rcfile, `LOOPID=${LOOPID}\n${rc}`);
  const sendmail = path.join(root, opts.sendmail === 'fail' ? 'sendmail-fail' : 'sendmail');
  const argv = [
    ...ldaCommand(),
    ...(opts.from !== undefined ? ['-f', opts.from] : []),
    '-m',
    `MAILDIR=${md}`,
    `LOGFILE=${root}/log`,
    `DEFAULT=${md}/DEFAULT`,
    `SENDMAIL=${sendmail}`,
    rcfile,
  ];
  const before = sentMessages(root).length;
  const r = await runLda(argv, message, { cwd: md });
  const logFile = path.join(root, 'log');
  const defaultFile = path.join(md, 'DEFAULT');
  return {
    code: r.code,
    stderr: r.stderr,
    log: fs.existsSync(logFile) ? fs.readFileSync(logFile, 'latin1') : '',
    sent: sentMessages(root).slice(before),
    defaultBox: fs.existsSync(defaultFile) ? fs.readFileSync(defaultFile, 'latin1') : null,
  };
}

function msg(headers: Record<string, string>, body = 'Hello there.\n'): string {
  const all = { To: 'me@example.org', Subject: 'Hello', 'Message-ID': '<m1@example.com>', ...headers };
  return `${Object.entries(all)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n')}\n\n${body}`;
}

function header(p: ParsedMail, name: string): string {
  const v = p.headerLines.find((h) => h.key === name.toLowerCase());
  return v === undefined ? '' : v.line.slice(v.line.indexOf(':') + 1).trim();
}

/** The notice went to `to` with an empty envelope sender: `sendmail -oi -f <> -- to`. */
function expectNullSenderTo(s: Sent, to: string): void {
  expect(s.argv).toContain('-f');
  expect(s.argv[s.argv.indexOf('-f') + 1]).toBe('<>');
  expect(s.argv[s.argv.length - 1]).toBe(to);
}

describe('extensions through the delivery agent', () => {
  it('@discard exits 0 and stores nothing', async () => {
    sandbox();
    const d = await deliver(':0\n@discard\n', msg({ From: 'a@example.com' }), { from: 'a@example.com' });
    expect(d.code).toBe(0);
    expect(d.stderr).toBe('');
    expect(d.defaultBox).toBeNull();
    expect(fs.readdirSync(path.join(root!, 'md'))).toEqual([]);
    expect(d.sent).toEqual([]);
    expect(d.log).toContain('Folder: /dev/null');
  });

  it('@reject exits 67 (EX_NOUSER) with the text on stderr, storing and sending nothing', async () => {
    sandbox();
    const d = await deliver(':0\n@reject "Mail from you is not accepted here."\n', msg({ From: 'a@example.com' }), { from: 'a@example.com' });
    expect(d.code).toBe(67);
    expect(d.stderr).toContain('Mail from you is not accepted here.');
    expect(d.defaultBox).toBeNull();
    expect(d.sent).toEqual([]);
  });

  it('@bounce sends an RFC 3464 DSN from MAILER-DAEMON, null sender, to the envelope sender, and exits 0', async () => {
    sandbox();
    const original = msg({ From: 'Pest <pest@example.net>', Subject: 'Me again', 'X-Original-Marker': 'kept-in-dsn' });
    const d = await deliver(':0\n@bounce "You are blocked."\n', original, { from: 'bounces+pest@example.net' });
    expect(d.code).toBe(0);
    expect(d.defaultBox).toBeNull();
    expect(d.sent).toHaveLength(1);
    const s = d.sent[0]!;
    // The envelope sender, not From:.
    expectNullSenderTo(s, 'bounces+pest@example.net');
    const p = await simpleParser(s.body);
    const ct = p.headers.get('content-type') as { value: string; params: Record<string, string> };
    expect(ct.value).toBe('multipart/report');
    expect(ct.params['report-type']).toBe('delivery-status');
    expect(p.from?.value[0]?.address).toMatch(/^MAILER-DAEMON@/);
    expect(header(p, 'To')).toContain('bounces+pest@example.net');
    expect(header(p, 'X-Loop')).toBe(LOOPID);
    expect(header(p, 'Auto-Submitted')).toBe('auto-replied');
    expect(p.text ?? '').toContain('You are blocked.');
    const raw = s.body.toString('latin1');
    const status = /Content-Type: message\/delivery-status\n\n([\s\S]*?)\n--/i.exec(raw);
    expect(status).not.toBeNull();
    expect(status![1]).toMatch(/^Action: failed$/m);
    expect(status![1]).toMatch(/^Status: 5\.\d+\.\d+$/m);
    expect(status![1]).toMatch(/^Final-Recipient: rfc822; /m);
    const headersPart = /Content-Type: text\/rfc822-headers\n\n([\s\S]*?)\n--/i.exec(raw);
    expect(headersPart).not.toBeNull();
    expect(headersPart![1]).toContain('X-Original-Marker: kept-in-dsn');
    expect(headersPart![1]).toContain('Subject: Me again');
    expect(d.log).toContain('@bounce bounces+pest@example.net');
  });

  it('@reply sends one RFC 3834 reply per sender within REPLYDAYS (cache under MAILDIR)', async () => {
    const { md } = sandbox();
    const rc = 'REPLYDAYS=7\n:0\n@reply "I am away."\n';
    const first = await deliver(rc, msg({ From: 'Dave <dave@example.com>', Subject: 'Hello', References: '<r0@example.com>' }), { from: 'dave@example.com' });
    expect(first.code).toBe(0);
    expect(first.defaultBox).toBeNull();
    expect(first.sent).toHaveLength(1);
    const s = first.sent[0]!;
    expectNullSenderTo(s, 'dave@example.com');
    const p = await simpleParser(s.body);
    expect(header(p, 'Auto-Submitted')).toBe('auto-replied');
    expect(p.inReplyTo).toBe('<m1@example.com>');
    expect([p.references].flat()).toEqual(['<r0@example.com>', '<m1@example.com>']);
    expect(p.subject).toBe('Re: Hello');
    expect(header(p, 'X-Loop')).toBe(LOOPID);
    expect(p.to && !Array.isArray(p.to) ? p.to.value[0]?.address : null).toBe('dave@example.com');
    expect(p.text ?? '').toContain('I am away.');
    expect(fs.readFileSync(path.join(md, '.mailrules-replies'), 'latin1')).toMatch(/^\d+ dave@example\.com$/m);

    const second = await deliver(rc, msg({ From: 'Dave <dave@example.com>', Subject: 'Hello again', 'Message-ID': '<m2@example.com>' }), { from: 'DAVE@example.com' });
    expect(second.code).toBe(0);
    expect(second.sent).toEqual([]);
    expect(second.defaultBox).toBeNull();
    expect(second.log).toContain('already replied to');

    const other = await deliver(rc, msg({ From: 'erin@example.net' }), { from: 'erin@example.net' });
    expect(other.sent).toHaveLength(1);
  });

  const refusals: { what: string; verbs: ('bounce' | 'reply')[]; from: string; headers: Record<string, string>; reason: RegExp }[] = [
    { what: 'empty envelope sender (-f <>)', verbs: ['bounce', 'reply'], from: '<>', headers: { From: 'x@example.com' }, reason: /envelope sender is empty/ },
    { what: '^FROM_DAEMON', verbs: ['bounce', 'reply'], from: 'mailer-daemon@example.com', headers: { From: 'Mail Delivery System <MAILER-DAEMON@example.com>' }, reason: /FROM_DAEMON/ },
    { what: 'our X-Loop', verbs: ['bounce', 'reply'], from: 'x@example.com', headers: { From: 'x@example.com', 'X-Loop': LOOPID }, reason: /X-Loop/ },
    { what: 'Auto-Submitted: auto-replied', verbs: ['bounce', 'reply'], from: 'x@example.com', headers: { From: 'x@example.com', 'Auto-Submitted': 'auto-replied' }, reason: /Auto-Submitted/ },
    { what: 'Precedence: list (replies)', verbs: ['reply'], from: 'x@example.com', headers: { From: 'x@example.com', Precedence: 'list' }, reason: /Precedence: list/ },
  ];
  for (const c of refusals) {
    for (const verb of c.verbs) {
      it(`@${verb} refuses on ${c.what}: sends nothing, logs why, still handled`, async () => {
        sandbox();
        const d = await deliver(`:0\n@${verb} "no"\n`, msg(c.headers), { from: c.from });
        expect(d.code).toBe(0);
        expect(d.sent).toEqual([]);
        expect(d.defaultBox).toBeNull();
        const line = d.log.split('\n').find((l) => l.includes(`Not sending @${verb}`));
        expect(line).toBeDefined();
        expect(line).toMatch(c.reason);
      });
    }
  }

  it('@sender and @address select folders from list files', async () => {
    const { md } = sandbox({ 'white.lst': '# known\nbob@example.org\n', 'vip.lst': '@vip.example\n', 'lists.lst': 'dev@lists.example.org\n' });
    const rc = [':0', '* @address From in vip.lst', 'vip', ':0', '* @address To,Cc in lists.lst', 'lists/', ':0', '* @sender in white.lst', 'white/', ''].join('\n');
    const vip = await deliver(rc, msg({ From: 'Boss <boss@vip.example>' }), { from: 'relay@elsewhere.example' });
    const list = await deliver(rc, msg({ From: 'x@example.com', Cc: 'Dev list <dev@lists.example.org>' }), { from: 'x@example.com' });
    // Envelope sender only: From: is someone else.
    const bob = await deliver(rc, msg({ From: 'robert@example.com' }), { from: 'bob@example.org' });
    const stranger = await deliver(rc, msg({ From: 'eve@example.com' }), { from: 'eve@example.com' });
    for (const d of [vip, list, bob, stranger]) expect(d.code).toBe(0);
    expect(fs.readFileSync(path.join(md, 'vip'), 'latin1')).toContain('From: Boss <boss@vip.example>');
    expect(fs.readdirSync(path.join(md, 'lists', 'new'))).toHaveLength(1);
    expect(fs.readdirSync(path.join(md, 'white', 'new'))).toHaveLength(1);
    expect(fs.readFileSync(path.join(md, 'white', 'new', fs.readdirSync(path.join(md, 'white', 'new'))[0]!), 'latin1')).toContain('From: robert@example.com');
    expect(stranger.defaultBox).toContain('From: eve@example.com');
    expect(stranger.defaultBox).not.toContain('robert@example.com');
  });

  for (const verb of ['bounce', 'reply'] as const) {
    it(`a failing SENDMAIL (exit 75) on @${verb}: the message falls back to DEFAULT, never lost`, async () => {
      sandbox();
      const d = await deliver(`:0\n@${verb} "no"\n`, msg({ From: 'x@example.com', Subject: 'keep me' }), { from: 'x@example.com', sendmail: 'fail' });
      expect(d.code).toBe(0);
      // SENDMAIL really was run (and refused)…
      expect(d.sent).toHaveLength(1);
      expectNullSenderTo(d.sent[0]!, 'x@example.com');
      // …so the message was not handled and went to DEFAULT.
      expect(d.defaultBox).toContain('Subject: keep me');
      expect(d.log).toMatch(new RegExp(`Failed to send @${verb} to x@example\\.com: .*exit 75`));
    });
  }
});
