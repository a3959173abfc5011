import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromDaemon, refuseReason } from '../../src/eval/notice-guard.js';
import { regexWork } from '../../src/eval/regex-dfa.js';
import { parseHeader } from '../../src/eval/mail/header.js';
import { hasLoop, loopId } from '../../src/eval/x-loop.js';

/** Characters the regex matcher may examine per byte of the header for ^FROM_DAEMON (measured: 1). */
const WORK_PER_BYTE = 8;

const h = (text: string) => parseHeader(Buffer.from(text.replace(/\n/g, '\n') + '\nbody\n', 'latin1'));
const PLAIN = 'From alice@example.org  Sat Nov 21 07:35:16 2026\nFrom: Alice <alice@example.org>\nTo: bob@example.net\nSubject: hi\n';
const LOOP = 'bob@host.example';

describe('loop id and X-Loop', () => {
  it('uses LOOPID, else LOGNAME@HOST', () => {
    expect(loopId({ LOGNAME: 'bob', HOST: 'h' })).toBe('bob@h');
    expect(loopId({ LOGNAME: 'bob', HOST: 'h', LOOPID: ' me@x ' })).toBe('me@x');
  });
  it('needs an equal value, not a prefix', () => {
    expect(hasLoop(h(PLAIN + 'X-Loop: BOB@host.example \n'), LOOP)).toBe(true);
    expect(hasLoop(h(PLAIN + 'X-Loop: bob@host.example.evil\n'), LOOP)).toBe(false);
    expect(hasLoop(h(PLAIN + 'X-Loop: other@x\nX-Loop: bob@host.example\n'), LOOP)).toBe(true);
    expect(hasLoop(h(PLAIN), LOOP)).toBe(false);
  });
});

describe('^FROM_DAEMON (docs/procmail-semantics.md §3.3 verified matrix)', () => {
  const yes = [
    'From: MAILER-DAEMON@example.com\n',
    'Precedence: bulk\n',
    'Precedence: list\n',
    'Precedence: junk\n',
    'Mailing-List: contact x@y\n',
    'From: owner-foo@lists.example\n',
    'From: foo-request@lists.example\n',
    'From: root@example.com\n',
    'From: postmaster@example.com\n',
    'Sender: listserv@example.com\n',
    'From: daemon@x (Alice)\n',
  ];
  const no = ['From: alice@example.com\n', 'From: noreply@example.com\n', 'From: "Daemon" <alice@x>\n'];
  for (const f of yes) it(`matches ${JSON.stringify(f)}`, () => expect(fromDaemon(h(`To: b@x\n${f}Subject: s\n`))).toBe(true));
  for (const f of no) it(`does not match ${JSON.stringify(f)}`, () => expect(fromDaemon(h(`To: b@x\n${f}Subject: s\n`))).toBe(false));
  it('matches a From_ line from MAILER-DAEMON', () => {
    expect(fromDaemon(h('From MAILER-DAEMON  Sat Nov 21 07:35:16 2026\nSubject: s\n'))).toBe(true);
  });
  it('sees folded fields unfolded', () => {
    expect(fromDaemon(h('Subject: s\nFrom:\n MAILER-DAEMON@example.com\n'))).toBe(true);
  });
  it('reads a hostile header a bounded number of times, as it does an ordinary one', () => {
    const hostile = h(`From: ${'a-'.repeat(20_000)}x\nSender: ${'(mailer '.repeat(5_000)}\n`);
    const ordinary = h(`From: ${'ab'.repeat(20_000)}x\nSender: ${'(mailers'.repeat(5_000)}\n`);
    for (const header of [hostile, ordinary]) {
      const before = regexWork.chars;
      expect(fromDaemon(header)).toBe(false);
      expect(regexWork.chars - before).toBeLessThanOrEqual(WORK_PER_BYTE * header.text.length);
    }
  });
});

