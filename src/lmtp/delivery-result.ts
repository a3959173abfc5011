/**
 * How one recipient's delivery ended, as the worker pool reports it: the
 * delivery agent's exit status and what it did, or the reason it never
 * finished.
 */
export type DeliveryResult = FinishedDelivery | FailedDelivery;

export interface FinishedDelivery {
  readonly kind: 'finished';
  /** `mailrules -t -d USER`'s exit status (sysexits). */
  readonly code: number;
  /** The engine's outcome (src/eval/outcome.ts), when processing got that far. */
  readonly disposition: string | null;
  /** An @reject's text. */
  readonly rejectText: string | null;
  /** The recipe that stored the message, `file:line`, `DEFAULT` for the fall-back; null when nothing was stored. */
  readonly recipe: string | null;
  /** LASTFOLDER. */
  readonly folder: string | null;
  /** Of the delivery's time, how much was waiting for fsync(2) (the mailbox made durable). */
  readonly fsyncMs: number;
  /** What the delivery agent wrote to stderr (procmail's messages), line by line. */
  readonly log: readonly string[];
}

export interface FailedDelivery {
  readonly kind: 'failed';
  /** The worker died, was killed, overran --delivery-timeout, could not start, or the spool could not be read. */
  readonly why: 'crashed' | 'timeout' | 'start' | 'spool' | 'shutdown';
  readonly detail: string;
}
