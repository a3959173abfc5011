import type { ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import type { UserEntry } from '../deliver/userdb.js';
import { SocketWorker, type SocketWorkerOptions } from './socket-worker.js';
import type { ForkWorker, WorkerChild } from './worker-pool.js';
import type { FromZygote, ToZygote } from './zygote-protocol.js';

/**
 * The service's side of the zygote (src/lmtp/zygote.ts): it starts the
 * zygote, asks it for each user's worker, and gives the pool SocketWorkers.
 * While no zygote is ready (starting, restarting after it died, or
 * unavailable because the addon is missing) workers are started the plain
 * way, `fallback`; that is said once in the log. A zygote that dies is
 * started again, at most once per `restartMs`. Its workers live on: each
 * has its own socket to the service.
 */
export interface ZygoteStartOptions {
  /** Forks the zygote (fork-worker.ts forkBundle with the zygote argument). */
  spawn(): ChildProcess;
  readonly fallback: ForkWorker;
  readonly worker: SocketWorkerOptions;
  readonly restartMs: number;
  now(): number;
  log(line: string): void;
}

export interface ZygoteStarter {
  readonly fork: ForkWorker;
  /** Whether the next worker would be forked by the zygote. */
  readonly ready: boolean;
  /** The zygote's pid, while there is one. */
  readonly pid: number | undefined;
  /** Stops the zygote (the workers it started are the pool's to stop). */
  close(): void;
}

export function zygoteStarter(o: ZygoteStartOptions): ZygoteStarter {
  let zygote: ChildProcess | null = null;
  let ready = false;
  let unavailable = false;
  let closed = false;
  let lastStart = -Infinity;
  let nextId = 1;
  /** Asked for, not yet forked. */
  const pending = new Map<number, SocketWorker>();
  /** Forked, not yet reaped. */
  const live = new Map<number, SocketWorker>();

  const start = (): void => {
    if (zygote !== null || unavailable || closed || o.now() - lastStart < o.restartMs) return;
    lastStart = o.now();
    const z = o.spawn();
    zygote = z;
    z.on('message', (m: FromZygote, handle: unknown) => onMessage(z, m, handle));
    z.on('error', (e) => o.log(`zygote ${z.pid ?? '?'}: ${e.message}`));
    z.on('exit', (code, signal) => {
      zygote = null;
      ready = false;
      if (!unavailable && !closed) o.log(`zygote ${z.pid ?? '?'} exited (${signal !== null ? `signal ${signal}` : `exit code ${code}`}); workers are started by fork until another is ready`);
      for (const w of pending.values()) w.failed('the zygote exited before it started the worker');
      pending.clear();
      for (const w of live.values()) w.orphaned();
      live.clear();
    });
  };

  const onMessage = (z: ChildProcess, m: FromZygote, handle: unknown): void => {
    switch (m.t) {
      case 'zygote-ready':
        ready = true;
        o.log(`zygote ${z.pid ?? '?'} ready: workers are started by forking it`);
        return;
      case 'zygote-unavailable':
        unavailable = true;
        o.log(`no zygote (${m.error}): workers are started by fork`);
        return;
      case 'forked': {
        send(z, { t: 'took', id: m.id });
        const w = pending.get(m.id);
        pending.delete(m.id);
        const socket = handle as Socket | undefined;
        if (w === undefined || socket === undefined) {
          // No one waits for it, or it cannot be reached (only a bug gets here): it must not live on unseen.
          socket?.destroy();
          o.worker.kill(m.pid, 'SIGKILL');
          if (w !== undefined) w.failed('the zygote sent no socket');
          return;
        }
        live.set(m.pid, w);
        w.attach(socket, m.pid);
        return;
      }
      case 'fork-failed': {
        const w = pending.get(m.id);
        pending.delete(m.id);
        w?.failed(`the zygote could not fork: ${m.error}`);
        return;
      }
      case 'exited': {
        const w = live.get(m.pid);
        live.delete(m.pid);
        w?.reaped({ code: m.code, signal: m.signal });
        return;
      }
    }
  };

  const send = (z: ChildProcess, m: ToZygote): boolean => {
    try {
      return z.connected && z.send(m);
    } catch {
      return false;
    }
  };

  const fork = (user: UserEntry): WorkerChild => {
    start();
    if (!ready || zygote === null) return o.fallback(user);
    const id = nextId++;
    const w = new SocketWorker(o.worker);
    if (!send(zygote, { t: 'fork', id })) return o.fallback(user);
    pending.set(id, w);
    return w;
  };

  start();
  return {
    fork,
    get ready() {
      return ready && zygote !== null;
    },
    get pid() {
      return zygote?.pid;
    },
    close: () => {
      closed = true;
      if (zygote?.connected) zygote.disconnect();
    },
  };
}
