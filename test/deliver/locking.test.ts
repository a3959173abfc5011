import * as fs from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DeliverRequest } from '../../src/eval/requests.js';
import { FcntlLocker, loadLockModule, type LockModuleIo, type NativeFcntl } from '../../src/deliver/kernel-lock.js';
import { errno, FakeClock, faultyFs, makeAnswerer, MSG, tempDir } from './helpers.js';
import { defaultLock, deliverReq as request, origin, quiet } from '../helpers/requests.js';

function deliverReq(lockfile: string | null, over: Partial<DeliverRequest> = {}): DeliverRequest {
  return request(['box'], MSG, { lockfile, ...over });
}

describe('dotlocks (docs/procmail-semantics.md §7.5)', () => {
  it('takes box.lock while writing (0444 under the umask, holding "0") and removes it', async () => {
    const dir = tempDir();
    let seen: { mode: number; text: string } | null = null;
    const { answerer } = makeAnswerer(dir, {
      fs: faultyFs({
        writeSync: (fd, buf, off, len) => {
          if (seen === null && fs.existsSync(join(dir, 'box.lock'))) {
            seen = { mode: fs.statSync(join(dir, 'box.lock')).mode & 0o777, text: fs.readFileSync(join(dir, 'box.lock'), 'latin1') };
          }
          return fs.writeSync(fd, buf, off, len);
        },
      }),
    });
    const a = await answerer.answer(deliverReq('box.lock'));
    expect(a.ok).toBe(true);
    expect(seen).toEqual({ mode: 0o400, text: '0' });
    expect(fs.readdirSync(dir).sort()).toEqual(['box']);
  });

  it('waits LOCKSLEEP while someone else holds a fresh lock', async () => {
    const dir = tempDir();
    const lock = join(dir, 'box.lock');
    fs.writeFileSync(lock, '0');
    const clock = new FakeClock(Date.now());
    let sleeps = 0;
    clock.sleep = async (ms: number) => {
      clock.sleeps.push(ms);
      clock.t += ms;
      if (++sleeps === 3) fs.unlinkSync(lock);
    };
    const { answerer } = makeAnswerer(dir, { clock });
    const a = await answerer.answer(deliverReq('box.lock', { lock: { ...defaultLock, sleepSec: 2 } }));
    expect(a.ok).toBe(true);
    expect(clock.sleeps).toEqual([2000, 2000, 2000]);
    expect(fs.existsSync(lock)).toBe(false);
  });

  it('forces a stale lock after LOCKTIMEOUT, then waits SUSPEND', async () => {
    const dir = tempDir();
    const lock = join(dir, 'box.lock');
    fs.writeFileSync(lock, '0');
    const old = (Date.now() - 2000 * 1000) / 1000;
    fs.utimesSync(lock, old, old);
    const { answerer, stderr, clock } = makeAnswerer(dir);
    const a = await answerer.answer(deliverReq('box.lock'));
    expect(a.ok).toBe(true);
    expect(stderr.text).toBe('procmail: Forcing lock on "box.lock"\n');
    expect(clock.sleeps).toEqual([16_000]);
  });

  it('never forces a lock bigger than 16 bytes', async () => {
    const dir = tempDir();
    const lock = join(dir, 'box.lock');
    fs.writeFileSync(lock, 'x'.repeat(17));
    const old = (Date.now() - 2000 * 1000) / 1000;
    fs.utimesSync(lock, old, old);
    const clock = new FakeClock(Date.now());
    let n = 0;
    clock.sleep = async (ms) => {
      clock.sleeps.push(ms);
      if (++n === 4) fs.unlinkSync(lock);
    };
    const { answerer, stderr } = makeAnswerer(dir, { clock });
    await answerer.answer(deliverReq('box.lock'));
    expect(stderr.text).toBe('');
    expect(clock.sleeps).toEqual([8000, 8000, 8000, 8000]);
  });

  it('hard errors give up after 8 tries and deliver without the lock', async () => {
    const dir = tempDir();
    const { answerer, stderr, clock } = makeAnswerer(dir, {
      fs: faultyFs({
        linkSync: (a, b) => {
          if (String(b).endsWith('.lock')) throw errno('EIO');
          fs.linkSync(a, b);
        },
      }),
    });
    const a = await answerer.answer(deliverReq('box.lock'));
    expect(a.ok).toBe(true);
    expect(clock.sleeps).toHaveLength(7);
    expect(stderr.text).toBe('procmail: Lock failure on "box.lock"\n');
    expect(fs.readdirSync(dir)).toEqual(['box']);
  });

  it('a full disk failing the temp file\'s write (ENOSPC): 8 tries, and no empty `_*` temp file left behind', async () => {
    const dir = tempDir();
    const tempFds = new Set<number>();
    const { answerer, stderr, clock } = makeAnswerer(dir, {
      fs: faultyFs({
        openSync: ((p: fs.PathLike, f: fs.OpenMode, m?: fs.Mode) => {
          const fd = fs.openSync(p, f, m);
          if (f === 'wx') tempFds.add(fd);
          return fd;
        }) as typeof fs.openSync,
        writeSync: (fd, buf, off, len) => {
          if (tempFds.has(fd)) throw errno('ENOSPC');
          return fs.writeSync(fd, buf, off, len);
        },
        closeSync: (fd) => {
          tempFds.delete(fd);
          fs.closeSync(fd);
        },
      }),
    });
    const a = await answerer.answer(deliverReq('box.lock'));
    expect(a.ok).toBe(true);
    expect(clock.sleeps).toHaveLength(7);
    expect(stderr.text).toBe('procmail: Lock failure on "box.lock"\n');
    expect(fs.readdirSync(dir)).toEqual(['box']);
  });

  it('EACCES fails at once', async () => {
    const dir = tempDir();
    const { answerer, stderr, clock } = makeAnswerer(dir, {
      fs: faultyFs({
        openSync: ((p: fs.PathLike, f: fs.OpenMode, m?: fs.Mode) => {
          if (f === 'wx') throw errno('EACCES');
          return fs.openSync(p, f, m);
        }) as typeof fs.openSync,
      }),
    });
    await answerer.answer(deliverReq('box.lock'));
    expect(clock.sleeps).toEqual([]);
    expect(stderr.text).toBe('procmail: Lock failure on "box.lock"\n');
  });

  it('DEFAULT is delivered under the lock the engine names ($DEFAULT$LOCKEXT) when it is a file', async () => {
    const dir = tempDir();
    const created: string[] = [];
    const { answerer } = makeAnswerer(dir, {
      fs: faultyFs({
        linkSync: (a, b) => {
          created.push(String(b));
          fs.linkSync(a, b);
        },
      }),
    });
    await answerer.answer(deliverReq(join(dir, 'inbox.LK'), { fallback: true, folders: [join(dir, 'inbox')] }));
    expect(created).toEqual([join(dir, 'inbox.LK')]);
  });

  it('LOCKFILE: global lock held until changed or finish()', async () => {
    const dir = tempDir();
    const { answerer } = makeAnswerer(dir);
    expect(await answerer.answer({ kind: 'global-lock', release: null, acquire: 'g.lock', lock: defaultLock, origin, log: quiet })).toMatchObject({ ok: true });
    expect(fs.existsSync(join(dir, 'g.lock'))).toBe(true);
    await answerer.answer({ kind: 'global-lock', release: 'g.lock', acquire: 'h.lock', lock: defaultLock, origin, log: quiet });
    expect(fs.existsSync(join(dir, 'g.lock'))).toBe(false);
    expect(fs.existsSync(join(dir, 'h.lock'))).toBe(true);
    answerer.finish();
    expect(fs.existsSync(join(dir, 'h.lock'))).toBe(false);
  });

  it('interoperates with procmail\'s lockfile(1)', async (ctx) => {
    if (!fs.existsSync('/usr/bin/lockfile')) {
      if (process.env.CI === 'true') throw new Error('lockfile(1) missing in CI');
      ctx.skip();
    }
    const dir = tempDir();
    const { execFileSync } = await import('node:child_process');
    execFileSync('/usr/bin/lockfile', ['-r0', join(dir, 'box.lock')]);
    const clock = new FakeClock(Date.now());
    let n = 0;
    clock.sleep = async () => {
      if (++n === 2) fs.unlinkSync(join(dir, 'box.lock'));
    };
    const { answerer } = makeAnswerer(dir, { clock });
    await answerer.answer(deliverReq('box.lock'));
    expect(n).toBe(2);
    // And lockfile(1) can take ours once released.
    execFileSync('/usr/bin/lockfile', ['-r0', join(dir, 'box.lock')]);
  });
});

