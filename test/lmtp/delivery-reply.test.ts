import { describe, expect, it } from 'vitest';
import { deliveryReply } from '../../src/lmtp/delivery-reply.js';
import type { DeliveryResult } from '../../src/lmtp/delivery-result.js';
import { formatReply } from '../../src/lmtp/reply.js';

const done = (code: number, over: Partial<Extract<DeliveryResult, { kind: 'finished' }>> = {}): DeliveryResult => ({
  kind: 'finished',
  code,
  disposition: code === 0 ? 'delivered' : 'requeued',
  rejectText: null,
  recipe: null,
  folder: null,
  fsyncMs: 0,
  log: [],
  ...over,
});
const line = (r: DeliveryResult) => formatReply(deliveryReply('u@x', r)).trimEnd();

describe("a recipient's reply from its delivery", () => {
  it("follows procmail's sysexits table, with tempfail and can't-create answered 451", () => {
    expect(line(done(0))).toBe('250 2.0.0 <u@x> Delivered');
    expect(line(done(75, { log: ['procmail: Lock failure on "/var/mail/u.lock"', ''] }))).toBe('451 4.0.0 <u@x> deferred: Lock failure on "/var/mail/u.lock"');
    expect(line(done(73))).toBe('451 4.0.0 <u@x> output error');
    // EXITCODE=75 in the rc: the status is the rc's choice, and the last line logged is not its reason.
    expect(line(done(75, { disposition: 'exitcode', log: ['procmail: Couldn\'t create "/var/mail/u"'] }))).toBe('451 4.0.0 <u@x> deferred');
    expect(line(done(67, { log: ['procmail: Unknown user "u"'] }))).toBe('550 5.1.1 <u@x> no such user: Unknown user "u"');
    expect(line(done(71))).toBe('451 4.0.0 <u@x> OS error');
    expect(line(done(78))).toBe('554 5.3.5 <u@x> configuration error');
    expect(line(done(42))).toBe("554 5.0.0 <u@x> something didn't work");
  });

  it('@reject: 550 5.7.1 with its text, on one line', () => {
    expect(line(done(67, { disposition: 'rejected', rejectText: 'Go away\r\n550 injected\n' }))).toBe('550 5.7.1 <u@x> Go away 550 injected');
    expect(line(done(67, { disposition: 'rejected', rejectText: '' }))).toBe('550 5.7.1 <u@x> Delivery not authorized, message refused');
  });

  it('a worker that crashed, hung or never started: 451 4.3.0', () => {
    expect(line({ kind: 'failed', why: 'crashed', detail: 'delivery interrupted (worker signal SIGKILL)' })).toBe(
      '451 4.3.0 <u@x> Temporary internal error: delivery interrupted (worker signal SIGKILL)',
    );
  });
});
