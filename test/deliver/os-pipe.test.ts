import * as fs from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, type TestContext } from 'vitest';
import { DeliveryLog } from '../../src/deliver/logfile.js';
import { runProgram, type ProgramEnv, type ProgramSpec } from '../../src/deliver/program.js';
import { choosePipes, loadPipeAddon, nodePipes, pipesChooser, RealPipes, systemNativePipes, type NativePipes, type ProgramPipes } from '../../src/deliver/os-pipe.js';
import { spawnSyncPiped } from '../../src/deliver/os-pipe-sync.js';
import type { DeliveryFs } from '../../src/deliver/seams.js';
import { makeAnswerer, realSpawn, Sink, tempDir } from './helpers.js';
import { filterReq, sh, vars } from '../helpers/requests.js';

/** The addon test/setup.ts loaded; outside CI the tests skip where it could not be built. */
function addon(ctx: TestContext): NativePipes {
  const native = systemNativePipes();
  if (native === null) {
    if (process.env.CI === 'true') throw new Error('native addon not built: run npm run build');
    ctx.skip();
  }
  return native!;
}

/** What each of the paths is: `fifo`, `socket`, `regular file`… (GNU stat's %F, following /proc/self/fd links). */
const FILE_TYPES = 'stat -L -c %F /dev/stdin /dev/stdout /dev/stderr';

function spec(dir: string, text: string, over: Partial<ProgramSpec> = {}): ProgramSpec {
  return { argv: ['/bin/sh', '-c', text], display: text, retryWithSh: false, env: { PATH: '/usr/bin:/bin' }, cwd: dir, input: Buffer.from('x\n'), stdout: 'capture', timeoutSec: 0, ...over };
}

function programEnv(pipes?: ProgramPipes): { env: ProgramEnv; stderr: Sink } {
  const stderr = new Sink();
  return { env: { spawn: realSpawn, log: new DeliveryLog(fs as unknown as DeliveryFs, stderr), ...(pipes ? { pipes } : {}) }, stderr };
}

/**
 * The addon, noting each pipe it makes (by inode: another test file's thread
 * in this process may get the same descriptor numbers once they are free).
 */
function tracked(native: NativePipes): { native: NativePipes; stillOpen: () => number[] } {
  const made: { fd: number; ino: number }[] = [];
  const pipe = () => {
    const p = native.pipe();
    if (typeof p !== 'number') for (const fd of p) made.push({ fd, ino: fs.fstatSync(fd).ino });
    return p;
  };
  const open = ({ fd, ino }: { fd: number; ino: number }) => {
    try {
      return fs.fstatSync(fd).ino === ino;
    } catch {
      return false;
    }
  };
  return { native: { ...native, pipe }, stillOpen: () => made.filter(open).map((m) => m.fd) };
}

