import * as fs from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Command } from '../../src/eval/requests.js';
import type { SpawnFn } from '../../src/deliver/seams.js';
import { DeliveryLog } from '../../src/deliver/logfile.js';
import { runProgram, type ProgramSpec } from '../../src/deliver/program.js';
import type { Clock, DeliveryFs } from '../../src/deliver/seams.js';
import { StopSignal } from '../../src/deliver/stop-signal.js';
import { fullFeed, makeAnswerer, MSG, origin, realSpawn, Sink, tempDir, vars } from './helpers.js';
import { processAlive, processGone } from '../helpers/process-alive.js';
import { captureReq, conditionReq, direct, filterReq, forwardReq, pipeReq as request, quiet, sh, trapReq } from '../helpers/requests.js';

function pipeReq(command: Command, over: Parameters<typeof request>[2] = {}) {
  return request(command, MSG, over);
}

describe('pipes (docs/procmail-semantics.md §7.6)', () => {
  it('feeds the message plus the trailing newline, in MAILDIR, with the variables exported', async () => {
    const dir = tempDir();
    const { answerer } = makeAnswerer(dir);
    const a = await answerer.answer(pipeReq(sh('cat > out; echo "$FOO" > foo'), { env: vars({ FOO: 'bar' }) }));
    expect(a).toMatchObject({ kind: 'program', exitCode: 0, wroteAll: true, bytes: MSG.length + 1 });
    expect(fs.readFileSync(join(dir, 'out'), 'latin1')).toBe(`${MSG.toString('latin1')}\n`);
    expect(fs.readFileSync(join(dir, 'foo'), 'latin1')).toBe('bar\n');
  });

  it('reports the exit status; stdout is discarded and stderr goes to the log', async () => {
    const { answerer, stderr, stdout } = makeAnswerer(tempDir());
    const a = await answerer.answer(pipeReq(sh('cat >/dev/null; echo out; echo err >&2; exit 3'), { wait: 'w' }));
    expect(a.exitCode).toBe(3);
    expect(stdout.text).toBe('');
    expect(stderr.text).toBe('err\n');
  });

  it('child stderr goes straight into an open LOGFILE', async () => {
    const dir = tempDir();
    const { answerer } = makeAnswerer(dir);
    await answerer.answer({ kind: 'open-log', path: 'log', origin, log: quiet });
    await answerer.answer(pipeReq(sh('cat >/dev/null; echo oops >&2')));
    answerer.finish();
    expect(fs.readFileSync(join(dir, 'log'), 'latin1')).toBe('oops\n');
  });

  it('a program that exits without reading: write error, unless i', async () => {
    const big = Buffer.alloc(4 * 1024 * 1024, 0x61);
    const { answerer } = makeAnswerer(tempDir());
    const a = await answerer.answer(pipeReq(sh('exit 0'), { data: big }));
    expect(a).toMatchObject({ exitCode: 0, wroteAll: false });
  });

  it('direct exec falls back to /bin/sh like procmail (sh: cannot open)', async () => {
    const { answerer, stderr } = makeAnswerer(tempDir());
    const a = await answerer.answer(pipeReq(direct('nonexistentprog', 'arg'), { wait: 'w' }));
    expect(a.exitCode).not.toBe(0);
    expect(a.exitCode).not.toBeNull();
    expect(stderr.text).toMatch(/nonexistentprog/);
  });

  it('a program that cannot start at all: Failed to execute', async () => {
    const failing: SpawnFn = (cmd, args, opts) => realSpawn('/nonexistent/' + cmd, args, opts);
    const { answerer, stderr } = makeAnswerer(tempDir(), { spawn: failing });
    const a = await answerer.answer(pipeReq(direct('prog')));
    expect(a.exitCode).toBeNull();
    expect(stderr.text).toBe('procmail: Failed to execute "prog"\n');
  });

  it('TIMEOUT terminates the program', async () => {
    const { answerer, stderr } = makeAnswerer(tempDir());
    const a = await answerer.answer(pipeReq(direct('sleep', '5'), { timeoutSec: 1, wait: 'w' }));
    expect(a.exitCode).toBeNull();
    expect(stderr.text).toBe('procmail: Timeout, terminating "sleep"\n');
  });

  it('filters and captures return stdout; r feeds the data raw', async () => {
    const { answerer } = makeAnswerer(tempDir());
    const f = await answerer.answer(filterReq(sh('sed s/hi/HI/'), MSG));
    expect(f.output.toString('latin1')).toBe(`${MSG.toString('latin1').replace('hi', 'HI')}\n`);
    const c = await answerer.answer(captureReq(direct('wc', '-c'), Buffer.from('abc'), { feed: { ...fullFeed, raw: true } }));
    expect(c.output.toString().trim()).toBe('3');
  });

  it('? conditions get the newline rule and answer with the status', async () => {
    const { answerer } = makeAnswerer(tempDir());
    const r = await answerer.answer(conditionReq(sh('test "$(wc -c)" -eq 4'), Buffer.from('abc')));
    expect(r.exitCode).toBe(0);
  });

  it('forwards strip the From_ line and >From lines after it', async () => {
    const dir = tempDir();
    const fake = join(dir, 'sendmail');
    fs.writeFileSync(fake, `#!/bin/sh\n{ for a; do echo "[$a]"; done; cat; } > ${dir}/fwd.out\n`, { mode: 0o755 });
    const { answerer } = makeAnswerer(dir);
    const data = Buffer.from('From x  Sat Nov 21 08:17:54 2026\n>From y\nSubject: s\n\nb\n');
    const a = await answerer.answer(forwardReq([fake, '-oi', 'bob@example.org'], ['bob@example.org'], data));
    expect(a.exitCode).toBe(0);
    expect(fs.readFileSync(join(dir, 'fwd.out'), 'latin1')).toBe('[-oi]\n[bob@example.org]\nSubject: s\n\nb\n\n');
  });

  it('TRAP output goes to the log', async () => {
    const { answerer, stderr } = makeAnswerer(tempDir());
    await answerer.answer(trapReq(sh('echo trapped; cat >/dev/null'), MSG));
    expect(stderr.text).toBe('trapped\n');
  });

  it('a pipe with a local lockfile holds it while running', async () => {
    const dir = tempDir();
    const { answerer } = makeAnswerer(dir);
    await answerer.answer(pipeReq(sh('cat >/dev/null; ls p.lock > seen'), { lockfile: 'p.lock' }));
    expect(fs.readFileSync(join(dir, 'seen'), 'latin1')).toBe('p.lock\n');
    expect(fs.existsSync(join(dir, 'p.lock'))).toBe(false);
  });

  it('extension requests without the extension module fail safe', async () => {
    const { answerer } = makeAnswerer(tempDir());
    expect(await answerer.answer({ kind: 'lookup', file: 'x', addresses: ['a@b'], origin, log: quiet })).toMatchObject({ matched: null });
    expect(await answerer.answer({ kind: 'reply-cache', file: 'x', sender: 'a@b', days: 7, origin, log: quiet })).toMatchObject({ recent: true });
    const calls: string[] = [];
    const { answerer: withExt } = makeAnswerer(tempDir(), {
      ext: async () => ({
        lookup: (r) => (calls.push(r.file), { kind: 'lookup', matched: 'a@b', entry: 'a@b' }),
        send: () => ({ kind: 'ack', ok: true }),
        replyCache: () => ({ kind: 'reply-cache', recent: false }),
      }),
    });
    expect(await withExt.answer({ kind: 'lookup', file: 'list', addresses: ['a@b'], origin, log: quiet })).toMatchObject({ matched: 'a@b' });
    expect(calls).toEqual(['list']);
  });
});

