/**
 * What the service and its zygote (src/lmtp/zygote.ts) say to each other
 * over the zygote's IPC channel. Workers themselves speak worker-protocol.ts
 * over a channel of their own (frames.ts), never this one.
 */
export type ToZygote = ForkRequest | HandleTaken;
export type FromZygote = ZygoteReady | ZygoteUnavailable | Forked | ForkFailed | ChildExited;

/** Start a worker; `id` names the answer. */
export interface ForkRequest {
  readonly t: 'fork';
  readonly id: number;
}

/**
 * The service has the socket of `id`: the zygote's copy is closed by now
 * (Node closes a sent handle when the receiver acknowledges it, and that
 * acknowledgement travels ahead of this message), so the next child forked
 * cannot inherit it. A child holding another worker's socket would keep
 * that worker's channel open after the worker died.
 */
export interface HandleTaken {
  readonly t: 'took';
  readonly id: number;
}

/** Loaded and able to fork. */
export interface ZygoteReady {
  readonly t: 'zygote-ready';
}

/** No fork here (no addon, or one built without it): the zygote exits after saying why. */
export interface ZygoteUnavailable {
  readonly t: 'zygote-unavailable';
  readonly error: string;
}

/** Sent with the service's end of the worker's socket as the handle. */
export interface Forked {
  readonly t: 'forked';
  readonly id: number;
  readonly pid: number;
}

export interface ForkFailed {
  readonly t: 'fork-failed';
  readonly id: number;
  readonly error: string;
}

/** A child was reaped: its status, for the service's log. */
export interface ChildExited {
  readonly t: 'exited';
  readonly pid: number;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}
