import { describe, expect, it } from 'vitest';
import { reply } from '../../src/lmtp/reply.js';
import { LMTP_MAX_COMMAND_BYTES, LMTP_MAX_DATA_LINE_BYTES, LMTP_MAX_SESSION_ERRORS } from '../../src/limits.js';
import { FakeHost, newSession, settle } from './fake-host.js';

const crlf = (...lines: string[]) => Buffer.from(lines.map((l) => `${l}\r\n`).join(''), 'latin1');

describe('LMTP session', () => {
  it('greets, answers LHLO with its extensions, refuses HELO and EHLO', () => {
    const { wire, session } = newSession();
    session.feed(crlf('HELO x', 'EHLO x', 'LHLO client.example'));
    expect(wire.text).toBe(
      '220 lmtp.test LMTP mailrules ready\r\n' +
        '500 5.5.1 This is an LMTP server: use LHLO\r\n' +
        '500 5.5.1 This is an LMTP server: use LHLO\r\n' +
        '250-lmtp.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250-ENHANCEDSTATUSCODES\r\n250 SIZE 1000000\r\n',
    );
  });

  it('answers DATA with one reply per accepted recipient, in order, duplicates included', async () => {
    const { host, wire, session } = newSession();
    host.answer = (r) =>
      r.user === 'bob' ? reply(451, '4.0.0', `<${r.address}> deferred`) : reply(250, '2.0.0', `<${r.address}> Delivered`);
    session.feed(
      crlf('LHLO c', 'MAIL FROM:<s@x>', 'RCPT TO:<alice@x>', 'RCPT TO:<nobody@x>', 'RCPT TO:<bob@x>', 'RCPT TO:<alice@x>', 'DATA'),
    );
    session.feed(crlf('Subject: hi', '', 'body', '.'));
    await settle();
    expect(wire.replies.slice(2)).toEqual([
      '250 2.1.0 Ok',
      '250 2.1.5 Ok',
      '550 5.1.1 <nobody@x> User unknown',
      '250 2.1.5 Ok',
      '250 2.1.5 Ok',
      '354 End data with <CR><LF>.<CR><LF>',
      '250 2.0.0 <alice@x> Delivered',
      '451 4.0.0 <bob@x> deferred',
      '250 2.0.0 <alice@x> Delivered',
    ]);
    expect(host.delivered).toEqual([{ sender: 's@x', recipients: ['alice@x', 'bob@x', 'alice@x'], message: Buffer.from('Subject: hi\n\nbody\n') }]);
    expect(host.held).toBe(0);
  });

  it('writes each reply as soon as it and the earlier ones are known', async () => {
    const { host, wire, session } = newSession();
    const gates: ((r: ReturnType<typeof reply>) => void)[] = [];
    host.answer = () => new Promise((resolve) => gates.push(resolve));
    session.feed(crlf('LHLO c', 'MAIL FROM:<>', 'RCPT TO:<alice@x>', 'RCPT TO:<bob@x>', 'DATA', 'x', '.'));
    await settle();
    const before = wire.replies.length;
    gates[1]!(reply(250, '2.0.0', 'second'));
    await settle();
    expect(wire.replies.length).toBe(before);
    gates[0]!(reply(250, '2.0.0', 'first'));
    await settle();
    expect(wire.replies.slice(-2)).toEqual(['250 2.0.0 first', '250 2.0.0 second']);
  });

  it('takes pipelined transactions one after the other, commands waiting behind a delivery', async () => {
    const { host, wire, session } = newSession();
    let release: () => void = () => undefined;
    host.answer = (r) => new Promise((resolve) => (release = () => resolve(reply(250, '2.0.0', r.address))));
    session.feed(crlf('LHLO c', 'MAIL FROM:<a@x>', 'RCPT TO:<alice@x>', 'DATA', 'one', '.', 'MAIL FROM:<b@x>', 'RCPT TO:<bob@x>', 'DATA'));
    await settle();
    expect(wire.replies.at(-1)).toBe('354 End data with <CR><LF>.<CR><LF>');
    expect(host.delivered).toHaveLength(1);
    // The second MAIL has not been read yet: its reply is not out.
    expect(wire.replies.filter((l) => l.startsWith('250 2.1.0'))).toHaveLength(1);
    release();
    await settle();
    expect(wire.replies.slice(-4)).toEqual(['250 2.0.0 alice@x', '250 2.1.0 Ok', '250 2.1.5 Ok', '354 End data with <CR><LF>.<CR><LF>']);
    session.feed(crlf('two', '.', 'QUIT'));
    await settle();
    release();
    await settle();
    expect(wire.replies.slice(-2)).toEqual(['250 2.0.0 bob@x', '221 2.0.0 Bye']);
    expect(wire.closed).toBe(true);
    expect(host.delivered.map((d) => d.message.toString())).toEqual(['one\n', 'two\n']);
  });

  it('enforces the order of commands', () => {
    const { wire, session } = newSession();
    session.feed(crlf('MAIL FROM:<a@x>', 'RCPT TO:<alice@x>', 'DATA', 'LHLO c', 'RCPT TO:<alice@x>', 'DATA', 'MAIL FROM:<a@x>', 'MAIL FROM:<a@x>', 'DATA'));
    expect(wire.replies.slice(1)).toEqual([
      '503 5.5.1 Send LHLO first',
      '503 5.5.1 Send LHLO first',
      '503 5.5.1 Send LHLO first',
      '250 SIZE 1000000',
      '503 5.5.1 Need MAIL command',
      '503 5.5.1 Need MAIL command',
      '250 2.1.0 Ok',
      '503 5.5.1 Sender already specified',
      '503 5.5.1 No valid recipients',
    ]);
  });

  it('RSET lets the recipients go; NOOP, VRFY, unknown and unoffered commands', () => {
    const { host, wire, session } = newSession();
    session.feed(crlf('LHLO c', 'MAIL FROM:<a@x>', 'RCPT TO:<alice@x>', 'RSET', 'NOOP', 'VRFY alice', 'BDAT 10 LAST', 'STARTTLS', 'AUTH PLAIN', 'FOO', 'DATA'));
    expect(host.held).toBe(0);
    expect(wire.replies.slice(4)).toEqual([
      '250 2.0.0 Ok',
      '250 2.0.0 Ok',
      '252 2.5.2 Cannot VRFY user, but will accept message and attempt delivery',
      '502 5.5.1 Command not implemented',
      '502 5.5.1 Command not implemented',
      '502 5.5.1 Command not implemented',
      '500 5.5.2 Command not recognized',
      '503 5.5.1 Need MAIL command',
    ]);
  });

  it('checks MAIL parameters: SIZE, BODY, SMTPUTF8; nothing on RCPT', () => {
    const { wire, session } = newSession();
    session.feed(
      crlf(
        'LHLO c',
        'MAIL FROM:<a@x> SIZE=2000000',
        'MAIL FROM:<a@x> BODY=BINARYMIME',
        'MAIL FROM:<a@x> FOO=1',
        'MAIL FROM:<\xc3\xa9@x>',
        'MAIL FROM: <a@x> SIZE=100 BODY=8BITMIME',
        'RCPT TO:<alice@x> NOTIFY=NEVER',
        'RCPT TO:<>',
        'RCPT TO:alice@x',
        'RCPT TO:<\xc3\xa9@x>',
      ),
    );
    expect(wire.replies.slice(2)).toEqual([
      '552 5.3.4 Message size exceeds fixed limit',
      '555 5.5.4 Unsupported or malformed parameter',
      '555 5.5.4 Unsupported or malformed parameter',
      '553 5.6.7 Non-ASCII address requires SMTPUTF8',
      '250 2.1.0 Ok',
      '555 5.5.4 Unsupported or malformed parameter',
      '501 5.1.3 Bad recipient address syntax',
      '501 5.5.4 Syntax: RCPT TO:<address>',
      '553 5.6.7 Non-ASCII address requires SMTPUTF8',
    ]);
  });

  it('takes an SMTPUTF8 transaction with UTF-8 addresses and 8-bit, NUL and bare-CR content', async () => {
    const host = new FakeHost(new Set(['j\xc3\xb6rg']));
    const { wire, session } = newSession(host);
    session.feed(crlf('LHLO c', 'MAIL FROM:<\xc3\xa9@x> SMTPUTF8 BODY=8BITMIME', 'RCPT TO:<j\xc3\xb6rg@x>', 'DATA'));
    session.feed(Buffer.from('Subject: \xe9t\xe9\r\n\r\nnul\x00byte and a\rbare CR\r\n.\r\n', 'latin1'));
    await settle();
    expect(wire.replies.at(-1)).toBe('250 2.0.0 <j\xc3\xb6rg@x> Delivered');
    expect(host.delivered[0]!.message).toEqual(Buffer.from('Subject: \xe9t\xe9\n\nnul\x00byte and a\rbare CR\n', 'latin1'));
  });

  it('refuses a message over SIZE 552 5.3.4, once per recipient, after its end', async () => {
    const host = new FakeHost();
    host.maxSize = 100;
    const { wire, session } = newSession(host);
    session.feed(crlf('LHLO c', 'MAIL FROM:<a@x>', 'RCPT TO:<alice@x>', 'RCPT TO:<bob@x>', 'DATA'));
    session.feed(crlf('x'.repeat(80), 'y'.repeat(80), '.'));
    await settle();
    expect(wire.replies.slice(-2)).toEqual(['552 5.3.4 Message size exceeds fixed limit', '552 5.3.4 Message size exceeds fixed limit']);
    expect(host.delivered).toHaveLength(0);
    // The host hears of it, for its log: the recipients, the size that came, the reply.
    expect(host.refusals).toEqual([{ recipients: ['alice@x', 'bob@x'], size: 162, reply: '552 5.3.4' }]);
    expect(host.discarded).toBe(1);
    expect(host.held).toBe(0);
  });

  it('refuses a message with a line over LMTP_MAX_DATA_LINE_BYTES 554 5.6.0 per recipient, and goes on with the next command', async () => {
    const host = new FakeHost();
    host.maxSize = 4 * LMTP_MAX_DATA_LINE_BYTES;
    const { wire, session } = newSession(host);
    session.feed(crlf('LHLO c', 'MAIL FROM:<a@x>', 'RCPT TO:<alice@x>', 'RCPT TO:<bob@x>', 'DATA'));
    // The line arrives in pieces, as a socket gives it; its end and the next command in the last.
    const long = Buffer.alloc(LMTP_MAX_DATA_LINE_BYTES + 1, 'y');
    for (let i = 0; i < long.length; i += 64 * 1024) session.feed(long.subarray(i, i + 64 * 1024));
    session.feed(crlf('', 'short', '.', 'NOOP'));
    await settle();
    expect(wire.replies.slice(-3)).toEqual(['554 5.6.0 Message has a line too long to be mail', '554 5.6.0 Message has a line too long to be mail', '250 2.0.0 Ok']);
    expect(host.delivered).toHaveLength(0);
    expect(host.refusals).toEqual([{ recipients: ['alice@x', 'bob@x'], size: LMTP_MAX_DATA_LINE_BYTES + 2 + 6, reply: '554 5.6.0' }]);
    expect(host.discarded).toBe(1);
    expect(host.held).toBe(0);
  });

  it('takes a line of exactly LMTP_MAX_DATA_LINE_BYTES, its LF included', async () => {
    const { host, wire, session } = newSession();
    host.maxSize = 2 * LMTP_MAX_DATA_LINE_BYTES;
    session.feed(crlf('LHLO c', 'MAIL FROM:<a@x>', 'RCPT TO:<alice@x>', 'DATA'));
    session.feed(Buffer.alloc(LMTP_MAX_DATA_LINE_BYTES - 1, 'y'));
    session.feed(crlf('', '.'));
    await settle();
    expect(wire.replies.at(-1)).toBe('250 2.0.0 <alice@x> Delivered');
    expect(host.delivered[0]!.message.length).toBe(LMTP_MAX_DATA_LINE_BYTES);
  });

  it('answers a spool failure 452 per recipient and delivers nothing', async () => {
    const { host, wire, session } = newSession();
    host.failSpoolWrites = true;
    session.feed(crlf('LHLO c', 'MAIL FROM:<a@x>', 'RCPT TO:<alice@x>', 'DATA', 'x', '.'));
    await settle();
    expect(wire.replies.at(-1)).toBe('452 4.3.1 Insufficient system storage');
    expect(host.delivered).toHaveLength(0);
    expect(host.refusals).toEqual([{ recipients: ['alice@x'], size: 2, reply: '452 4.3.1' }]);
  });

  it('caps recipients per transaction with 452 4.5.3', () => {
    const host = new FakeHost();
    host.maxRecipients = 2;
    const { wire, session } = newSession(host);
    session.feed(crlf('LHLO c', 'MAIL FROM:<a@x>', 'RCPT TO:<alice@x>', 'RCPT TO:<bob@x>', 'RCPT TO:<carol@x>'));
    expect(wire.replies.at(-1)).toBe('452 4.5.3 Too many recipients');
    expect(host.held).toBe(2);
  });

  it("tells the host of each RCPT it refuses itself, with the address and the reply; the host's own refusals are its own", () => {
    const host = new FakeHost();
    host.maxRecipients = 1;
    const { wire, session } = newSession(host);
    session.feed(
      crlf('LHLO c', 'MAIL FROM:<s@x>', 'RCPT TO:<alice@x> NOTIFY=NEVER', 'RCPT TO:<>', 'RCPT TO:<\xc3\xa9@x>', 'RCPT TO:<nobody@x>', 'RCPT TO:<alice@x>', 'RCPT TO:<bob@x>'),
    );
    expect(wire.replies.slice(3)).toEqual([
      '555 5.5.4 Unsupported or malformed parameter',
      '501 5.1.3 Bad recipient address syntax',
      '553 5.6.7 Non-ASCII address requires SMTPUTF8',
      '550 5.1.1 <nobody@x> User unknown',
      '250 2.1.5 Ok',
      '452 4.5.3 Too many recipients',
    ]);
    expect(host.refusedRecipients).toEqual([
      { address: 'alice@x', sender: 's@x', reply: '555 5.5.4' },
      { address: '', sender: 's@x', reply: '501 5.1.3' },
      { address: '\xc3\xa9@x', sender: 's@x', reply: '553 5.6.7' },
      { address: 'bob@x', sender: 's@x', reply: '452 4.5.3' },
    ]);
  });

  it('still answers a RCPT it refuses when the host fails to hear of it', () => {
    const host = new FakeHost();
    host.refusedRecipient = () => {
      throw new Error('log gone');
    };
    const { wire, session } = newSession(host);
    session.feed(crlf('LHLO c', 'MAIL FROM:<s@x>', 'RCPT TO:<>', 'NOOP'));
    expect(wire.replies.slice(3)).toEqual(['501 5.1.3 Bad recipient address syntax', '250 2.0.0 Ok']);
  });

  it('answers an over-long command 500 5.5.2 and goes on with the next, however it arrives', () => {
    const { wire, session } = newSession();
    const long = `NOOP ${'x'.repeat(LMTP_MAX_COMMAND_BYTES * 3)}`;
    // In pieces, so the line is skipped before its end has arrived.
    const bytes = crlf('LHLO c', long, 'NOOP');
    for (let i = 0; i < bytes.length; i += 1000) session.feed(bytes.subarray(i, i + 1000));
    expect(wire.replies.slice(2)).toEqual(['500 5.5.2 Line too long', '250 2.0.0 Ok']);
  });

  it('closes with 421 after too many protocol errors', () => {
    const { wire, session } = newSession();
    session.feed(crlf(...Array.from({ length: LMTP_MAX_SESSION_ERRORS + 5 }, () => 'BOGUS')));
    expect(wire.replies.at(-1)).toBe('421 4.7.0 lmtp.test Too many errors, closing connection');
    expect(wire.replies).toHaveLength(LMTP_MAX_SESSION_ERRORS + 2);
    expect(wire.closed).toBe(true);
  });

  it('times out only when no delivery is running', async () => {
    const { host, wire, session } = newSession();
    let release: () => void = () => undefined;
    host.answer = () => new Promise((resolve) => (release = () => resolve(reply(250, '2.0.0', 'ok'))));
    session.feed(crlf('LHLO c', 'MAIL FROM:<a@x>', 'RCPT TO:<alice@x>', 'DATA', 'x', '.'));
    await settle();
    expect(session.busy).toBe(true);
    session.timeout();
    expect(wire.closed).toBe(false);
    release();
    await settle();
    session.timeout();
    expect(wire.replies.at(-1)).toBe('421 4.4.2 lmtp.test Timeout exceeded, closing connection');
    expect(wire.closed).toBe(true);
  });

  it('drains: a transaction in progress finishes, then 421; an idle session gets 421 at once', async () => {
    const a = newSession();
    a.session.feed(crlf('LHLO c', 'MAIL FROM:<a@x>', 'RCPT TO:<alice@x>'));
    a.session.drain();
    expect(a.wire.closed).toBe(false);
    a.session.feed(crlf('RCPT TO:<bob@x>', 'DATA', 'x', '.', 'MAIL FROM:<a@x>'));
    await settle();
    expect(a.wire.replies.slice(-4)).toEqual([
      '354 End data with <CR><LF>.<CR><LF>',
      '250 2.0.0 <alice@x> Delivered',
      '250 2.0.0 <bob@x> Delivered',
      '421 4.3.2 lmtp.test Service shutting down, try again later',
    ]);
    expect(a.wire.closed).toBe(true);
    const b = newSession();
    b.session.feed(crlf('LHLO c'));
    b.session.drain();
    expect(b.wire.replies.at(-1)).toBe('421 4.3.2 lmtp.test Service shutting down, try again later');
    expect(b.wire.closed).toBe(true);
  });

  it('a client gone during DATA delivers nothing and lets everything go', () => {
    const { host, wire, session } = newSession();
    session.feed(crlf('LHLO c', 'MAIL FROM:<a@x>', 'RCPT TO:<alice@x>', 'DATA', 'partial'));
    session.end();
    expect(host.delivered).toHaveLength(0);
    expect(host.discarded).toBe(1);
    expect(host.held).toBe(0);
    expect(wire.closed).toBe(true);
  });

  it('a client gone during delivery: the delivery finishes and its slot is let go', async () => {
    const { host, wire, session } = newSession();
    let release: () => void = () => undefined;
    host.answer = () => new Promise((resolve) => (release = () => resolve(reply(250, '2.0.0', 'ok'))));
    session.feed(crlf('LHLO c', 'MAIL FROM:<a@x>', 'RCPT TO:<alice@x>', 'DATA', 'x', '.'));
    await settle();
    session.end();
    expect(host.held).toBe(1);
    release();
    await settle();
    expect(host.held).toBe(0);
    expect(wire.closed).toBe(true);
  });

  it('a broken host (throwing, short array) still gives one 451 per recipient', async () => {
    const { host, wire, session } = newSession();
    host.deliver = () => [Promise.reject(new Error('boom'))];
    session.feed(crlf('LHLO c', 'MAIL FROM:<a@x>', 'RCPT TO:<alice@x>', 'RCPT TO:<bob@x>', 'DATA', 'x', '.', 'NOOP'));
    await settle();
    expect(wire.replies.slice(-3)).toEqual(['451 4.3.0 Temporary internal error', '451 4.3.0 Temporary internal error: no delivery result', '250 2.0.0 Ok']);
    expect(host.held).toBe(0);
  });

  it('pauses reading while a delivery holds more pipelined input than allowed', async () => {
    const { host, wire, session } = newSession();
    let release: () => void = () => undefined;
    host.answer = () => new Promise((resolve) => (release = () => resolve(reply(250, '2.0.0', 'ok'))));
    session.feed(crlf('LHLO c', 'MAIL FROM:<a@x>', 'RCPT TO:<alice@x>', 'DATA', 'x', '.'));
    await settle();
    session.feed(Buffer.from('NOOP\r\n'.repeat(100_000)));
    expect(wire.paused).toBe(true);
    release();
    await settle();
    expect(wire.paused).toBe(false);
    expect(wire.replies.filter((l) => l === '250 2.0.0 Ok')).toHaveLength(100_000);
  });
});