describe('loading the fcntl module: the real errno when it cannot be read', () => {
  const native = { lock: () => 0, unlock: () => 0, EAGAIN: 11, EACCES: 13 } as NativeFcntl;
  const osLock = { lock: async () => undefined, unlock: async () => undefined };
  function io(over: Partial<LockModuleIo>): LockModuleIo {
    return {
      dir: '/opt/mailrules/dist',
      dlopen: () => native,
      requireOsLock: () => osLock,
      stat: () => ({}),
      osLockPaths: () => ['/opt/mailrules/dist/node_modules', '/opt/mailrules/node_modules', '/opt/node_modules'],
      ...over,
    };
  }
  const cannotOpen = () => {
    throw new Error('/opt/mailrules/dist/fcntl-lock.node: cannot open shared object file: Permission denied');
  };
  const notFound = () => {
    throw Object.assign(new Error("Cannot find module 'os-lock'\nRequire stack:\n- /opt/mailrules/dist/deliver.cjs"), { code: 'MODULE_NOT_FOUND' });
  };

  it('our addon first, then os-lock when the addon was not built', () => {
    expect(loadLockModule(io({}))).toEqual({ module: native });
    const missing = io({ dlopen: cannotOpen, stat: (p) => (String(p).endsWith('.node') ? (() => { throw errno('ENOENT'); })() : {}) });
    expect(loadLockModule(missing)).toEqual({ module: osLock });
  });

  it('an install tree the recipient cannot read: EACCES for both, not "Cannot find module"', () => {
    const r = loadLockModule(io({ dlopen: cannotOpen, requireOsLock: notFound, stat: (p) => (String(p).startsWith('/opt/mailrules') ? (() => { throw errno('EACCES'); })() : (() => { throw errno('ENOENT'); })()) }));
    expect(r).toEqual({ error: '/opt/mailrules/dist/fcntl-lock.node: EACCES; os-lock: EACCES' });
  });

  it('os-lock truly absent (not installed) keeps Node\'s first line', () => {
    const r = loadLockModule(io({ dir: null, requireOsLock: notFound, stat: () => { throw errno('ENOENT'); } }));
    expect(r).toEqual({ error: "os-lock: Cannot find module 'os-lock'" });
  });
});

