import * as fs from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ComsatRequest, DeliverRequest, LogRequest, Origin } from '../../src/eval/requests.js';
import { COMSAT_SEND_TIMEOUT_MS } from '../../src/limits.js';
import { makeAnswerer, MSG, tempDir } from './helpers.js';
import { deliverReq, origin, pipeReq, quiet, sh, verbose } from '../helpers/requests.js';

// The answerer's own VERBOSE lines, in the order procmail 3.22 writes them (verified in a sandbox).
function deliver(folders: string[], lockfile: string | null = null, over: Partial<DeliverRequest> = {}): DeliverRequest {
  return deliverReq(folders, MSG, { lockfile, log: verbose, ...over });
}

const terminal: Origin = { span: null, conditions: [], reason: 'log abstract' };
function abstract(folder: string): LogRequest {
  return { kind: 'log', text: ` Subject: hi\n  Folder: ${folder}\t\t\t\t\t\t\t\t     70\n`, source: 'abstract', origin: terminal, log: verbose, abstract: { folder, closing: true } };
}

function comsat(over: Partial<ComsatRequest> = {}): ComsatRequest {
  return { kind: 'comsat', host: '127.0.0.1', port: 512, logname: 'pmtest', final: null, lastFolder: '', origin: terminal, log: verbose, ...over };
}

describe('VERBOSE delivery lines', () => {
  it('mbox: Locking, Assigning LASTFOLDER, Opening, Acquiring kernel-lock, Unlocking', async () => {
    const dir = tempDir();
    const { answerer, stderr } = makeAnswerer(dir);
    await answerer.answer(deliver(['mbox'], 'mbox.lock'));
    expect(stderr.text).toBe(
      'procmail: Locking "mbox.lock"\nprocmail: Assigning "LASTFOLDER=mbox"\nprocmail: Opening "mbox"\nprocmail: Acquiring kernel-lock\nprocmail: Unlocking "mbox.lock"\n',
    );
  });

  it('maildir: only the LASTFOLDER assignment, after the rename; MH: Assigning, Opening, kernel-lock; links', async () => {
    const dir = tempDir();
    const { answerer, stderr } = makeAnswerer(dir);
    await answerer.answer(deliver(['md/']));
    expect(stderr.text).toMatch(/^procmail: Assigning "LASTFOLDER=md\/new\/\d+\.\d+_\d\.[^"]+"\n$/);
    const md = stderr.text;
    await answerer.answer(deliver(['mh/.']));
    expect(stderr.text.slice(md.length)).toBe('procmail: Assigning "LASTFOLDER=mh/1"\nprocmail: Opening "mh/1"\nprocmail: Acquiring kernel-lock\n');
    const before = stderr.text.length;
    await answerer.answer(deliver(['md2/', 'mh2/.']));
    expect(stderr.text.slice(before)).toMatch(/^procmail: Assigning "LASTFOLDER=md2\/new\/[^"]+"\nprocmail: Linking to "mh2\/1"\n$/);
  });

  it('/dev/null is assigned and opened but not locked; a failed open still shows Opening first', async () => {
    const dir = tempDir();
    const { answerer, stderr } = makeAnswerer(dir);
    await answerer.answer(deliver(['/dev/null']));
    await answerer.answer(deliver(['nodir/box']));
    expect(stderr.text).toBe(
      'procmail: Assigning "LASTFOLDER=/dev/null"\nprocmail: Opening "/dev/null"\nprocmail: Assigning "LASTFOLDER=nodir/box"\nprocmail: Opening "nodir/box"\nprocmail: Error while writing to "nodir/box"\n',
    );
  });

  it('nothing of this without VERBOSE', async () => {
    const dir = tempDir();
    const { answerer, stderr } = makeAnswerer(dir);
    await answerer.answer(deliver(['mbox'], 'mbox.lock', { log: quiet }));
    expect(stderr.text).toBe('');
  });

  it('LOGFILE: Opening goes where the log went so far', async () => {
    const dir = tempDir();
    const { answerer, stderr } = makeAnswerer(dir);
    await answerer.answer({ kind: 'open-log', path: 'log', origin, log: verbose });
    await answerer.answer(deliver(['box']));
    answerer.finish();
    expect(stderr.text).toBe('procmail: Opening "log"\n');
    expect(fs.readFileSync(join(dir, 'log'), 'latin1')).toContain('procmail: Opening "box"\n');
  });
});

