/**
 * How a message's processing ended. The exit code is what the delivery
 * agent returns to the MTA (procmail.md §6.3, §6.4).
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
}
