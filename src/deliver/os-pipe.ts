import type { ChildProcess, StdioOptions } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type * as NetModule from 'node:net';
import { errnoOf } from './seams.js';
import { loadNativeFcntl, NATIVE_FCNTL_FILE } from './kernel-lock.js';

/**
 * Real pipes for the programs mailrules runs. procmail connects a program's
 * stdin (and a filter's or capture's stdout) with pipe(2) (pipes.c); Node's
 * stdio 'pipe' is a socketpair, and programs tell the two apart: `bash -c`
 * with a socket as stdin and no SHLVL (procmail's children get no inherited
 * environment) takes itself for a command run by rshd and sources
 * ~/.bashrc (bash's shell.c, run_startup_files), which then prints into
 * filters and slows every pipe; `test -p`, tee, dd and fstat checks see
 * another file type. Node has no pipe(2), so the project's native addon
 * (native/os-pipe.c, in the same file as the fcntl locks) makes them, and
 * the parent's ends are driven by libuv as pipe handles (net.Socket on an
 * fd): no thread pool, no blocking. Without the addon, programs get Node's
 * socketpairs as before, and that is said once in the log.
 */

/** native/os-pipe.c's part of the addon. */
export interface NativePipes {
  /** [read end, write end], both close-on-exec, or the errno. */
  pipe(): number[] | number;
  /** close(2): 0 or the errno. */
  close(fd: number): number;
  /** See native/os-pipe.c: feeds and drains the fds on a thread while the caller blocks in spawnSync. */
  pumpStart(inFd: number, input: Buffer, outFd: number, errFd: number, maxBytes: number): unknown;
  pumpFinish(handle: unknown, waitMs: number): PumpResult;
  readonly EPIPE: number;
}

export interface PumpResult {
  readonly written: number;
  /** 0, or the errno writing stopped with (EPIPE: the program did not read everything). */
  readonly writeErrno: number;
  readonly stdout: Buffer;
  readonly stderr: Buffer;
  /** More than maxBytes came on stdout or stderr; the rest was dropped. */
  readonly overflow: boolean;
  /** The fds were still open when the wait ended (something the program left running holds them). */
  readonly timedOut: boolean;
}

/** Where a program's stdout or stderr goes: back to us through a pipe, to /dev/null, or to an open fd (the LOGFILE). */
export type ChildOutput = 'pipe' | 'ignore' | number;

/** The parent's side of a running program's stdio. */
export interface ChildStreams {
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  /** Like ChildProcess 'close': the program has exited and its stdout and stderr pipes are at their end. */
  onClose(listener: (code: number | null, signal: NodeJS.Signals | null) => void): void;
}

/** One program's stdio, from before spawn() to after it is done. */
export interface ChildStdio {
  /** spawn()'s `stdio` option. */
  readonly stdio: StdioOptions;
  /** Right after spawn() returned, whether or not the program started: the parent's ends as streams. */
  attach(child: ChildProcess): ChildStreams;
  /** Closes whatever is left of the parent's ends: when spawn() threw, or the program failed to start. */
  release(): void;
}

/** How programs get their stdio: stdin is always fed by us; stdout and stderr as asked. */
export interface ProgramPipes {
  open(stdout: ChildOutput, stderr: ChildOutput): ChildStdio;
}

/** Node's own stdio pipes (socketpairs): the fallback without the addon, and what tests with a fake spawn use. */
export const nodePipes: ProgramPipes = {
  open: (stdout, stderr) => ({
    stdio: ['pipe', stdout, stderr],
    attach: (child) => ({
      stdin: child.stdin,
      stdout: child.stdout,
      stderr: child.stderr,
      onClose: (listener) => void child.on('close', listener),
    }),
    release: () => undefined,
  }),
};

let netModule: typeof NetModule | null = null;
// Loaded when the first program runs: child_process has loaded it by then.
const nodeNet = () => (netModule ??= require('node:net') as typeof NetModule);

/** pipe(2) pairs, closed again together when one of them cannot be made (EMFILE). */
export function makePipes(native: NativePipes, count: number): number[][] | null {
  const made: number[][] = [];
  for (let i = 0; i < count; i++) {
    const p = native.pipe();
    if (typeof p === 'number') {
      for (const fd of made.flat()) native.close(fd);
      return null;
    }
    made.push(p);
  }
  return made;
}

/** pipe(2) for stdin, and for stdout and stderr where they come back to us. */
export class RealPipes implements ProgramPipes {
  constructor(private readonly native: NativePipes) {}