describe('programs get pipes, not sockets (native/os-pipe.c)', () => {
  it('stdin, a captured stdout and stderr coming back are FIFOs, as procmail gives them', async (ctx) => {
    addon(ctx);
    const { env, stderr } = programEnv();
    const r = await runProgram(env, spec(tempDir(), `${FILE_TYPES}; test -p /dev/stdin && echo piped >&2`));
    expect(r.output.toString()).toBe('fifo\nfifo\nfifo\n');
    expect(stderr.text).toBe('piped\n');
    // Node's own stdio pipes are sockets: what the test tells apart.
    const before = await runProgram(programEnv(nodePipes).env, spec(tempDir(), FILE_TYPES));
    expect(before.output.toString()).toBe('socket\nsocket\nsocket\n');
  });

  it('moves more than a pipe holds both ways, and the exit status', async (ctx) => {
    addon(ctx);
    const input = Buffer.alloc(3 * 1024 * 1024 + 7, 'abc');
    const r = await runProgram(programEnv().env, spec(tempDir(), 'cat; exit 3', { input }));
    expect(r).toMatchObject({ exitCode: 3, wroteAll: true, bytes: input.length });
    expect(r.output.equals(input)).toBe(true);
  });

  it('a program that exits without reading: all written when the message fits in the pipe, EPIPE when not', async (ctx) => {
    addon(ctx);
    const small = await runProgram(programEnv().env, spec(tempDir(), 'exit 0', { input: Buffer.alloc(1000, 'a') }));
    expect(small).toMatchObject({ exitCode: 0, wroteAll: true });
    const big = await runProgram(programEnv().env, spec(tempDir(), 'head -c 10 >/dev/null', { input: Buffer.alloc(4 * 1024 * 1024, 'a') }));
    expect(big).toMatchObject({ exitCode: 0, wroteAll: false });
  });

  it("the program's exit seen before the pipe's error does not make a write still pending a success", async (ctx) => {
    const io = new RealPipes(addon(ctx)).open('ignore', 'ignore');
    // A program that holds its stdin and reads nothing; its exit is announced (as 'exit' comes in the same loop turn as EPIPE).
    const child = realSpawn('/bin/sh', ['-c', 'exec sleep 30'], { stdio: io.stdio, detached: true });
    const { stdin, onClose } = io.attach(child);
    stdin!.on('error', () => undefined);
    const written = new Promise<Error | null | undefined>((resolve) => stdin!.write(Buffer.alloc(1024 * 1024), resolve));
    const closed = new Promise<void>((resolve) => onClose(() => resolve()));
    child.emit('exit', 0, null);
    await closed;
    process.kill(child.pid!, 'SIGKILL');
    expect((await written) as NodeJS.ErrnoException | null).toMatchObject({ code: 'EPIPE' });
    io.release();
  });

  it('bash -c fed by mailrules does not read ~/.bashrc (with a socket as stdin it does)', async (ctx) => {
    addon(ctx);
    if (!fs.existsSync('/bin/bash')) ctx.skip();
    const home = tempDir();
    fs.writeFileSync(join(home, '.bashrc'), ': > "$HOME/bashrc-was-sourced"\necho "X-Bashrc: sourced"\n');
    const filter = async (pipes?: ProgramPipes) => {
      const req = filterReq(sh('cat; true'), Buffer.from('Subject: s\n\nbody\n'), { env: vars({ SHELL: '/bin/bash', HOME: home }) });
      const a = await makeAnswerer(home, pipes ? { pipes } : {}).answerer.answer(req);
      return a.kind === 'program' ? a.output : null;
    };
    const piped = await filter();
    expect(piped?.toString()).toBe('Subject: s\n\nbody\n\n');
    expect(fs.existsSync(join(home, 'bashrc-was-sourced'))).toBe(false);
    const socket = await filter(nodePipes);
    expect(socket?.toString()).toBe('X-Bashrc: sourced\nSubject: s\n\nbody\n\n');
    expect(fs.existsSync(join(home, 'bashrc-was-sourced'))).toBe(true);
  });

  it('leaves no descriptor open: programs that ran, failed to start, or did not read everything', async (ctx) => {
    const t = tracked(addon(ctx));
    const dir = tempDir();
    const { env } = programEnv(new RealPipes(t.native));
    for (let i = 0; i < 3; i++) {
      await runProgram(env, spec(dir, 'cat; echo e >&2'));
      await runProgram(env, spec(dir, 'x', { argv: ['/nonexistent/prog'] }));
      await runProgram({ ...env, spawn: () => { throw new Error('EAGAIN'); } }, spec(dir, 'x'));
      await runProgram(env, spec(dir, 'exit 0', { input: Buffer.alloc(1024 * 1024) }));
    }
    expect(t.stillOpen()).toEqual([]);
  });
});

describe('without the addon', () => {
  it('programs get Node socketpairs, and the log says why once', () => {
    const notes: string[] = [];
    const choose = pipesChooser(() => ({ error: '/opt/mailrules/dist/fcntl-lock.node: EACCES' }));
    for (let i = 0; i < 3; i++) expect(choose((why) => notes.push(why))).toBe(nodePipes);
    expect(notes).toEqual(['/opt/mailrules/dist/fcntl-lock.node: EACCES']);
    // No addon looked for (a test without a bundle): no note.
    expect(choosePipes({ error: null }, (why) => notes.push(why))).toBe(nodePipes);
    expect(notes).toHaveLength(1);
  });

  it('names the reason the addon did not load: missing, not ours, built before it had pipes', () => {
    const enoent = Object.assign(new Error('cannot open shared object file'), { code: 'ENOENT' });
    expect(loadPipeAddon({ file: '/x/fcntl-lock.node', dlopen: () => { throw enoent; } })).toEqual({ error: '/x/fcntl-lock.node: ENOENT' });
    expect(loadPipeAddon({ file: '/x/fcntl-lock.node', dlopen: () => { throw new Error('/x/fcntl-lock.node: not the fcntl addon'); } })).toEqual({ error: '/x/fcntl-lock.node: /x/fcntl-lock.node: not the fcntl addon' });
    expect(loadPipeAddon({ file: '/x/fcntl-lock.node', dlopen: () => ({ lock: () => 0, unlock: () => 0, EAGAIN: 11, EACCES: 13 }) })).toEqual({ error: '/x/fcntl-lock.node: built without pipe()' });
    expect(loadPipeAddon({ file: null, dlopen: () => ({}) })).toEqual({ error: null });
  });
});

