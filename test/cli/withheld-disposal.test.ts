// A delivery that failed must never be followed by an extension disposing of
// the message (src/eval/ext-conditions.ts withheldAfterFailure): through the real
// delivery agent, with the maildir write failing in an injected fs.
import * as fs from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deliverFromCommandLine } from '../../src/deliver/command-line.js';
import type { ExtAnswers } from '../../src/deliver/answerer.js';
import type { DeliveryFs } from '../../src/deliver/seams.js';
import type { SendRequest } from '../../src/eval/requests.js';
import { answerLookup, answerReplyCache } from '../../src/deliver/ext-answers.js';
import { errno, FakeClock, faultyFs, Sink, tempDir } from '../deliver/helpers.js';
import { testLdaIo } from '../helpers/lda-io.js';

const MSG = 'From friend@example.org  Sat Nov 21 07:35:16 2026\nFrom: friend@example.org\nSubject: hello\n\nthe body\n';

/** An fs whose writes fail (ENOSPC) for files whose path matches `failing`. */
function failingFor(failing: RegExp): DeliveryFs {
  const fds = new Set<number>();
  return faultyFs({
    openSync: ((path: fs.PathLike, flags: fs.OpenMode, mode?: fs.Mode) => {
      const fd = fs.openSync(path, flags, mode);
      if (failing.test(String(path))) fds.add(fd);
      return fd;
    }) as DeliveryFs['openSync'],
    writeSync: (fd, buffer, offset = 0, length = buffer.length - offset) => {
      if (fds.has(fd)) throw errno('ENOSPC');
      return fs.writeSync(fd, buffer, offset, length);
    },
    closeSync: (fd) => {
      fds.delete(fd);
      fs.closeSync(fd);
    },
  });
}

function setup(action: string, failing: RegExp | null, argv: string[] = []) {
  const home = tempDir();
  fs.writeFileSync(join(home, 'white.lst'), 'friend@example.org\n');
  fs.writeFileSync(
    join(home, 'rc'),
    ['MAILDIR=$HOME', 'DEFAULT=$HOME/default.mbox', 'LOGFILE=$HOME/log', ':0', '* @sender in white.lst', 'inbox/', ':0' + (action.startsWith('c ') ? ' c' : ''), action.replace(/^c /, ''), ''].join('\n'),
  );
  const sent: SendRequest[] = [];
  const ext: ExtAnswers = {
    lookup: (r, cwd) => answerLookup(r, fs, cwd),
    replyCache: (r, cwd, names) => answerReplyCache(r, fs, new FakeClock(), names, cwd),
    send: (r) => {
      sent.push(r);
      return { kind: 'ack', ok: true };
    },
  };
  const stderr = new Sink();
  const io = testLdaIo(home, MSG, { env: { PATH: '/usr/bin:/bin', HOME: home }, ext, stderr, ...(failing ? { fs: failingFor(failing) } : {}) });
  const log = () => (fs.existsSync(join(home, 'log')) ? fs.readFileSync(join(home, 'log'), 'latin1') : '');
  const stored = (name: string) => (fs.existsSync(join(home, name)) ? fs.readFileSync(join(home, name), 'latin1') : '');
  return { home, io, sent, stderr, log, stored, run: () => deliverFromCommandLine([...argv, join(home, 'rc')], io) };
}

describe('a failed delivery withholds every later extension disposal', () => {
  it('control: with the maildir writable the whitelisted sender is filed, and a stranger is bounced', async () => {
    const ok = setup('@bounce "unknown sender"', null);
    expect(await ok.run()).toBe(0);
    expect(fs.readdirSync(join(ok.home, 'inbox', 'new'))).toHaveLength(1);
    expect(ok.sent).toEqual([]);
    const stranger = setup('@bounce "unknown sender"', null);
    fs.writeFileSync(join(stranger.home, 'white.lst'), 'someone@else.example\n');
    expect(await stranger.run()).toBe(0);
    expect(stranger.sent.map((s) => s.what)).toEqual(['bounce']);
  });

  it('@bounce after the maildir write failed: no bounce, the message goes whole to DEFAULT, exit 0', async () => {
    const t = setup('@bounce "unknown sender"', /\/inbox\//);
    expect(await t.run()).toBe(0);
    expect(t.sent).toEqual([]);
    expect(t.stored('default.mbox')).toContain('\n\nthe body\n');
    expect(t.log()).toContain('procmail: Skipped "@bounce": a delivery of this message failed\n');
    expect(t.log()).toMatch(/Folder: \S*\/default\.mbox\t/);
  });

  it('@reject after it: no 67, the message goes to DEFAULT', async () => {
    const t = setup('@reject "go away"', /\/inbox\//);
    expect(await t.run()).toBe(0);
    expect(t.stderr.text).not.toContain('go away');
    expect(t.stored('default.mbox')).toContain('the body');
  });

  it('@discard and @reply (without c) after it: the message is kept, not dropped; nothing is sent', async () => {
    for (const action of ['@discard', '@reply "away"']) {
      const t = setup(action, /\/inbox\//);
      expect(await t.run()).toBe(0);
      expect(t.sent).toEqual([]);
      expect(t.stored('default.mbox')).toContain('the body');
    }
  });

  it('@reply with c disposes of nothing: it still answers, and the message still falls to DEFAULT', async () => {
    const t = setup('c @reply "away"', /\/inbox\//);
    expect(await t.run()).toBe(0);
    expect(t.sent.map((s) => s.what)).toEqual(['reply']);
    expect(t.stored('default.mbox')).toContain('the body');
  });

  it('when DEFAULT and ORGMAIL fail too, exit 75 (requeue) even without -t: never a bounce', async () => {
    const t = setup('@bounce "unknown sender"', /./);
    expect(await t.run()).toBe(75);
    expect(t.sent).toEqual([]);
    expect(t.stderr.text + t.log()).toContain('Folder: **Requeued**');
  });

  it('without an extension involved, the same failures still exit 73 as procmail does', async () => {
    const t = setup('other.mbox', /./);
    expect(await t.run()).toBe(73);
  });
});
