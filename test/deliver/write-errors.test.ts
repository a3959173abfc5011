import * as fs from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DeliverRequest, PipeRequest } from '../../src/eval/requests.js';
import { errno, failingWrites, faultyFs, makeAnswerer, MSG, tempDir } from './helpers.js';
import { captureReq, deliverReq as request, fullFeed, origin, pipeReq as pipeRequest, quiet } from '../helpers/requests.js';

// Write failures as procmail reports them (differential cases 068, 069, 302,
// 303, 319, 320, 328; mailfold.c:dump/writefolder, pipes.c:pipin).

function deliverReq(folders: string[], over: Partial<DeliverRequest> = {}): DeliverRequest {
  return request(folders, MSG, over);
}

function pipeReq(text: string, data: Buffer, over: Partial<PipeRequest> = {}): PipeRequest {
  return pipeRequest({ shell: true, text }, data, over);
}

const canUseDevFull = fs.existsSync('/dev/full');

describe('the errno behind a failed folder write', () => {
  it.runIf(canUseDevFull)('/dev/full: fsync EINVAL after the ENOSPC write gives "Error while writing to"', async () => {
    const dir = tempDir();
    fs.symlinkSync('/dev/full', join(dir, 'full'));
    const { answerer, stderr } = makeAnswerer(dir);
    const a = await answerer.answer(deliverReq(['full']));
    expect(a.ok).toBe(false);
    expect(stderr.text).toBe('procmail: Error while writing to "full"\n');
    // lastdump: the message as it was before escaping and the added newline.
    expect(a.bytes).toBe(MSG.length);
  });

  it('a full disk whose fsync succeeds keeps ENOSPC: "No space left to finish writing"', async () => {
    const dir = tempDir();
    const { answerer, stderr } = makeAnswerer(dir, { fs: faultyFs({ writeSync: failingWrites('ENOSPC', 0) }) });
    const a = await answerer.answer(deliverReq(['box']));
    expect(a.ok).toBe(false);
    expect(stderr.text).toBe('procmail: No space left to finish writing "box"\n');
  });

  it('the last failing call names the error: a failing fsync replaces the write\'s ENOSPC', async () => {
    const dir = tempDir();
    const { answerer, stderr } = makeAnswerer(dir, {
      fs: faultyFs({
        writeSync: failingWrites('ENOSPC', 0),
        fsyncSync: () => {
          throw errno('EIO');
        },
      }),
    });
    expect((await answerer.answer(deliverReq(['box']))).ok).toBe(false);
    expect(stderr.text).toBe('procmail: Error while writing to "box"\n');
  });

  it('a folder that cannot be opened reports 0 bytes (no dump ran)', async () => {
    const dir = tempDir();
    const { answerer } = makeAnswerer(dir);
    const a = await answerer.answer(deliverReq(['missing/dir/box']));
    expect(a).toMatchObject({ ok: false, bytes: 0 });
  });
});

describe('the DEFAULT lock', () => {
  it('a maildir DEFAULT whose directory does not exist yet is delivered at once, without a lock', async () => {
    const dir = tempDir();
    const def = join(dir, 'inbox/');
    const { answerer, stderr, clock } = makeAnswerer(dir, { fs: faultyFs({ linkSync: () => { throw errno('EPERM'); } }) });
    const a = await answerer.answer(deliverReq([def], { fallback: true, lockfile: `${def}.lock` }));
    expect(a.ok).toBe(true);
    expect(a.lastFolder).toMatch(/\/inbox\/new\/[^/]+$/);
    expect(clock.sleeps).toEqual([]);
    expect(stderr.text).toBe('');
  });

  it('MH and plain-directory DEFAULTs are not locked either; a file DEFAULT is', async () => {
    const dir = tempDir();
    fs.mkdirSync(join(dir, 'd'));
    const locks: string[] = [];
    const spyFs = faultyFs({
      linkSync: (from: string, to: string) => {
        locks.push(to);
        fs.linkSync(from, to);
      },
    });
    for (const def of [`${dir}/mh/.`, join(dir, 'd'), join(dir, 'box')]) {
      const { answerer } = makeAnswerer(dir, { fs: spyFs });
      const a = await answerer.answer(deliverReq([def], { fallback: true, lockfile: `${def.replace(/\/\.$/, '')}.lock` }));
      expect(a.ok).toBe(true);
    }
    expect(locks.filter((l) => l.endsWith('.lock'))).toEqual([join(dir, 'box.lock')]);
  });
});

describe('writing the mail into a program', () => {
  const big = Buffer.concat([Buffer.from('Subject: big\n\n'), Buffer.alloc(400 * 1024, 'x\n')]);

  it('a program that exits without reading a large message: "Error while writing to", the recipe fails', async () => {
    const dir = tempDir();
    const { answerer, stderr } = makeAnswerer(dir);
    // `sleep` makes sure the program is gone only after we started writing more than a pipe holds.
    const a = await answerer.answer(pipeReq('exec 0<&-; sleep 0.2', big));
    expect(a.wroteAll).toBe(false);
    expect(stderr.text).toBe('procmail: Error while writing to "exec 0<&-; sleep 0.2"\n');
    // The abstract's size is dump()'s lastdump: the message without the newline never added.
    expect(a.bytes).toBe(big.length);
  });

  it('a command run without a shell is named by its first word', async () => {
    const dir = tempDir();
    const { answerer, stderr } = makeAnswerer(dir);
    await answerer.answer(pipeRequest({ shell: false, text: ' true x', argv: ['true', 'x'] }, big));
    expect(stderr.text).toBe('procmail: Error while writing to "true"\n');
  });

  it('with i the write error is neither logged nor a failure', async () => {
    const dir = tempDir();
    const { answerer, stderr } = makeAnswerer(dir);
    const a = await answerer.answer(pipeReq('exec 0<&-; sleep 0.2', big, { feed: { ...fullFeed, ignoreWriteErrors: true } }));
    expect(stderr.text).toBe('');
    expect(a.bytes).toBe(big.length);
  });

  it('a small message is never a write error, even for a program that reads nothing (procmail fills the pipe first)', async () => {
    const dir = tempDir();
    const { answerer, stderr } = makeAnswerer(dir);
    for (let i = 0; i < 10; i++) {
      const a = await answerer.answer(captureReq({ shell: true, text: 'echo hi' }, MSG, { form: 'assign' }));
      expect(a).toMatchObject({ wroteAll: true, exitCode: 0 });
      expect(a.output.toString()).toBe('hi\n');
    }
    expect(stderr.text).toBe('');
  });
});

describe('modes of created files', () => {
  it('mailboxes, maildir, MH messages and the LOGFILE are created 0667 under the umask (NORMperm: o+x is the new-mail mark)', async () => {
    const dir = tempDir();
    const { answerer } = makeAnswerer(dir, { umask: 0o022 });
    await answerer.answer({ kind: 'open-log', path: 'log', origin, log: quiet });
    for (const f of ['box', 'md/', 'mh/.']) expect((await answerer.answer(deliverReq([f]))).ok).toBe(true);
    answerer.finish();
    // The process umask applies on top (it is 022 or stricter where tests run).
    const expected = 0o645 & ~process.umask();
    const mode = (p: string) => fs.statSync(join(dir, p)).mode & 0o777;
    expect(mode('box')).toBe(expected);
    expect(mode('log')).toBe(expected);
    expect(mode('mh/1')).toBe(expected);
    expect(mode(`md/new/${fs.readdirSync(join(dir, 'md/new'))[0]}`)).toBe(expected);
  });
});
