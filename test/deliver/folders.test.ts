import * as fs from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DeliverRequest } from '../../src/eval/requests.js';
import { errno, failingWrites, faultyFs, makeAnswerer, MSG, tempDir } from './helpers.js';
import { deliverReq as request, fullFeed, origin, quiet } from '../helpers/requests.js';

function deliverReq(folders: string[], over: Partial<DeliverRequest> = {}): DeliverRequest {
  return request(folders, MSG, over);
}

const read = (p: string) => fs.readFileSync(p, 'latin1');

describe('mbox file folders', () => {
  it('appends with escaping and the trailing newline, mode 0600 under umask 077', async () => {
    const dir = tempDir();
    const { answerer } = makeAnswerer(dir);
    const a = await answerer.answer(deliverReq(['box']));
    expect(a).toMatchObject({ kind: 'delivered', ok: true, lastFolder: 'box', bytes: 60 });
    await answerer.answer(deliverReq(['box']));
    expect(read(join(dir, 'box'))).toBe(
      'From: a@b\nSubject: hi\n\n>From the body\nline\n>From x\n>From y\n\n'.repeat(2),
    );
    expect(fs.statSync(join(dir, 'box')).mode & 0o777).toBe(0o600);
  });

  it('ENOSPC half-way truncates back to the former size and fails', async () => {
    const dir = tempDir();
    fs.writeFileSync(join(dir, 'box'), 'existing content\n\n');
    const { answerer, stderr } = makeAnswerer(dir, { fs: faultyFs({ writeSync: failingWrites('ENOSPC', 10) }) });
    const a = await answerer.answer(deliverReq(['box']));
    expect(a.ok).toBe(false);
    expect(read(join(dir, 'box'))).toBe('existing content\n\n');
    expect(stderr.text).toContain('procmail: No space left to finish writing "box"\n');
  });

  it('EDQUOT and EIO have their own messages; Truncated is logged when a LOGFILE is open', async () => {
    for (const [code, text] of [
      ['EDQUOT', 'Quota exceeded while writing "box"'],
      ['EIO', 'Error while writing to "box"'],
    ] as const) {
      const dir = tempDir();
      const logFile = join(dir, 'log');
      let logFd = -1;
      const { answerer } = makeAnswerer(dir, {
        fs: faultyFs({
          openSync: ((p: fs.PathLike, f: fs.OpenMode, m?: fs.Mode) => {
            const fd = fs.openSync(p, f, m);
            if (p === logFile) logFd = fd;
            return fd;
          }) as typeof fs.openSync,
          writeSync: failingWrites(code, 5, (fd) => fd !== logFd),
        }),
      });
      await answerer.answer({ kind: 'open-log', path: 'log', origin, log: quiet });
      const a = await answerer.answer(deliverReq(['box']));
      expect(a.ok).toBe(false);
      expect(fs.statSync(join(dir, 'box')).size).toBe(0);
      expect(read(logFile)).toBe(`procmail: ${text}\nprocmail: Truncated file to former size\n`);
    }
  });

  it('i (ignore write errors) turns a failed write into success', async () => {
    const dir = tempDir();
    const { answerer } = makeAnswerer(dir, { fs: faultyFs({ writeSync: failingWrites('EIO', 5) }) });
    const a = await answerer.answer(deliverReq(['box'], { feed: { ...fullFeed, ignoreWriteErrors: true } }));
    expect(a.ok).toBe(true);
  });

  it('a missing parent directory is "Error while writing to"', async () => {
    const dir = tempDir();
    const { answerer, stderr } = makeAnswerer(dir);
    const a = await answerer.answer(deliverReq(['nonexistent/dir/box']));
    expect(a.ok).toBe(false);
    expect(stderr.text).toBe('procmail: Error while writing to "nonexistent/dir/box"\n');
  });

  it('/dev/null swallows the mail', async () => {
    const { answerer } = makeAnswerer(tempDir());
    expect(await answerer.answer(deliverReq(['/dev/null'], { lockfile: '/dev/null.lock' }))).toMatchObject({ ok: true, lastFolder: '/dev/null' });
  });

  it("a file folder this delivery creates gets its directory synced; an existing one does not; a failed directory sync fails the write", async () => {
    const dir = tempDir();
    const synced: string[] = [];
    const isDir = (fd: number) => fs.fstatSync(fd).isDirectory();
    let failDirs = false;
    const { answerer, stderr } = makeAnswerer(dir, {
      fs: faultyFs({
        fsyncSync: (fd) => {
          if (isDir(fd)) {
            synced.push('dir');
            if (failDirs) throw errno('EIO');
          }
          fs.fsyncSync(fd);
        },
      }),
    });
    expect((await answerer.answer(deliverReq(['box']))).ok).toBe(true);
    expect(synced).toEqual(['dir']);
    expect((await answerer.answer(deliverReq(['box']))).ok).toBe(true);
    expect(synced).toEqual(['dir']);
    failDirs = true;
    expect((await answerer.answer(deliverReq(['new-box']))).ok).toBe(false);
    expect(stderr.text).toContain('Error while writing to "new-box"');
    // The message stays in the file: stored twice at worst (fallback, retry), never lost.
    expect(fs.statSync(join(dir, 'new-box')).size).toBeGreaterThan(0);
  });

  it('fsync failure is a write failure', async () => {
    const dir = tempDir();
    const { answerer } = makeAnswerer(dir, { fs: faultyFs({ fsyncSync: () => { throw errno('EIO'); } }) });
    expect((await answerer.answer(deliverReq(['box']))).ok).toBe(false);
    expect(fs.statSync(join(dir, 'box')).size).toBe(0);
  });
});

