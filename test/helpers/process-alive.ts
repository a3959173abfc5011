import * as fs from 'node:fs';

/** Whether a process is still there; a zombie that nobody reaps (no init in a container) counts as gone. */
export function processAlive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'latin1'));
  } catch {
    return false;
  }
}
