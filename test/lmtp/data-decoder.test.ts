import { describe, expect, it } from 'vitest';
import { DataDecoder } from '../../src/lmtp/data-decoder.js';
import { forAll } from '../fuzz/prng.js';

/** Feeds `wire` in pieces of `sizes` (cycled); returns the message and where it ended. */
function decode(wire: string, sizes: number[] = [wire.length || 1], maxLine = 1000, maxSize = 1_000_000) {
  const d = new DataDecoder(maxLine, maxSize);
  const bytes = Buffer.from(wire, 'latin1');
  const out: Buffer[] = [];
  let pos = 0;
  let k = 0;
  while (pos < bytes.length) {
    const piece = bytes.subarray(pos, pos + sizes[k++ % sizes.length]!);
    const r = d.push(piece);
    out.push(Buffer.from(r.out));
    pos += r.consumed;
    if (r.done) return { message: Buffer.concat(out).toString('latin1'), rest: bytes.subarray(pos).toString('latin1'), d };
  }
  return { message: Buffer.concat(out).toString('latin1'), rest: null, d };
}

/** The rules written out plainly, line by line, for comparison. */
function reference(wire: string): { message: string; rest: string | null } {
  let out = '';
  let i = 0;
  while (i < wire.length) {
    const lf = wire.indexOf('\n', i);
    if (lf < 0) return { message: out + (wire[i] === '.' ? wire.slice(i + 1) : wire.slice(i)), rest: null };
    let line = wire.slice(i, lf);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    i = lf + 1;
    if (line === '.') return { message: out, rest: wire.slice(i) };
    out += `${line.startsWith('.') ? line.slice(1) : line}\n`;
  }
  return { message: out, rest: null };
}

describe('DATA decoding', () => {
  it('CRLF to LF, unstuffing, the lone dot ends it, and what follows is left for the next command', () => {
    const r = decode('Subject: x\r\n\r\n..one\r\n.two\r\n.\r\nMAIL FROM:<a@b>\r\n');
    expect(r.message).toBe('Subject: x\n\n.one\ntwo\n');
    expect(r.rest).toBe('MAIL FROM:<a@b>\r\n');
  });

  it('takes bare LF as a line end and keeps a CR that is not before LF', () => {
    expect(decode('a\nb\r\rc\r\r\n.\n').message).toBe('a\nb\r\rc\r\n');
    expect(decode('.\r.\r\n.\r\n').message).toBe('\r.\n');
    expect(decode('x\r\n.\r').rest).toBe(null);
  });

  it('passes 8-bit and NUL bytes untouched', () => {
    expect(decode('\xe9\x00\xff\r\n.\r\n').message).toBe('\xe9\x00\xff\n');
  });

  it('stops the output past a line or size limit but still finds the end', () => {
    const long = decode(`${'x'.repeat(20)}\r\nok\r\n.\r\nNOOP\r\n`, [3], 10);
    expect(long.d.lineTooLong).toBe(true);
    expect(long.rest).toBe('NOOP\r\n');
    const big = decode(`${'y\r\n'.repeat(50)}.\r\n`, [7], 1000, 60);
    expect(big.d.tooBig).toBe(true);
    expect(big.message.length).toBeLessThanOrEqual(60);
    expect(big.d.size).toBe(100);
  });

  it('gives the same result however the bytes are cut, equal to the plain rules', () => {
    forAll(
      'data decoder',
      0x5eed,
      400,
      (rng) => {
        const parts = Array.from({ length: rng.int(0, 20) }, () =>
          rng.pick(['.', '..', '.\r', '\r', '\n', '\r\n', 'a', 'bc', '\x00', '\xe9', '.\r\n', '\r\n.\r\n', '\n.\n', '\r\r\n']),
        );
        return { wire: `${parts.join('')}\r\n.\r\nREST`, sizes: Array.from({ length: 4 }, () => rng.int(1, 6)) };
      },
      ({ wire, sizes }) => {
        const whole = decode(wire);
        const cut = decode(wire, sizes);
        expect({ message: cut.message, rest: cut.rest, size: cut.d.size }).toEqual({ message: whole.message, rest: whole.rest, size: whole.d.size });
        const ref = reference(wire);
        expect({ message: whole.message, rest: whole.rest }).toEqual(ref);
      },
    );
  });
});
