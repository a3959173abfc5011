/**
 * How a message's processing ended. The exit code is what the delivery
 * agent returns to the MTA (docs/procmail-semantics.md §6.3, §6.4).
 */
export interface Outcome {
  readonly exitCode: number;
  /** 'delivered': stored, forwarded, piped or discarded; 'bounced'/'requeued': nothing could be delivered;
   *  'host-mismatch': HOST differed and no rcfile was left (procmail exits 0 delivering nothing);
   *  'rejected': an @reject; 'exitcode': EXITCODE decided. */
  readonly disposition: 'delivered' | 'bounced' | 'requeued' | 'host-mismatch' | 'rejected' | 'exitcode';
  /** LASTFOLDER at the end, or null. */
  readonly lastFolder: string | null;
  /** Text for stderr (an @reject's message), if any. */
  readonly stderr: string | null;
  /**
   * DELIVERED was assigned a true value (docs/procmail-semantics.md §5.2): procmail would
   * have told the MTA "delivered" at that point. exitCode is then 0 when the
   * message was delivered, and the real failure (not procmail's 0) when it
   * was not, so the message is never lost.
   */
  readonly deliveredEarly?: boolean;
}