describe('comsat from the answerer', () => {
  function withComsat() {
    const dir = tempDir();
    const sent: { text: string; port: number; host: string }[] = [];
    const { answerer, stderr } = makeAnswerer(dir, { comsat: async (m, port, host) => void sent.push({ text: m.toString('latin1'), port, host }) });
    return { dir, answerer, stderr, sent };
  }

  it('reports the last folder it opened, with the offset where the message starts, and MAILDIR before a relative name', async () => {
    const { dir, answerer, stderr, sent } = withComsat();
    // The offset is where the message starts: after the 70 bytes already there.
    fs.writeFileSync(join(dir, 'mbox'), 'x'.repeat(68) + '\n\n');
    await answerer.answer(deliver(['mbox'], null, { maildir: dir }));
    await answerer.answer(comsat());
    await answerer.answer(abstract('mbox'));
    expect(sent).toEqual([{ text: `pmtest@70:${dir}/mbox`, port: 512, host: '127.0.0.1' }]);
    expect(stderr.text).toMatch(new RegExp(`procmail: Notified comsat: "pmtest@70:${dir}/mbox"\n Subject: hi\n  Folder: mbox\t`));
  });

  it('a bounce reports the final folder without an offset; the host and port are the request\'s', async () => {
    const { answerer, sent } = withComsat();
    await answerer.answer(deliver(['nodir/x'], null, { maildir: '/m' }));
    await answerer.answer(comsat({ final: '**Bounced**', port: 5150, host: '127.0.0.2' }));
    expect(sent).toEqual([{ text: 'pmtest@:**Bounced**', port: 5150, host: '127.0.0.2' }]);
  });

  it('a pipe reports the LASTFOLDER text the engine sends, with MAILDIR and no offset; once only', async () => {
    const { answerer, sent } = withComsat();
    await answerer.answer(pipeReq(sh(' cat >/dev/null'), MSG, { wait: 'w', maildir: '/m' }));
    await answerer.answer(comsat({ lastFolder: ' cat >/dev/null' }));
    await answerer.answer(comsat({ lastFolder: ' cat >/dev/null' }));
    expect(sent.map((s) => s.text)).toEqual(['pmtest@:/m/ cat >/dev/null']);
  });

  it('waits for a datagram to an address (no timer); a named host whose send never ends holds delivery up only for the bound', async () => {
    const dir = tempDir();
    const hosts: string[] = [];
    const { answerer, clock } = makeAnswerer(dir, {
      comsat: (_m, _port, host) => {
        hosts.push(host);
        return host.includes('.example') ? new Promise<void>(() => undefined) : Promise.resolve();
      },
    });
    await answerer.answer(deliver(['/dev/null']));
    await answerer.answer(comsat());
    expect(clock.sleeps).toEqual([]);
    const named = makeAnswerer(dir, { comsat: (_m, _port, host) => (hosts.push(host), new Promise<void>(() => undefined)) });
    await named.answerer.answer(deliver(['/dev/null']));
    await named.answerer.answer(comsat({ host: 'biff.example' }));
    expect(named.clock.sleeps).toEqual([COMSAT_SEND_TIMEOUT_MS]);
    // Only a real address skips the bound: a look-alike may be looked up (one notice per answerer, comsat.c).
    for (const host of ['300.1.2.3', '1.2.3']) {
      const lookalike = makeAnswerer(dir, { comsat: (_m, _port, h) => (hosts.push(h), new Promise<void>(() => undefined)) });
      await lookalike.answerer.answer(deliver(['/dev/null']));
      await lookalike.answerer.answer(comsat({ host }));
      expect(lookalike.clock.sleeps).toEqual([COMSAT_SEND_TIMEOUT_MS]);
    }
    expect(hosts).toEqual(['127.0.0.1', 'biff.example', '300.1.2.3', '1.2.3']);
  });

  it('nothing is sent before any delivery, or without the datagram seam', async () => {
    const { answerer, sent } = withComsat();
    await answerer.answer(comsat());
    expect(sent).toEqual([]);
    const { answerer: none } = makeAnswerer(tempDir());
    await none.answer(deliver(['/dev/null']));
    await none.answer(comsat());
  });
});

describe('VERBOSE as the engine holds it', () => {
  it('unsetting VERBOSE keeps it on, as procmail does: the Locking/Opening lines still come', async () => {
    const { deliverFromCommandLine } = await import('../../src/deliver/command-line.js');
    const { testLdaIo } = await import('../helpers/lda-io.js');
    const dir = tempDir();
    const rc = join(dir, 'rc');
    fs.writeFileSync(rc, 'VERBOSE=on\nVERBOSE\n:0:\nbox\n');
    const io = testLdaIo(dir, 'Subject: hi\n\nbody\n');
    expect(await deliverFromCommandLine(['-m', `MAILDIR=${dir}`, rc], io)).toBe(0);
    const err = (io.stderr as unknown as { text: string }).text;
    expect(err.replace(/^procmail: \[99\] .*\n/gm, '')).toContain('procmail: Assigning "VERBOSE"\nprocmail: Locking "box.lock"\nprocmail: Assigning "LASTFOLDER=box"\nprocmail: Opening "box"\n');
  });
});
