import type * as Dgram from 'node:dgram';
import type { DatagramSend } from '../deliver/seams.js';

/**
 * The comsat datagram (biff) from a long-lived worker: one UDP socket per
 * address family, kept open and unreferenced, instead of a socket made and
 * closed for every message as a one-shot delivery agent does. Errors are
 * ignored, as procmail ignores sendto()'s result; a socket that failed is
 * made again next time.
 */
export function keptSocketSend(dgram: typeof Dgram): DatagramSend {
  const sockets = new Map<'udp4' | 'udp6', Dgram.Socket>();
  return (message, port, host) =>
    new Promise<void>((resolve) => {
      const type = host.includes(':') ? 'udp6' : 'udp4';
      let socket = sockets.get(type);
      if (socket === undefined) {
        socket = dgram.createSocket(type);
        socket.unref();
        const s = socket;
        socket.on('error', () => {
          if (sockets.get(type) === s) sockets.delete(type);
          s.close();
        });
        sockets.set(type, socket);
      }
      try {
        socket.send(message, port, host, () => resolve());
      } catch {
        resolve();
      }
    });
}
