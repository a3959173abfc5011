import { describe, expect, it } from 'vitest';
import { DeliveryHost, type DeliveryHostOptions } from '../../src/lmtp/delivery-host.js';
import { serviceLog } from '../../src/lmtp/service-log.js';
import { Session } from '../../src/lmtp/session.js';
import { Sink } from '../deliver/helpers.js';

/** A host whose recipients, spool and pool are never reached: only the greeting and LHLO are exchanged. */
function host(verbose: boolean, log: Sink): DeliveryHost {
  const unused = {} as never;
  const o: DeliveryHostOptions = {
    hostname: 'lmtp.test',
    maxSize: 1000,
    maxRecipients: 10,
    directory: unused,
    userdb: unused,
    spool: unused,
    pool: unused,
    log: serviceLog(log, verbose),
    fixedUser: false,
    now: () => 0,
  };
  return new DeliveryHost(o, 'c1');
}

describe('DeliveryHost trace', () => {
  it('with --verbose, logs each command and reply of the session', () => {
    const log = new Sink();
    const h = host(true, log);
    const out: string[] = [];
    const s = new Session(h, { write: (t) => out.push(t), close: () => undefined });
    s.start();
    s.feed(Buffer.from('LHLO client.test\r\n'));
    expect(log.text).toContain('lmtp conn=c1 S="220 lmtp.test');
    expect(log.text).toContain('lmtp conn=c1 C="LHLO client.test"\n');
    expect(out.join('')).toContain('250-lmtp.test\r\n');
  });

  it('without it, has no trace at all, so the session builds no text for one', () => {
    const log = new Sink();
    const h = host(false, log);
    expect(h.trace).toBeUndefined();
    const out: string[] = [];
    const s = new Session(h, { write: (t) => out.push(t), close: () => undefined });
    s.start();
    s.feed(Buffer.from('LHLO client.test\r\n'));
    expect(log.text).toBe('');
    expect(out.join('')).toContain('250-lmtp.test\r\n');
  });
});

describe('DeliveryHost log of refused recipients', () => {
  it('gives a RCPT the session refuses itself its rcpt line, without --verbose', () => {
    const log = new Sink();
    const h = host(false, log);
    const s = new Session(h, { write: () => undefined, close: () => undefined });
    s.start();
    s.feed(Buffer.from('LHLO c\r\nMAIL FROM:<s@x>\r\nRCPT TO:<a@x> NOTIFY=NEVER\r\n'));
    expect(log.text).toBe('rcpt conn=c1 rcpt=<a@x> from=<s@x> status="555 5.5.4" why="Unsupported or malformed parameter"\n');
  });
});