  open(stdout: ChildOutput, stderr: ChildOutput): ChildStdio {
    const made = makePipes(this.native, 1 + Number(stdout === 'pipe') + Number(stderr === 'pipe'));
    // Out of descriptors: this program gets what Node makes, or fails to start as it would have.
    if (made === null) return nodePipes.open(stdout, stderr);
    const [input, ...rest] = made as [number[], ...number[][]];
    const output = stdout === 'pipe' ? rest.shift()! : null;
    const errors = stderr === 'pipe' ? rest.shift()! : null;
    // [read end, write end] each: the program gets input's read end and the others' write ends.
    const theirs = [input[0]!, ...(output ? [output[1]!] : []), ...(errors ? [errors[1]!] : [])];
    let streams: { stdin: NetModule.Socket; stdout: NetModule.Socket | null; stderr: NetModule.Socket | null } | null = null;
    let released = false;
    const closeTheirs = () => {
      for (const fd of theirs.splice(0)) this.native.close(fd);
    };
    return {
      stdio: [input[0]!, output ? output[1]! : stdout, errors ? errors[1]! : stderr],
      attach: (child) => {
        // The program has its copies now (or never will): EOF and EPIPE must come when it is done with them, not when we are.
        closeTheirs();
        const net = nodeNet();
        const reader = (pair: number[] | null) => (pair === null ? null : new net.Socket({ fd: pair[0]!, readable: true, writable: false }));
        const s = { stdin: new net.Socket({ fd: input[1]!, readable: false, writable: true }), stdout: reader(output), stderr: reader(errors) };
        streams = s;
        return {
          ...s,
          onClose: (listener) => {
            let code: number | null = null;
            let signal: NodeJS.Signals | null = null;
            const readers = [s.stdout, s.stderr].filter((r) => r !== null);
            let pending = 1 + readers.length;
            const one = () => {
              if (--pending === 0) listener(code, signal);
            };
            for (const r of readers) r.once('close', one);
            // stdin is left as it is: the kernel fails a write still pending with EPIPE once no
            // process holds the read end, and release() closes it when the program is done. Destroying
            // it here, as Node does with its own stdin pipe, would report that write as a success.
            child.once('exit', (c, sig) => {
              code = c;
              signal = sig;
              one();
            });
          },
        };
      },
      release: () => {
        if (released) return;
        released = true;
        if (streams === null) {
          closeTheirs();
          for (const pair of [input, output, errors]) if (pair !== null) this.native.close(pair === input ? pair[1]! : pair[0]!);
          return;
        }
        for (const stream of [streams.stdin, streams.stdout, streams.stderr]) stream?.destroy();
      },
    };
  }
}

/** Reads the pipe part of a loaded addon; null when it has none (an addon built before it had pipes). */
export function nativePipesOf(addon: object): NativePipes | null {
  const m = addon as Partial<NativePipes>;
  return typeof m.pipe === 'function' && typeof m.close === 'function' && typeof m.pumpStart === 'function' && typeof m.pumpFinish === 'function' && typeof m.EPIPE === 'number'
    ? (m as NativePipes)
    : null;
}

/** How the addon is found: seams, so a missing or stale addon can be tested. */
export interface PipeAddonIo {
  /** The addon's path (beside the bundle), or null when there is no bundle to look beside (tests that load none). */
  readonly file: string | null;
  readonly dlopen: (file: string) => object;
}

/** The addon's pipes, or why there are none (null: none was looked for). */
export type LoadedPipes = { readonly native: NativePipes } | { readonly error: string | null };

export function loadPipeAddon(io: PipeAddonIo): LoadedPipes {
  if (io.file === null) return { error: null };
  try {
    const native = nativePipesOf(io.dlopen(io.file));
    return native === null ? { error: `${io.file}: built without pipe()` } : { native };
  } catch (e) {
    const code = errnoOf(e);
    return { error: `${io.file}: ${code !== '' ? code : e instanceof Error ? e.message.split('\n')[0]! : String(e)}` };
  }
}

const nodePipeAddonIo: PipeAddonIo = {
  file: typeof __dirname === 'string' ? `${__dirname}/${NATIVE_FCNTL_FILE}` : null,
  dlopen: loadNativeFcntl,
};

let loaded: LoadedPipes | null = null;

/**
 * Loads the addon now: as root in -d mode before becoming the recipient,
 * who may not be able to read the install tree (the fcntl locks' preload
 * has opened the same file: this costs nothing more). Tests load the
 * addon from its build directory.
 */
export function preloadOsPipes(io: PipeAddonIo = nodePipeAddonIo): LoadedPipes {
  loaded ??= loadPipeAddon(io);
  return loaded;
}

/** The addon's pipe functions, or null when it cannot be loaded. */
export function systemNativePipes(): NativePipes | null {
  const r = preloadOsPipes();
  return 'native' in r ? r.native : null;
}

/** Chooses once, on the first call (when the first program runs): so `note` is told at most once. */
export function pipesChooser(load: () => LoadedPipes): (note: (why: string) => void) => ProgramPipes {
  let chosen: ProgramPipes | null = null;
  return (note) => (chosen ??= choosePipes(load(), note));
}

/**
 * Real pipes when the addon loads; else Node's socketpairs, and `note` is
 * told why, once per process.
 */
export const systemPipes = pipesChooser(() => preloadOsPipes());

/** Real pipes from a loaded addon; else Node's, telling `note` why (unless no addon was looked for). */
export function choosePipes(r: LoadedPipes, note: (why: string) => void): ProgramPipes {
  if ('native' in r) return new RealPipes(r.native);
  if (r.error !== null) note(r.error);
  return nodePipes;
}