describe('refuse rules for @bounce and @reply', () => {
  const both = ['bounce', 'reply'] as const;
  for (const kind of both) {
    it(`${kind}: allows an ordinary message`, () => expect(refuseReason(kind, h(PLAIN), 'alice@example.org', LOOP)).toBeNull());
    it(`${kind}: refuses an empty envelope sender`, () => {
      expect(refuseReason(kind, h(PLAIN), '', LOOP)).toMatch(/envelope sender is empty/);
      expect(refuseReason(kind, h(PLAIN), '<>', LOOP)).toMatch(/envelope sender is empty/);
    });
    it(`${kind}: refuses ^FROM_DAEMON`, () => {
      expect(refuseReason(kind, h('From: MAILER-DAEMON@x.org\nSubject: failure\n'), 'x@x.org', LOOP)).toMatch(/FROM_DAEMON/);
    });
    it(`${kind}: refuses our own X-Loop`, () => {
      expect(refuseReason(kind, h(PLAIN + `X-Loop: ${LOOP}\n`), 'alice@example.org', LOOP)).toMatch(/X-Loop/);
    });
    it(`${kind}: refuses Auto-Submitted other than no`, () => {
      expect(refuseReason(kind, h(PLAIN + 'Auto-Submitted: auto-replied\n'), 'alice@example.org', LOOP)).toMatch(/Auto-Submitted/);
      expect(refuseReason(kind, h(PLAIN + 'Auto-Submitted: auto-generated; owner-email="x@y"\n'), 'alice@example.org', LOOP)).toMatch(/Auto-Submitted/);
      expect(refuseReason(kind, h(PLAIN + 'Auto-Submitted: No (a person wrote this)\n'), 'alice@example.org', LOOP)).toBeNull();
    });
  }
  it('reply: refuses list and bulk mail; bounce does not look at List-*', () => {
    const listId = h(PLAIN + 'List-Id: <dev.lists.example>\n');
    expect(refuseReason('reply', listId, 'alice@example.org', LOOP)).toMatch(/List-Id/);
    expect(refuseReason('bounce', listId, 'alice@example.org', LOOP)).toBeNull();
    const unsub = h(PLAIN + 'List-Unsubscribe: <mailto:u@x>\n');
    expect(refuseReason('reply', unsub, 'alice@example.org', LOOP)).toMatch(/List-Unsubscribe/);
    expect(refuseReason('bounce', unsub, 'alice@example.org', LOOP)).toBeNull();
    for (const p of ['bulk', 'junk', 'list', 'BULK']) {
      expect(refuseReason('reply', h(PLAIN + `Precedence: ${p}\n`), 'alice@example.org', LOOP)).toMatch(/Precedence/);
    }
    expect(refuseReason('reply', h(PLAIN + 'X-Auto-Response-Suppress: OOF, AutoReply\n'), 'alice@example.org', LOOP)).toMatch(/X-Auto-Response-Suppress/);
  });
});

/** Recorded from procmail 3.22 (Debian) here: `* ^FROM_DAEMON` on `To: b@x\n<field>\nSubject: s\n\nbody\n`. */
const RECORDED: [string, boolean][] = [
  ['From: MAILER-DAEMON@example.com', true],
  ['From: Mail Delivery Subsystem <mailer-daemon@x.org>', true],
  ['From: "Daemon" <alice@x>', false],
  ['From: noreply@example.com', false],
  ['Sender: owner-list@x.org', true],
  ['From: bounce-123@list.example', true],
  ['From: Alice <alice@x.org>', false],
  ['Resent-From: postmaster@x', true],
  ['From: root', true],
  ['From: news-server@x.org', true],
  ['From: Bob <bob-request@x.org>', true],
  ['X-Envelope-From: <mailer-daemon@x>', true],
  ['From: support@x.org', false],
  ['From: listproc@x.org', true],
  ['From: ops@x.org (Ops team)', true],
];

describe('^FROM_DAEMON agrees with procmail', () => {
  for (const [field, want] of RECORDED) {
    it(`recorded: ${field} → ${want}`, () => expect(fromDaemon(h(`To: b@x\n${field}\nSubject: s\n`))).toBe(want));
  }
  const haveProcmail = existsSync('/usr/bin/procmail');
  it.skipIf(!haveProcmail && process.env['CI'] !== 'true')('live: procmail gives the same answers (skipped without /usr/bin/procmail)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mr-fd-'));
    try {
      writeFileSync(join(dir, 'rc'), `MAILDIR=${dir}\nDEFAULT=/dev/null\n:0\n* ^FROM_DAEMON\n{ EXITCODE=10\n:0\n/dev/null\n}\nEXITCODE=11\n:0\n/dev/null\n`);
      for (const [field] of RECORDED) {
        const msg = `To: b@x\n${field}\nSubject: s\n\nbody\n`;
        const r = spawnSync('/usr/bin/procmail', ['-m', join(dir, 'rc')], { input: msg });
        expect({ field, daemon: r.status === 10 }).toEqual({ field, daemon: fromDaemon(h(`To: b@x\n${field}\nSubject: s\n`)) });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
