import { describe, expect, it } from 'vitest';
import { parseEnvelopeArgument, splitAddress } from '../../src/lmtp/envelope-address.js';
import { splitCommand } from '../../src/lmtp/command-line.js';

describe('MAIL and RCPT arguments', () => {
  it('takes the path and parameters, upper-casing keywords', () => {
    expect(parseEnvelopeArgument('FROM:<a@b> size=10 BODY=8BITMIME SMTPUTF8', 'FROM:')).toEqual({
      address: 'a@b',
      params: new Map<string, string | null>([
        ['SIZE', '10'],
        ['BODY', '8BITMIME'],
        ['SMTPUTF8', null],
      ]),
    });
    expect(parseEnvelopeArgument('from: <>', 'FROM:')).toEqual({ address: '', params: new Map() });
  });

  it('drops a source route and keeps a quoted local part whole', () => {
    expect(parseEnvelopeArgument('TO:<@relay.example,@b:user@c>', 'TO:')?.address).toBe('user@c');
    expect(parseEnvelopeArgument('TO:<"a > b"@c>', 'TO:')?.address).toBe('"a > b"@c');
    expect(splitAddress('"a \\"q\\" b"@c')).toEqual({ local: 'a "q" b', domain: 'c' });
    expect(splitAddress('x+y@d@e')).toEqual({ local: 'x+y@d', domain: 'e' });
    expect(splitAddress('postmaster')).toEqual({ local: 'postmaster', domain: '' });
  });

  it('refuses what is not a path', () => {
    for (const bad of ['TO:a@b', 'TO:<a@b', 'FROM:<a@b>', 'TO:<a@b>junk', 'TO:<a@b> =x', 'TO:<a@b> A=1 a=2', 'TO:<@a>']) {
      expect(parseEnvelopeArgument(bad, 'TO:')).toBeNull();
    }
  });

  it('splits a command line into an upper-cased verb and the rest, without the CR', () => {
    expect(splitCommand('mail FROM:<a@b>\r')).toEqual({ verb: 'MAIL', arg: 'FROM:<a@b>' });
    expect(splitCommand('QUIT')).toEqual({ verb: 'QUIT', arg: '' });
  });
});
