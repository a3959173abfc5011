import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { readFrames, writeFrame } from './frames.js';
import type { WorkerChild } from './worker-pool.js';
import type { ToWorker } from './worker-protocol.js';

/**
 * A worker the zygote started (src/lmtp/zygote.ts), as the pool sees any
 * worker (WorkerChild): messages go over its socket as frames (frames.ts).
 * The pool has it at once; its pid and socket come when the zygote has
 * forked, and what is sent before is held until then. The socket closing
 * is the worker gone: 'exit' follows with the status the zygote reaped,
 * or without one when the zygote is gone or does not say in time.
 */
export interface SocketWorkerOptions {
  readonly maxFrameBytes: number;
  /** How long 'exit' waits, after the socket closed, for the reaped status. */
  readonly exitStatusMs: number;
  kill(pid: number, signal: NodeJS.Signals): boolean;
}

type Status = { code: number | null; signal: NodeJS.Signals | null };

export class SocketWorker extends EventEmitter implements WorkerChild {
  pid: number | undefined = undefined;
  private socket: Duplex | null = null;
  private readonly held: Array<[ToWorker, (e: Error | null) => void]> = [];
  /** A kill asked for before the pid was known. */
  private signal: NodeJS.Signals | null = null;
  private gone = false;
  private status: Status | null = null;
  private orphan = false;
  private exited = false;
  private wait: NodeJS.Timeout | null = null;

  constructor(private readonly o: SocketWorkerOptions) {
    super();
  }

  /** The zygote forked it: its pid and the service's end of its socket. */
  attach(socket: Duplex, pid: number): void {
    this.pid = pid;
    this.socket = socket;
    readFrames(socket, this.o.maxFrameBytes, {
      message: (m) => this.emit('message', m),
      invalid: (why) => this.emit('error', new Error(`unreadable channel: ${why}`)),
    });
    // A reset or broken pipe is the worker gone, which 'close' reports.
    socket.on('error', () => undefined);
    socket.on('close', () => this.closed());
    for (const [m, done] of this.held.splice(0)) writeFrame(socket, m, done);
    if (this.signal !== null) this.kill(this.signal);
  }

  /** It was never started (the zygote could not fork, or died first, or it was killed before). */
  failed(why: string): void {
    if (this.gone || this.exited) return;
    this.gone = true;
    this.emit('error', new Error(why));
    for (const [, done] of this.held.splice(0)) done(new Error(why));
    this.finish();
  }

  /** The zygote reaped it. */
  reaped(status: Status): void {
    this.status = status;
    if (this.gone) this.finish();
  }

  /** The zygote is gone: no status will come. */
  orphaned(): void {
    this.orphan = true;
    if (this.gone) this.finish();
  }

  send(message: ToWorker, done: (error: Error | null) => void): boolean {
    if (this.gone) {
      setImmediate(() => done(new Error('worker gone')));
      return false;
    }
    if (this.socket === null) this.held.push([message, done]);
    else writeFrame(this.socket, message, done);
    return true;
  }

  kill(signal: NodeJS.Signals): boolean {
    if (this.pid === undefined) {
      // Delivered once the pid is known. SIGKILL (a start that timed out) ends it for the pool now: a
      // zygote that does not answer must not keep the user's mail waiting on it.
      this.signal = signal;
      if (signal === 'SIGKILL') this.failed('killed before the zygote started it');
      return true;
    }
    return this.o.kill(this.pid, signal);
  }

  private closed(): void {
    this.gone = true;
    if (this.status !== null || this.orphan) return this.finish();
    this.wait = setTimeout(() => this.finish(), this.o.exitStatusMs);
    this.wait.unref();
  }

  private finish(): void {
    if (this.exited) return;
    this.exited = true;
    if (this.wait !== null) clearTimeout(this.wait);
    this.emit('exit', this.status?.code ?? null, this.status?.signal ?? null);
  }
}