describe('spawnSyncPiped: spawnSync with pipes, for the dry run', () => {
  const sh = (text: string, input: Buffer | string, over: { timeout?: number; maxBuffer?: number } = {}, native?: NativePipes | null) =>
    spawnSyncPiped('/bin/sh', ['-c', text], { input: Buffer.from(input), env: { PATH: '/usr/bin:/bin' }, killSignal: 'SIGTERM', ...over }, native);

  it('stdin, stdout and stderr are FIFOs; without the addon they are spawnSync`s sockets', (ctx) => {
    addon(ctx);
    const r = sh(`${FILE_TYPES}; cat; echo err >&2; exit 4`, 'in\n');
    expect(r.stdout.toString()).toBe('fifo\nfifo\nfifo\nin\n');
    expect(r.stderr.toString()).toBe('err\n');
    expect(r.status).toBe(4);
    expect(r.error).toBeUndefined();
    expect(sh(FILE_TYPES, '', {}, null).stdout.toString()).toBe('socket\nsocket\nsocket\n');
  });

  it('moves more than a pipe holds on all three at once', (ctx) => {
    addon(ctx);
    const input = Buffer.alloc(2 * 1024 * 1024 + 3, 'xyz');
    const r = sh('tee /dev/stderr', input, { maxBuffer: 64 * 1024 * 1024 });
    expect(r.stdout.equals(input)).toBe(true);
    expect(r.stderr.equals(input)).toBe(true);
    expect(r.error).toBeUndefined();
  });

  it('answers as spawnSync does: EPIPE when not all was read (never when it fits the pipe), ENOENT, ENOBUFS past maxBuffer', (ctx) => {
    addon(ctx);
    const fits = sh('exit 2', Buffer.alloc(1000));
    expect(fits.status).toBe(2);
    expect(fits.error).toBeUndefined();
    const big = sh('head -c 10 >/dev/null; exit 2', Buffer.alloc(4 * 1024 * 1024));
    expect(big.status).toBe(2);
    expect((big.error as NodeJS.ErrnoException | undefined)?.code).toBe('EPIPE');
    const missing = spawnSyncPiped('/nonexistent/prog', [], { input: Buffer.from('x') });
    expect((missing.error as NodeJS.ErrnoException | undefined)?.code).toBe('ENOENT');
    const flood = sh('head -c 100000 /dev/zero', '', { maxBuffer: 1000 });
    expect((flood.error as NodeJS.ErrnoException | undefined)?.code).toBe('ENOBUFS');
    expect(flood.stdout.length).toBe(1000);
  });

  it('the timeout ends the program, and what it left holding stdout is not waited for', (ctx) => {
    addon(ctx);
    const dir = tempDir();
    const slow = sh('exec sleep 30', 'x', { timeout: 200 });
    expect((slow.error as NodeJS.ErrnoException | undefined)?.code).toBe('ETIMEDOUT');
    // The shell exits at once; the sleep it left behind keeps stdout open.
    const left = sh(`sleep 30 & echo $! > ${dir}/bg`, 'x', { timeout: 200 });
    expect((left.error as NodeJS.ErrnoException | undefined)?.code).toBe('ETIMEDOUT');
    expect(left.status).toBe(0);
    process.kill(Number(fs.readFileSync(join(dir, 'bg'), 'latin1')), 'SIGKILL');
  });

  it('leaves no descriptor open', (ctx) => {
    const t = tracked(addon(ctx));
    for (let i = 0; i < 3; i++) {
      sh('cat; echo e >&2', 'x', {}, t.native);
      sh('exit 0', Buffer.alloc(1024 * 1024), {}, t.native);
      spawnSyncPiped('/nonexistent/prog', [], { input: Buffer.from('x') }, t.native);
    }
    expect(t.stillOpen()).toEqual([]);
  });
});
