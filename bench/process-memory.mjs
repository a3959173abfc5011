// One process's memory, for the benchmarks of long-lived processes (LMTP).
import * as fs from 'node:fs';

/**
 * RSS, PSS (shared pages divided among their sharers) and USS (Private_Clean
 * + Private_Dirty: what its exit would free) of process `pid` in MB, from
 * /proc/PID/smaps_rollup; null when it is gone.
 */
export function processMemory(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'latin1');
    const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)?.[1] ?? 0);
    return { rss: kb('Rss') / 1024, pss: kb('Pss') / 1024, uss: (kb('Private_Clean') + kb('Private_Dirty')) / 1024 };
  } catch {
    return null;
  }
}
