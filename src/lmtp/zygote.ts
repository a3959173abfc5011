import type { FromZygote, ToZygote } from './zygote-protocol.js';

/**
 * The zygote: a root process that has loaded the worker bundle once (and
 * the addon, child_process, dgram: everything a worker preloads) and starts
 * each user's worker as a fork(2) of itself (native/zygote-fork.c), so the
 * workers share its code and heap pages copy-on-write and a start costs a
 * fork, not a Node start (docs/lmtp-zygote.md has the measurements).
 *
 * Forks are made one at a time: the next only once the service says it
 * holds the last child's socket (zygote-protocol.ts HandleTaken), so no
 * child inherits another worker's channel. The copy of this loop that runs
 * on in a child answers nothing more: messages the zygote had already read
 * are still queued in the child's JS (Node emits each on a later tick), and
 * acting on one would fork again.
 */
export interface ZygoteDeps {
  /** native/zygote-fork.c fork(): pid 0 in the child, which gets `self` (its pid) and `fd` (its socket). */
  fork(): { pid: number; fd: number; self?: number };
  /** native/zygote-fork.c reap(): [pid, exit code or -1, signal number or 0] of each child that has exited. */
  reap(): Array<[number, number, number]>;
  /** To the service; `fd` is sent as a socket handle (and closed here once the service has it). */
  send(message: FromZygote, fd?: number): void;
  /** In the child: stop being the zygote and become a worker on this socket. */
  becomeWorker(pid: number, fd: number): void;
  signalName(n: number): NodeJS.Signals | null;
}

export class ZygoteLoop {
  private readonly queue: number[] = [];
  /** The fork whose socket the service has not yet confirmed. */
  private waiting: number | null = null;
  /** This copy is a child now. */
  private forked = false;

  constructor(private readonly deps: ZygoteDeps) {}

  handle(message: ToZygote): void {
    if (this.forked) return;
    if (message.t === 'fork') this.queue.push(message.id);
    else if (message.t === 'took' && message.id === this.waiting) this.waiting = null;
    this.pump();
  }

  /** SIGCHLD: every exited child is reaped (no zombies) and its status reported. */
  reaped(): void {
    if (this.forked) return;
    for (const [pid, code, signal] of this.deps.reap()) {
      this.deps.send({ t: 'exited', pid, code: code < 0 ? null : code, signal: signal === 0 ? null : this.deps.signalName(signal) });
    }
  }

  private pump(): void {
    while (!this.forked && this.waiting === null && this.queue.length > 0) {
      const id = this.queue.shift()!;
      let r: { pid: number; fd: number; self?: number };
      try {
        r = this.deps.fork();
      } catch (e) {
        this.deps.send({ t: 'fork-failed', id, error: e instanceof Error ? e.message : String(e) });
        continue;
      }
      if (r.pid === 0) {
        this.forked = true;
        this.queue.length = 0;
        this.deps.becomeWorker(r.self ?? 0, r.fd);
        return;
      }
      this.waiting = id;
      this.deps.send({ t: 'forked', id, pid: r.pid }, r.fd);
    }
  }
}
