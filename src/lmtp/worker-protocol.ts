import type { UserEntry } from '../deliver/userdb.js';
import type { FinishedDelivery } from './delivery-result.js';

/**
 * What the service and a user's worker process say to each other over the
 * worker's IPC channel (child_process `serialization: 'advanced'`, so
 * message bytes travel as Uint8Array, not JSON text). The worker never
 * opens the spool: it is sent the message, chunk by chunk.
 */
export type ToWorker = InitWorker | DeliverMessage | MoreMessage | StopWorker;
export type FromWorker = WorkerReady | WorkerInitFailed | DeliveryDone;

/** First message: who to become. */
export interface InitWorker {
  readonly t: 'init';
  readonly user: UserEntry;
  /** Supplementary groups to take (initgroups(3)'s list, the spool's group never added). */
  readonly groups: readonly number[];
}

/** One recipient's delivery: `mailrules` argv, and the message's first chunk. */
export interface DeliverMessage {
  readonly t: 'deliver';
  readonly id: number;
  readonly argv: readonly string[];
  readonly size: number;
  readonly data: Uint8Array;
  /** No more chunks follow. */
  readonly last: boolean;
}

export interface MoreMessage {
  readonly t: 'more';
  readonly id: number;
  readonly data: Uint8Array;
  readonly last: boolean;
}

/** Finish what is running, then exit. */
export interface StopWorker {
  readonly t: 'stop';
}

/** The worker has become its user and waits for deliveries. */
export interface WorkerReady {
  readonly t: 'ready';
  readonly uid: number;
  readonly gid: number;
}

export interface WorkerInitFailed {
  readonly t: 'init-failed';
  readonly error: string;
}

export interface DeliveryDone {
  readonly t: 'done';
  readonly id: number;
  readonly result: FinishedDelivery;
}
