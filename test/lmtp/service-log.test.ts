import { describe, expect, it } from 'vitest';
import { serviceLog } from '../../src/lmtp/service-log.js';
import { Sink } from '../deliver/helpers.js';

/** The service's log lines go to journald or a syslog daemon as they are: one event per line, whatever the mail said. */
describe('service log', () => {
  it('one line per event, key=value, quoted where a value has spaces, quotes or backslashes; null fields left out', () => {
    const sink = new Sink();
    serviceLog(sink, false).info('delivery', { user: 'alice', rcpt: '<a@x>', status: '250 2.0.0', recipe: null, why: 'say "hi" \\o/', size: 12, empty: '' });
    expect(sink.text).toBe('delivery user=alice rcpt=<a@x> status="250 2.0.0" why="say \\"hi\\" \\\\o/" size=12 empty=""\n');
  });

  it('no control character of a client or an rc reaches the log: a CR or LF cannot forge a line', () => {
    const sink = new Sink();
    serviceLog(sink, false).info('agent', { said: 'one\r\ndelivery user=root status="250 2.0.0"\x00\x1b[2J\x7f' });
    expect(sink.text.split('\n')).toEqual(['agent said="one  delivery user=root status=\\"250 2.0.0\\"  [2J "', '']);
  });

  it('debug lines only with --verbose', () => {
    const quiet = new Sink();
    serviceLog(quiet, false).debug('lmtp', { C: 'LHLO x' });
    expect(quiet.text).toBe('');
    const verbose = new Sink();
    serviceLog(verbose, true).debug('lmtp', { C: 'LHLO x' });
    expect(verbose.text).toBe('lmtp C="LHLO x"\n');
  });
});