/** A clock whose waits end only when the test says so: TIMEOUT passes at a step of the test, not after real time. */
class ManualClock implements Clock {
  private readonly waits: { ms: number; resolve: () => void }[] = [];
  now(): number {
    return 0;
  }
  sleep(ms: number, cancel?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      this.waits.push({ ms, resolve });
      cancel?.addEventListener('abort', () => resolve(), { once: true });
    });
  }
  /** Ends every wait of `ms`. */
  pass(ms: number): void {
    for (const w of this.waits.filter((w) => w.ms === ms)) w.resolve();
  }
}

async function pidIn(file: string): Promise<number> {
  while (!fs.existsSync(file) || fs.readFileSync(file, 'latin1').trim() === '') await new Promise((r) => setTimeout(r, 5));
  return Number(fs.readFileSync(file, 'latin1'));
}

describe('a program runs in its own process group, ended whole', () => {
  // `(sleep 30 &)` keeps the filter's stdout open: ending only the shell would hold the delivery for 30 s.
  const script = '(sleep 30 & echo $! > bg); echo $$ > fg; sleep 100';
  function spec(dir: string, timeoutSec: number): ProgramSpec {
    return { argv: ['/bin/sh', '-c', script], display: script, retryWithSh: false, env: { PATH: '/usr/bin:/bin' }, cwd: dir, input: Buffer.from('x\n'), stdout: 'capture', timeoutSec };
  }

  it('TIMEOUT ends the program and what it left running in the background', async () => {
    const dir = tempDir();
    const clock = new ManualClock();
    const stderr = new Sink();
    const running = runProgram({ spawn: realSpawn, log: new DeliveryLog(fs as unknown as DeliveryFs, stderr), clock }, spec(dir, 7));
    const [bg, fg] = [await pidIn(join(dir, 'bg')), await pidIn(join(dir, 'fg'))];
    expect(processAlive(bg) && processAlive(fg)).toBe(true);
    clock.pass(7000);
    const r = await running;
    expect(r).toMatchObject({ timedOut: true, exitCode: null, signal: 15 });
    expect(stderr.text).toBe(`procmail: Timeout, terminating "${script}"\n`);
    expect(await processGone(bg)).toBe(true);
    expect(await processGone(fg)).toBe(true);
  });

  it('a stop ends the group at once, with no Timeout line; and no program starts after it', async () => {
    const dir = tempDir();
    const stop = new StopSignal();
    const stderr = new Sink();
    const env = { spawn: realSpawn, log: new DeliveryLog(fs as unknown as DeliveryFs, stderr), clock: new ManualClock(), stop };
    const running = runProgram(env, spec(dir, 7));
    const bg = await pidIn(join(dir, 'bg'));
    stop.request('SIGTERM');
    expect(await running).toMatchObject({ timedOut: false, exitCode: null });
    expect(await processGone(bg)).toBe(true);
    expect(stderr.text).toBe('');
    let spawned = false;
    const after = await runProgram({ ...env, spawn: (c, a, o) => ((spawned = true), realSpawn(c, a, o)) }, spec(dir, 7));
    expect(spawned).toBe(false);
    expect(after.exitCode).toBeNull();
  });
});
