// SIGTERM, SIGINT and SIGHUP through the delivery agent's seams (the stop
// is requested where the signal would arrive; test/differential cases 500-502
// and test/e2e/signals.test.ts send real ones to the built agent).
import * as fs from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deliverFromCommandLine } from '../../src/deliver/command-line.js';
import type { SpawnFn } from '../../src/deliver/seams.js';
import { StopSignal } from '../../src/deliver/stop-signal.js';
import { faultyFs, realSpawn, Sink, tempDir } from '../deliver/helpers.js';
import { testLdaIo } from '../helpers/lda-io.js';
import { processGone } from '../helpers/process-alive.js';

const MSG = 'From: a@b\nSubject: hi\n\nbody\n';

function setup(rc: string[]) {
  const home = tempDir();
  fs.writeFileSync(join(home, 'rc'), ['MAILDIR=$HOME', 'DEFAULT=$HOME/default.mbox', 'LOGFILE=$HOME/log', ...rc, ''].join('\n'));
  const stop = new StopSignal();
  const stderr = new Sink();
  const read = (name: string) => (fs.existsSync(join(home, name)) ? fs.readFileSync(join(home, name), 'latin1') : null);
  return { home, stop, stderr, read, io: (over = {}) => testLdaIo(home, MSG, { env: { PATH: '/usr/bin:/bin', HOME: home }, stop, stderr, ...over }) };
}

/** spawn that requests the stop once a program whose command line contains `marker` has started (and written `ready`, if named). */
function signalOnSpawn(stop: StopSignal, marker: string, signal = 'SIGTERM', ready?: string): SpawnFn {
  return (cmd, args, opts) => {
    const child = realSpawn(cmd, args, opts);
    if (![cmd, ...args].join(' ').includes(marker)) return child;
    child.on('spawn', async () => {
      while (ready !== undefined && !(fs.existsSync(ready) && fs.readFileSync(ready, 'latin1').endsWith('\n'))) await new Promise((r) => setTimeout(r, 5));
      stop.request(signal);
    });
    return child;
  };
}

describe('a signal while a program runs', () => {
  it('ends the program\'s process group, logs "Terminating prematurely", requeues (75); a finished copy stays whole', async () => {
    const t = setup([':0 c', 'copy.mbox', ':0 w', '| echo $$ > pid; sleep 100', 'TRAP="touch trapped"']);
    const code = await deliverFromCommandLine([join(t.home, 'rc')], t.io({ spawn: signalOnSpawn(t.stop, 'sleep 100', 'SIGTERM', join(t.home, 'pid')) }));
    expect(code).toBe(75);
    expect(t.read('log')).toMatch(/procmail: Terminating prematurely\n {2}Folder: \*\*Requeued\*\*\t+ +\d+\n$/);
    expect(t.read('copy.mbox')).toBe(`${MSG}\n`);
    expect(t.read('default.mbox')).toBeNull();
    expect(t.read('trapped')).toBeNull();
    const pid = Number(t.read('pid'));
    expect(pid).toBeGreaterThan(0);
    expect(await processGone(pid)).toBe(true);
  });

  it('SIGINT and SIGHUP requeue too (procmail exits 73 on those, which Postfix bounces)', async () => {
    for (const signal of ['SIGINT', 'SIGHUP']) {
      const t = setup([':0 w', '| sleep 100']);
      expect(await deliverFromCommandLine(['-t', join(t.home, 'rc')], t.io({ spawn: signalOnSpawn(t.stop, 'sleep 100', signal) }))).toBe(75);
      expect(await deliverFromCommandLine([join(t.home, 'rc')], testLdaIo(t.home, MSG, { stop: t.stop }))).toBe(75);
    }
  });

  it('a signal after the message was stored: exit 0, the message whole where it is, no TRAP', async () => {
    const t = setup(['TRAP="sleep 100; touch trapped"', ':0', 'inbox.mbox']);
    expect(await deliverFromCommandLine([join(t.home, 'rc')], t.io({ spawn: signalOnSpawn(t.stop, 'sleep 100') }))).toBe(0);
    expect(t.read('inbox.mbox')).toBe(`${MSG}\n`);
    expect(t.read('trapped')).toBeNull();
    expect(t.read('log')).not.toContain('Terminating prematurely');
  });

  it('a signal before anything was done: nothing is written, 75', async () => {
    const t = setup([':0', 'inbox.mbox']);
    t.stop.request('SIGTERM');
    expect(await deliverFromCommandLine([join(t.home, 'rc')], t.io())).toBe(75);
    expect(t.read('inbox.mbox')).toBeNull();
    expect(t.read('default.mbox')).toBeNull();
  });
});

describe('a signal half-way through the fall-back write', () => {
  it('DEFAULT is truncated back, ORGMAIL is not tried, 75', async () => {
    const t = setup(['ORGMAIL=$HOME/orgmail', ':0', '* nothing matches this', 'x']);
    const before = 'From x  Sat Nov 21 07:35:16 2026\n\nold\n\n';
    fs.writeFileSync(join(t.home, 'default.mbox'), before);
    let chunks = 0;
    const io = t.io({
      fs: faultyFs({
        writeSync: (fd, buf, off = 0, len = buf.length - off) => {
          const n = fs.writeSync(fd, buf, off, Math.min(len, 8));
          if (++chunks === 1) t.stop.request('SIGTERM');
          return n;
        },
      }),
    });
    expect(await deliverFromCommandLine(['-f', 'a@b', join(t.home, 'rc')], io)).toBe(75);
    expect(t.read('default.mbox')).toBe(before);
    expect(t.read('orgmail')).toBeNull();
    expect(t.read('log')).toContain('procmail: Terminating prematurely\n');
  });
});
