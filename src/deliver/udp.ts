import type { DatagramSend } from './seams.js';

/**
 * The real comsat sender: one UDP datagram, socket closed afterwards.
 * node:dgram is loaded only when a notification is actually sent (start-up
 * cost, node-stack.md §2). Errors (nobody listening, no route) are ignored,
 * as procmail ignores sendto()'s result.
 */
export const udpSend: DatagramSend = async (message, port, host) => {
  const dgram = await import('node:dgram');
  await new Promise<void>((resolve) => {
    const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    socket.on('error', () => {
      socket.close();
      resolve();
    });
    socket.send(message, port, host, () => {
      socket.close();
      resolve();
    });
  });
};
