import type * as Dgram from 'node:dgram';
import type { DatagramSend } from './seams.js';

/**
 * require() in the CommonJS bundle: its body runs from a code cache in a
 * vm.Script, where a dynamic import() has no loader and fails. ESM (tests)
 * has no require and uses import().
 */
async function loadDgram(): Promise<typeof Dgram> {
  if (typeof require === 'function') return require('node:dgram') as typeof Dgram;
  return import('node:dgram');
}

/**
 * The real comsat sender: one UDP datagram, socket closed afterwards.
 * node:dgram is loaded only when a notification is actually sent (start-up
 * cost, docs/node-runtime.md §2). Errors (nobody listening, no route) are ignored,
 * as procmail ignores sendto()'s result.
 */
export const udpSend: DatagramSend = async (message, port, host) => {
  const dgram = await loadDgram();
  await new Promise<void>((resolve) => {
    const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    let open = true;
    const done = () => {
      if (open) {
        open = false;
        socket.close();
      }
      resolve();
    };
    socket.on('error', done);
    socket.send(message, port, host, done);
  });
};