describe('fcntl locks', () => {
  it('falls back to dotlocks only, saying so once, when os-lock cannot load', async () => {
    const notes: string[] = [];
    const locker = new FcntlLocker(new FakeClock(), () => 1000, (w) => notes.push(w), async () => {
      throw new Error('no addon');
    });
    expect(await locker.lock(0, 0)).toBe(true);
    expect(await locker.lock(0, 0)).toBe(true);
    expect(notes).toEqual(['no addon']);
  });

  it('excludes another process holding an fcntl lock, until TIMEOUT', async (ctx) => {
    let osLock: unknown;
    try {
      osLock = await import('os-lock');
    } catch {
      ctx.skip();
    }
    void osLock;
    const dir = tempDir();
    const file = join(dir, 'box');
    fs.writeFileSync(file, '');
    const { spawn } = await import('node:child_process');
    // A second process (python's lockf is POSIX fcntl) holds the lock for a moment.
    const holder = spawn('python3', ['-c', `import fcntl,os,sys,time\nfd=os.open(${JSON.stringify(file)},os.O_WRONLY)\nfcntl.lockf(fd,fcntl.LOCK_EX)\nprint("held",flush=True)\ntime.sleep(0.6)`], { stdio: ['ignore', 'pipe', 'inherit'] });
    const ok = await new Promise<boolean>((resolve) => {
      holder.on('error', () => resolve(false));
      holder.stdout.once('data', () => resolve(true));
    });
    if (!ok) ctx.skip();
    const clock = { now: () => Date.now(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };
    const fd = fs.openSync(file, 'a');
    const quick = new FcntlLocker(clock, () => 100, () => undefined);
    expect(await quick.lock(fd, 0)).toBe(false);
    const patient = new FcntlLocker(clock, () => 5000, () => undefined);
    const t0 = Date.now();
    expect(await patient.lock(fd, 0)).toBe(true);
    expect(Date.now() - t0).toBeGreaterThan(200);
    await patient.unlock(fd, 0);
    fs.closeSync(fd);
  });
});
