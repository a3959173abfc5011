import * as net from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { UserEntry } from '../../src/deliver/userdb.js';
import { LMTP_FRAME_MAX_BYTES } from '../../src/limits.js';
import { readFrames, writeFrame } from '../../src/lmtp/frames.js';
import { WorkerLoop } from '../../src/lmtp/worker.js';
import type { ToWorker } from '../../src/lmtp/worker-protocol.js';
import { driveWarmUp } from '../../src/lmtp/zygote-warm-up-driver.js';
import { warmUpMessage } from '../../src/lmtp/zygote-warm-up.js';
import { tempDir } from '../deliver/helpers.js';

/**
 * The zygote's warm-up drives the ordinary worker loop over a real socket
 * (src/cli/lmtp-worker-entry.ts): here the same loop, with a delivery that
 * only records what it was given, on one end of a Unix socket.
 */
const USER: UserEntry = { name: 'mailrules-zygote', uid: 0, gid: 0, dir: '/nonexistent', shell: '/bin/sh' };
const open: net.Socket[] = [];
const servers: net.Server[] = [];

afterEach(() => {
  for (const s of open.splice(0)) s.destroy();
  for (const s of servers.splice(0)) s.close();
});

async function socketPair(): Promise<[net.Socket, net.Socket]> {
  const path = join(tempDir(), 's');
  const server = net.createServer();
  servers.push(server);
  const served = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  await new Promise<void>((resolve) => server.listen(path, resolve));
  const client = net.connect(path);
  const other = await served;
  open.push(client, other);
  return [client, other];
}

/** A worker loop on `socket` whose deliveries record their argv and message; `initFails` makes its user switch throw. */
function loopOn(socket: net.Socket, initFails = false): { messages: string[]; argvs: string[][] } {
  const messages: string[] = [];
  const argvs: string[][] = [];
  const loop = new WorkerLoop({
    send: (m) => writeFrame(socket, m, () => undefined),
    preload: () => undefined,
    becomeUser: () => {
      if (initFails) throw new Error('no such user');
    },
    ids: () => ({ uid: 0, gid: 0 }),
    deliver: async (argv, message) => {
      argvs.push([...argv]);
      messages.push(message.toString('latin1'));
      return 0;
    },
    fsyncMs: () => 0,
    pid: 1,
    exit: () => undefined,
  });
  readFrames(socket, LMTP_FRAME_MAX_BYTES, { message: (m) => loop.handle(m as ToWorker), invalid: () => undefined });
  return { messages, argvs };
}

const drive = { user: USER, argv: ['-t', '-d', 'mailrules-zygote'], message: warmUpMessage, splitEvery: 3, maxFrameBytes: LMTP_FRAME_MAX_BYTES };

describe('the zygote warm-up driver', () => {
  it('makes every delivery through the worker loop, each message whole, some of them sent in two chunks', async () => {
    const [driver, worker] = await socketPair();
    const seen = loopOn(worker);
    const chunks: string[] = [];
    readFrames(worker, LMTP_FRAME_MAX_BYTES, { message: (m) => chunks.push((m as ToWorker).t), invalid: () => undefined });
    await expect(driveWarmUp(driver, { ...drive, count: 7 })).resolves.toBe(7);
    expect(seen.messages).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => warmUpMessage(i).toString('latin1')));
    expect(seen.argvs.every((a) => a.join(' ') === '-t -d mailrules-zygote')).toBe(true);
    // init, then deliver+more for 0, 3 and 6, deliver alone for the rest.
    expect(chunks).toEqual(['init', 'deliver', 'more', 'deliver', 'deliver', 'deliver', 'more', 'deliver', 'deliver', 'deliver', 'more']);
  });

  it('fails when the loop refuses init, and when the socket closes before every delivery is answered', async () => {
    const [driver, worker] = await socketPair();
    loopOn(worker, true);
    await expect(driveWarmUp(driver, { ...drive, count: 3 })).rejects.toThrow(/warm-up worker: no such user/);

    const [driver2, worker2] = await socketPair();
    worker2.destroy();
    await expect(driveWarmUp(driver2, { ...drive, count: 3 })).rejects.toThrow(/closed after 0 of 3|EPIPE|ECONNRESET/);
  });
});
