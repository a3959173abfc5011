import * as dgram from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { comsatFolder, comsatMessage } from '../../src/deliver/comsat.js';
import { comsatTarget } from '../../src/eval/comsat-target.js';
import { udpSend } from '../../src/deliver/udp.js';

describe('COMSAT values (comsat.c:setcomsat)', () => {
  it.each([
    [undefined, true, { host: '127.0.0.1', port: 512 }],
    [undefined, false, null],
    ['no', true, null],
    ['off', true, null],
    ['yes', false, { host: '127.0.0.1', port: 512 }],
    ['', false, { host: '127.0.0.1', port: 512 }],
    ['biff@localhost', false, { host: '127.0.0.1', port: 512 }],
    ['5150@', false, { host: '127.0.0.1', port: 5150 }],
    ['@10.1.2.3', false, { host: '10.1.2.3', port: 512 }],
    ['5150@127.0.0.2', false, { host: '127.0.0.2', port: 5150 }],
    ['nosuchservice@localhost', true, null],
  ])('%j (default on: %s)', (value, on, want) => {
    expect(comsatTarget(value, on)).toEqual(want);
  });

  it('formats LOGNAME@offset:folder, without offset when not a file, with MAILDIR for relative folders', () => {
    expect(comsatMessage('pmtest', 70, '/var/mail/pmtest')).toBe('pmtest@70:/var/mail/pmtest');
    expect(comsatMessage('pmtest', -1, '**Bounced**')).toBe('pmtest@:**Bounced**');
    expect(comsatFolder('Mail/box', '/home/u')).toBe('/home/u/Mail/box');
    expect(comsatFolder(' cat > /dev/null', '/home/u')).toBe('/home/u/ cat > /dev/null');
    expect(comsatFolder('/abs', '/home/u')).toBe('/abs');
  });

  it('udpSend delivers one datagram to a local socket', async () => {
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
    const got = new Promise<string>((r) => sock.once('message', (m) => r(m.toString('latin1'))));
    await udpSend(Buffer.from('pmtest@0:/x'), sock.address().port, '127.0.0.1');
    expect(await got).toBe('pmtest@0:/x');
    sock.close();
  });
});