describe('directory folders', () => {
  it('maildir: tmp → new with procmail naming, From_ stripped, nothing added, directories created', async () => {
    const dir = tempDir();
    const { answerer } = makeAnswerer(dir);
    const data = Buffer.from('From x  Sat Nov 21 08:17:54 2026\nSubject: a\n\nbody\n');
    const a = await answerer.answer(deliverReq(['md/'], { data }));
    expect(a.ok).toBe(true);
    expect(a.lastFolder).toMatch(/^md\/new\/1795249076\.4242_0\.testhost$/);
    expect(read(join(dir, a.lastFolder))).toBe('Subject: a\n\nbody\n');
    expect(fs.readdirSync(join(dir, 'md/tmp'))).toEqual([]);
    expect(fs.readdirSync(join(dir, 'md')).sort()).toEqual(['cur', 'new', 'tmp']);
    expect(fs.statSync(join(dir, 'md')).mode & 0o777).toBe(0o700);
  });

  it('maildir write failure removes the tmp file', async () => {
    const dir = tempDir();
    const { answerer, stderr } = makeAnswerer(dir, { fs: faultyFs({ writeSync: failingWrites('ENOSPC', 3) }) });
    const a = await answerer.answer(deliverReq(['md/']));
    expect(a.ok).toBe(false);
    expect(fs.readdirSync(join(dir, 'md/tmp'))).toEqual([]);
    expect(fs.readdirSync(join(dir, 'md/new'))).toEqual([]);
    expect(stderr.text).toMatch(/No space left to finish writing "md\/tmp\//);
  });

  it('maildir durability: the file is fsynced before its link into new/, then new/ (not tmp/) once, and nothing else', async () => {
    const dir = tempDir();
    const calls: string[] = [];
    const fdPaths = new Map<number, string>();
    const rel = (p: string) => p.slice(dir.length + 1).replace(/\/[^/]*\.testhost$/, '/NAME');
    const { answerer } = makeAnswerer(dir, {
      fs: faultyFs({
        openSync: ((p: string, flags: string, mode?: number) => {
          const fd = fs.openSync(p, flags, mode);
          fdPaths.set(fd, rel(p));
          return fd;
        }) as typeof fs.openSync,
        fsyncSync: (fd) => {
          calls.push(`fsync ${fdPaths.get(fd)}`);
          fs.fsyncSync(fd);
        },
        linkSync: (a, b) => {
          calls.push(`link ${rel(a)} ${rel(b)}`);
          fs.linkSync(a, b);
        },
        unlinkSync: (p) => {
          calls.push(`unlink ${rel(p)}`);
          fs.unlinkSync(p);
        },
      }),
    });
    expect((await answerer.answer(deliverReq(['md/']))).ok).toBe(true);
    expect(calls).toEqual(['fsync md/tmp/NAME', 'link md/tmp/NAME md/new/NAME', 'unlink md/tmp/NAME', 'fsync md/new']);
  });

  it("maildir: the message's fsync failing is a failed write, nothing in new/; the directory's only where the file system has it", async () => {
    const dir = tempDir();
    const isDir = (fd: number) => fs.fstatSync(fd).isDirectory();
    const { answerer, stderr } = makeAnswerer(dir, {
      fs: faultyFs({
        fsyncSync: (fd) => {
          if (!isDir(fd)) throw errno('EIO');
          fs.fsyncSync(fd);
        },
      }),
    });
    expect((await answerer.answer(deliverReq(['md/']))).ok).toBe(false);
    expect(fs.readdirSync(join(dir, 'md/new'))).toEqual([]);
    expect(fs.readdirSync(join(dir, 'md/tmp'))).toEqual([]);
    expect(stderr.text).toMatch(/Error while writing to "md\/tmp\//);
    const other = tempDir();
    const dirFails = makeAnswerer(other, {
      fs: faultyFs({
        fsyncSync: (fd) => {
          if (isDir(fd)) throw errno('EINVAL');
          fs.fsyncSync(fd);
        },
      }),
    });
    expect((await dirFails.answerer.answer(deliverReq(['md/']))).ok).toBe(true);
    expect(fs.readdirSync(join(other, 'md/new'))).toHaveLength(1);
  });

  it("a failing fsync of the folder's directory fails the write and takes the new name back (maildir, MH, directory, and their links)", async () => {
    const isDir = (fd: number) => fs.fstatSync(fd).isDirectory();
    const dirIo = () =>
      faultyFs({
        fsyncSync: (fd) => {
          if (isDir(fd)) throw errno('EIO');
          fs.fsyncSync(fd);
        },
      });
    const md = tempDir();
    const m = makeAnswerer(md, { fs: dirIo() });
    expect((await m.answerer.answer(deliverReq(['md/']))).ok).toBe(false);
    expect(fs.readdirSync(join(md, 'md/new'))).toEqual([]);
    expect(fs.readdirSync(join(md, 'md/tmp'))).toEqual([]);
    expect(m.stderr.text).toMatch(/^procmail: Error while writing to "md\/new\/[^"]+"\n/);
    const mh = tempDir();
    fs.mkdirSync(join(mh, 'mh'));
    const h = makeAnswerer(mh, { fs: dirIo() });
    expect((await h.answerer.answer(deliverReq(['mh/.']))).ok).toBe(false);
    expect(fs.readdirSync(join(mh, 'mh'))).toEqual([]);
    expect(h.stderr.text).toBe('procmail: Error while writing to "mh/1"\n');
    const plain = tempDir();
    fs.mkdirSync(join(plain, 'd'));
    const p = makeAnswerer(plain, { fs: dirIo() });
    expect((await p.answerer.answer(deliverReq(['d']))).ok).toBe(false);
    expect(fs.readdirSync(join(plain, 'd'))).toEqual([]);
    // A secondary folder's link is taken back too; the primary's name stays (its directory synced).
    const both = tempDir();
    fs.mkdirSync(join(both, 'mh2'));
    let synced = 0;
    const b = makeAnswerer(both, {
      fs: faultyFs({
        fsyncSync: (fd) => {
          if (isDir(fd) && ++synced > 1) throw errno('EIO');
          fs.fsyncSync(fd);
        },
      }),
    });
    const a = await b.answerer.answer(deliverReq(['md/', 'mh2/.']));
    expect(fs.readdirSync(join(both, 'md/new'))).toHaveLength(1);
    expect(fs.readdirSync(join(both, 'mh2'))).toEqual([]);
    expect(b.stderr.text).toContain('Error while writing to "mh2/1"');
    expect(a.lastFolder).toMatch(/^md\/new\//);
  });

  it('MH and directory folders: the file is fsynced, then its directory', async () => {
    const dir = tempDir();
    fs.mkdirSync(join(dir, 'mh'));
    fs.mkdirSync(join(dir, 'd'));
    const calls: string[] = [];
    const fdPaths = new Map<number, string>();
    const { answerer } = makeAnswerer(dir, {
      fs: faultyFs({
        openSync: ((p: string, flags: string, mode?: number) => {
          const fd = fs.openSync(p, flags, mode);
          fdPaths.set(fd, p.slice(dir.length + 1).replace(/^d\/msg\..*/, 'd/MSG'));
          return fd;
        }) as typeof fs.openSync,
        fsyncSync: (fd) => {
          calls.push(`fsync ${fdPaths.get(fd)}`);
          fs.fsyncSync(fd);
        },
      }),
    });
    expect((await answerer.answer(deliverReq(['mh/.']))).ok).toBe(true);
    expect((await answerer.answer(deliverReq(['d']))).ok).toBe(true);
    expect(calls).toEqual(['fsync mh/1', 'fsync mh', 'fsync d/MSG', 'fsync d']);
  });

  it('MH: 1 + the highest number, From_ kept, newline added', async () => {
    const dir = tempDir();
    fs.mkdirSync(join(dir, 'mh'));
    fs.writeFileSync(join(dir, 'mh', '7'), 'x');
    fs.writeFileSync(join(dir, 'mh', '12a'), 'x');
    const { answerer } = makeAnswerer(dir);
    const a = await answerer.answer(deliverReq(['mh/.']));
    expect(a).toMatchObject({ ok: true, lastFolder: 'mh/8' });
    expect(read(join(dir, 'mh/8'))).toBe(`${MSG.toString('latin1')}\n`);
    expect(fs.readdirSync(join(dir, 'mh')).sort()).toEqual(['12a', '7', '8']);
  });

  it('plain directory: MSGPREFIX + ultoan(inode)', async () => {
    const dir = tempDir();
    fs.mkdirSync(join(dir, 'd'));
    const { answerer } = makeAnswerer(dir);
    const a = await answerer.answer(deliverReq(['d'], { msgPrefix: 'm.' }));
    expect(a.ok).toBe(true);
    const name = a.lastFolder.slice(2);
    expect(name).toMatch(/^m\.[A-Za-z0-9_-]+$/);
    const { ultoan } = await import('../../src/deliver/ultoan.js');
    expect(name).toBe(`m.${ultoan(fs.statSync(join(dir, a.lastFolder)).ino)}`);
  });

  it('several folders share one inode through hard links; LASTFOLDER lists them', async () => {
    const dir = tempDir();
    fs.mkdirSync(join(dir, 'd'));
    const { answerer } = makeAnswerer(dir);
    const a = await answerer.answer(deliverReq(['md/', 'mh/.', 'd']));
    expect(a.ok).toBe(true);
    const names = a.lastFolder.split(' ');
    expect(names).toHaveLength(3);
    expect(names[1]).toBe('mh/1');
    const inodes = new Set(names.map((n) => fs.statSync(join(dir, n)).ino));
    expect(inodes.size).toBe(1);
    expect(fs.statSync(join(dir, names[0]!)).nlink).toBe(3);
  });

  it('a file where a directory is wanted: "Unable to treat as directory"', async () => {
    const dir = tempDir();
    fs.writeFileSync(join(dir, 'f'), '');
    const { answerer, stderr } = makeAnswerer(dir);
    fs.mkdirSync(join(dir, 'md'));
    fs.writeFileSync(join(dir, 'md', 'new'), '');
    const a = await answerer.answer(deliverReq(['md/']));
    expect(a.ok).toBe(false);
    expect(stderr.text).toContain('Unable to treat as directory "md"');
    // A primary MH path that is a file falls back to writing that file (mailfold.c:foldertype).
    const b = await answerer.answer(deliverReq(['f/.']));
    expect(b).toMatchObject({ ok: true, lastFolder: 'f' });
  });

  it('a file primary with extra folders skips them', async () => {
    const dir = tempDir();
    const { answerer, stderr } = makeAnswerer(dir);
    const a = await answerer.answer(deliverReq(['box', 'x/', 'y/.']));
    expect(a).toMatchObject({ ok: true, lastFolder: 'box' });
    expect(stderr.text).toBe('procmail: Skipped "x/ y/."\n');
  });
});

describe('chdir, include, open-log, log, umask', () => {
  it('resolves relative folders against MAILDIR and reads includes there', async () => {
    const dir = tempDir();
    fs.mkdirSync(join(dir, 'sub'));
    fs.writeFileSync(join(dir, 'sub', 'inc.rc'), ':0\nx\n');
    const { answerer } = makeAnswerer(dir);
    expect(await answerer.answer({ kind: 'chdir', dir: 'nope', origin, log: quiet })).toMatchObject({ ok: false });
    expect(await answerer.answer({ kind: 'chdir', dir: 'sub', origin, log: quiet })).toMatchObject({ ok: true });
    expect(await answerer.answer({ kind: 'include', path: 'inc.rc', mode: 'include', origin, log: quiet })).toMatchObject({ text: ':0\nx\n' });
    expect(await answerer.answer({ kind: 'include', path: 'missing.rc', mode: 'include', origin, log: quiet })).toMatchObject({ text: null });
    await answerer.answer(deliverReq(['box']));
    expect(fs.existsSync(join(dir, 'sub', 'box'))).toBe(true);
  });

  it('LOGFILE receives LOG text verbatim; a failed open keeps the old log', async () => {
    const dir = tempDir();
    const { answerer, stderr } = makeAnswerer(dir);
    await answerer.answer({ kind: 'log', text: 'before\n', source: 'LOG', origin, log: quiet });
    expect(await answerer.answer({ kind: 'open-log', path: 'log', origin, log: quiet })).toMatchObject({ ok: true });
    expect(fs.statSync(join(dir, 'log')).mode & 0o777).toBe(0o600);
    await answerer.answer({ kind: 'log', text: 'one', source: 'LOG', origin, log: quiet });
    expect(await answerer.answer({ kind: 'open-log', path: 'no/such/log', origin, log: quiet })).toMatchObject({ ok: false });
    await answerer.answer({ kind: 'log', text: 'two\n', source: 'LOG', origin, log: quiet });
    answerer.finish();
    expect(stderr.text).toBe('before\n');
    expect(read(join(dir, 'log'))).toBe('oneprocmail: Error while writing to "no/such/log"\ntwo\n');
  });

  it('UMASK applies to folders created afterwards', async () => {
    const dir = tempDir();
    const seen: number[] = [];
    const { answerer } = makeAnswerer(dir, { setUmask: (m) => seen.push(m) });
    await answerer.answer({ kind: 'umask', mask: 0o027, origin, log: quiet });
    await answerer.answer(deliverReq(['box']));
    expect(fs.statSync(join(dir, 'box')).mode & 0o777).toBe(0o640);
    expect(seen).toEqual([0o027]);
  });

  it('a bare | writes the mail to stdout', async () => {
    const { answerer, stdout } = makeAnswerer(tempDir());
    expect(await answerer.answer(deliverReq(['|']))).toMatchObject({ ok: true, lastFolder: '|' });
    expect(stdout.text).toBe(`${MSG.toString('latin1')}\n`);
  });
});
