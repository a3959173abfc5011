import * as fs from 'node:fs';
import { pollUntil } from './poll.js';

/** Whether a process is still there; a zombie that nobody reaps (no init in a container) counts as gone. */
export function processAlive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'latin1'));
  } catch {
    return false;
  }
}

/** Looks this many times, 10 ms apart, for a signalled process to be gone: a bound on steps, not a deadline. */
export const PROCESS_GONE_POLLS = 200;

/**
 * Whether a process that was sent a signal has ended. kill(2) only makes
 * the signal pending: the process dies when it next runs, which on a busy
 * machine can be after the sender has gone on (the test that checked at
 * once failed in CI with the background `sleep` still there).
 */
export function processGone(pid: number): Promise<boolean> {
  return pollUntil(() => !processAlive(pid), PROCESS_GONE_POLLS, 10);
}
