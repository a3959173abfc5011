// A real SIGTERM, SIGINT or SIGHUP sent to the built delivery agent while a
// slow filter runs (as an MTA's time limit would send it): the agent stops,
// ends the filter's whole process group, logs `Terminating prematurely` and
// exits 75 (procmail: 75 on SIGTERM, 73 on SIGINT/SIGHUP, and the filter is
// left running). test/differential cases 500-503 compare with procmail.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHILD_ENV, ldaBundle } from './lda';
import { processGone } from '../helpers/process-alive';

const MSG = 'From: a@example.org\nSubject: slow\n\nbody\n';

async function deliverAndSignal(signal: NodeJS.Signals): Promise<{ code: number | null; dir: string; filterPid: number }> {
  const dir = fs.mkdtempSync('/tmp/mailrules-signal-');
  fs.writeFileSync(
    path.join(dir, 'rc'),
    [`MAILDIR=${dir}`, `LOGFILE=${dir}/log`, ':0 c', 'copy.mbox', ':0 fw', '| echo $$ > filter.pid; sleep 100; cat', ':0', 'final.mbox', ''].join('\n'),
  );
  const child = spawn(process.execPath, [ldaBundle(), '-m', path.join(dir, 'rc')], { env: CHILD_ENV, stdio: ['pipe', 'ignore', 'ignore'] });
  child.stdin.end(MSG);
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const pidFile = path.join(dir, 'filter.pid');
  while (!(fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'latin1').endsWith('\n'))) await new Promise((r) => setTimeout(r, 10));
  child.kill(signal);
  return { code: await closed, dir, filterPid: Number(fs.readFileSync(pidFile, 'latin1')) };
}

describe('signals to the built delivery agent', () => {
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    it(`${signal} during a slow filter: the filter's group ends, "Terminating prematurely", 75; the finished copy stays`, async () => {
      const { code, dir, filterPid } = await deliverAndSignal(signal);
      expect(code).toBe(75);
      expect(fs.readFileSync(path.join(dir, 'log'), 'latin1')).toMatch(/^procmail: Terminating prematurely\n {2}Folder: \*\*Requeued\*\*\t+ *\d+\n$/);
      expect(fs.readFileSync(path.join(dir, 'copy.mbox'), 'latin1')).toBe(`${MSG}\n`);
      expect(fs.existsSync(path.join(dir, 'final.mbox'))).toBe(false);
      expect(await processGone(filterPid)).toBe(true);
      fs.rmSync(dir, { recursive: true, force: true });
    });
  }
});
