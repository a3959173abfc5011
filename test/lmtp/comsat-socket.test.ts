import * as dgram from 'node:dgram';
import { lookup as dnsLookup } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { keptSocketSend, type DatagramLookup } from '../../src/lmtp/comsat-socket.js';

describe('keptSocketSend', () => {
  it('sends to an address literal without a lookup, and looks a name up every time', async () => {
    const server = dgram.createSocket('udp4');
    const got: string[] = [];
    server.on('message', (m) => got.push(m.toString('latin1')));
    await new Promise<void>((r) => server.bind(0, '127.0.0.1', () => r()));
    const port = server.address().port;
    const asked: string[] = [];
    const lookup: DatagramLookup = (host, family, cb) => {
      asked.push(host);
      (dnsLookup as unknown as DatagramLookup)(host, family, cb);
    };
    const send = keptSocketSend(dgram, lookup);
    try {
      await send(Buffer.from('me@0:/tmp/box', 'latin1'), port, '127.0.0.1');
      await send(Buffer.from('me@12:/tmp/box', 'latin1'), port, '127.0.0.1');
      expect(asked).toEqual([]);
      await send(Buffer.from('me@24:/tmp/box', 'latin1'), port, 'localhost');
      expect(asked).toEqual(['localhost']);
      for (let i = 0; i < 50 && got.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
      expect(got.slice(0, 2)).toEqual(['me@0:/tmp/box', 'me@12:/tmp/box']);
    } finally {
      server.close();
    }
  });
});
