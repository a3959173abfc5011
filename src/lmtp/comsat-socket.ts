import type * as Dgram from 'node:dgram';
import { lookup as dnsLookup } from 'node:dns';
import { isIP } from 'node:net';
import type { DatagramSend } from '../deliver/seams.js';

/** dns.lookup's shape as dgram calls it: (host, family, callback). */
export type DatagramLookup = (host: string, family: number, callback: (error: Error | null, address: string, family: number) => void) => void;

/**
 * The comsat datagram (biff) from a long-lived worker: one UDP socket per
 * address family, kept open and unreferenced, instead of a socket made and
 * closed for every message as a one-shot delivery agent does. Errors are
 * ignored, as procmail ignores sendto()'s result; a socket that failed is
 * made again next time.
 *
 * An address literal (COMSAT's default host, 127.0.0.1) is sent to as it
 * is: dgram otherwise passes every send through dns.lookup, which answers
 * a literal with itself a tick later, at a cost on every delivery. A name
 * is still looked up each time, as procmail resolves it each time.
 */
export function keptSocketSend(dgram: typeof Dgram, lookup: DatagramLookup = dnsLookup as unknown as DatagramLookup): DatagramSend {
  const sockets = new Map<'udp4' | 'udp6', Dgram.Socket>();
  const literalOrLookup: DatagramLookup = (host, family, callback) => {
    const literal = isIP(host);
    if (literal !== 0) callback(null, host, literal);
    else lookup(host, family, callback);
  };
  return (message, port, host) =>
    new Promise<void>((resolve) => {
      const type = host.includes(':') ? 'udp6' : 'udp4';
      let socket = sockets.get(type);
      if (socket === undefined) {
        socket = dgram.createSocket({ type, lookup: literalOrLookup as unknown as Dgram.SocketOptions['lookup'] });
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
