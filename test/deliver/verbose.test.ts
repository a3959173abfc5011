import * as fs from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DeliverRequest, LogRequest, Origin } from '../../src/eval/requests.js';
import { fullFeed, makeAnswerer, MSG, origin, tempDir, vars } from './helpers.js';

// The answerer's own VERBOSE lines (procmail.md §8.2), in the order procmail 3.22 writes them (verified in the §13 B sandbox).
const V = (extra: Record<string, string> = {}) => vars({ VERBOSE: 'on', LOGNAME: 'pmtest', ...extra });

function deliver(folders: string[], lockfile: string | null = null, extra: Record<string, string> = {}, fallback = false): DeliverRequest {
  return { kind: 'deliver', folders, lockfile, data: MSG, feed: fullFeed, fallback, origin, vars: V(extra) };
}

const terminal: Origin = { span: null, conditions: [], reason: 'log abstract' };
function abstract(folder: string, extra: Record<string, string> = {}): LogRequest {
  return { kind: 'log', text: ` Subject: hi\n  Folder: ${folder}\t\t\t\t\t\t\t\t     70\n`, source: 'abstract', origin: terminal, vars: V(extra), abstract: { folder, closing: true } };
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
    await answerer.answer({ ...deliver(['mbox'], 'mbox.lock'), vars: vars() });
    expect(stderr.text).toBe('');
  });

  it('LOGFILE: Opening goes where the log went so far', async () => {
    const dir = tempDir();
    const { answerer, stderr } = makeAnswerer(dir);
    await answerer.answer({ kind: 'open-log', path: 'log', origin, vars: V() });
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
    const { answerer, stderr } = makeAnswerer(dir, { comsat: async (m, port, host) => void sent.push({ text: m.toString('latin1'), port, host }), comsatDefault: true });
    return { dir, answerer, stderr, sent };
  }

  it('notifies just before the closing abstract, with the offset where the message starts', async () => {
    const { dir, answerer, stderr, sent } = withComsat();
    fs.writeFileSync(join(dir, 'mbox'), 'x'.repeat(68) + '\n\n');
    await answerer.answer(deliver(['mbox'], null, { MAILDIR: dir }));
    await answerer.answer(abstract('mbox', { MAILDIR: dir }));
    await answerer.notifyComsat(null);
    expect(sent).toEqual([{ text: `pmtest@70:${dir}/mbox`, port: 512, host: '127.0.0.1' }]);
    expect(stderr.text).toMatch(new RegExp(`procmail: Notified comsat: "pmtest@70:${dir}/mbox"\n Subject: hi\n  Folder: mbox\t`));
  });

  it('a bounce reports the abstract folder without an offset', async () => {
    const { answerer, sent } = withComsat();
    await answerer.answer(deliver(['nodir/x'], null, { MAILDIR: '/m' }));
    await answerer.answer(abstract('**Bounced**'));
    expect(sent.map((s) => s.text)).toEqual(['pmtest@:**Bounced**']);
  });

  it('a pipe reports its LASTFOLDER text with MAILDIR and no offset; COMSAT=no and -m defaults send nothing', async () => {
    const { answerer, sent } = withComsat();
    await answerer.answer({ kind: 'pipe', command: { shell: true, text: ' cat >/dev/null' }, data: MSG, feed: fullFeed, wait: 'w', lockfile: null, origin, vars: V({ MAILDIR: '/m' }) });
    await answerer.answer(abstract(' cat >/dev/null', { MAILDIR: '/m', LASTFOLDER: ' cat >/dev/null' }));
    expect(sent.map((s) => s.text)).toEqual(['pmtest@:/m/ cat >/dev/null']);

    const off = withComsat();
    await off.answerer.answer(deliver(['/dev/null'], null, { COMSAT: 'no' }));
    await off.answerer.answer(abstract('/dev/null', { COMSAT: 'no' }));
    expect(off.sent).toEqual([]);

    const dir = tempDir();
    const sent2: string[] = [];
    const { answerer: m } = makeAnswerer(dir, { comsat: async (b) => void sent2.push(b.toString()) });
    await m.answer(deliver(['/dev/null']));
    await m.notifyComsat(null);
    expect(sent2).toEqual([]);
  });
});
