import type { Duplex } from 'node:stream';
import type { UserEntry } from '../deliver/userdb.js';
import { readFrames, writeFrame } from './frames.js';
import type { FromWorker, ToWorker } from './worker-protocol.js';

/**
 * The service's half of the zygote's warm-up (src/lmtp/zygote.ts): the
 * zygote runs the ordinary worker loop (src/lmtp/worker.ts) on one end of a
 * socket and this drives it from the other, as the service's pool drives a
 * worker (init, then deliver and more frames, each answered by done), so
 * that what a worker's first deliveries compile and leave behind (the
 * frames read and written, the socket's stream state, the loop's own code)
 * is the zygote's, shared by every child, and not made again in each
 * (docs/lmtp-zygote.md, "Memory of a worker").
 *
 * Every `splitEvery`-th message goes in two chunks (deliver, then more), as
 * a message bigger than a spool chunk does. Resolves once every delivery
 * is answered; rejects when the loop refuses init or the socket closes or
 * carries something unreadable first. Delivery outcomes are not judged: a
 * failed warm-up costs only the sharing it would have bought.
 */
export interface WarmUpDrive {
  readonly user: UserEntry;
  readonly argv: readonly string[];
  readonly count: number;
  message(i: number): Buffer;
  readonly splitEvery: number;
  readonly maxFrameBytes: number;
}

export function driveWarmUp(socket: Duplex, o: WarmUpDrive): Promise<number> {
  return new Promise((resolve, reject) => {
    let answered = 0;
    let settled = false;
    const settle = (e: Error | null): void => {
      if (settled) return;
      settled = true;
      if (e === null) resolve(answered);
      else reject(e);
    };
    const send = (m: ToWorker): void => writeFrame(socket, m, (e) => e !== null && settle(e));
    const deliver = (i: number): void => {
      const data = o.message(i);
      const id = i + 1;
      if (o.splitEvery > 0 && i % o.splitEvery === 0 && data.length > 1) {
        const half = data.length >> 1;
        send({ t: 'deliver', id, argv: o.argv, size: data.length, data: data.subarray(0, half), last: false });
        send({ t: 'more', id, data: data.subarray(half), last: true });
      } else send({ t: 'deliver', id, argv: o.argv, size: data.length, data, last: true });
    };
    readFrames(socket, o.maxFrameBytes, {
      message: (value) => {
        const m = value as FromWorker;
        if (m.t === 'init-failed') return settle(new Error(`warm-up worker: ${m.error}`));
        if (m.t === 'done') answered++;
        if (answered === o.count) return settle(null);
        deliver(answered);
      },
      invalid: (why) => settle(new Error(`warm-up channel: ${why}`)),
    });
    socket.on('error', (e) => settle(e));
    socket.on('close', () => settle(new Error(`warm-up channel closed after ${answered} of ${o.count} deliveries`)));
    if (o.count === 0) return settle(null);
    send({ t: 'init', user: o.user, groups: [o.user.gid] });
  });
}
