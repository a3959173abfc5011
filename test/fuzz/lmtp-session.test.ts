import { describe, expect, it } from 'vitest';
import { LMTP_MAX_COMMAND_BYTES, LMTP_MAX_DATA_LINE_BYTES } from '../../src/limits.js';
import { reply } from '../../src/lmtp/reply.js';
import { FakeHost, newSession, settle } from '../lmtp/fake-host.js';
import { corpusMessages } from './messages.js';
import { forAllAsync, type Rng } from './prng.js';

/**
 * Reply-count correctness of the LMTP session over random conversations:
 * pipelined MAIL/RCPT/DATA, RSET, duplicate and unknown RCPTs, 0, 1 or up
 * to 50 recipients, dot-stuffing, bare LF, 8-bit and NUL bytes, SMTPUTF8,
 * over-long commands and lines, messages over SIZE, all fed in random
 * pieces. The client behaves as RFC 2920 lets it: a group of commands up to
 * DATA at once, the message only after 354. Properties:
 *  - every command line gets exactly one reply, and a DATA that got 354
 *    gets exactly one more per accepted recipient, in RCPT order;
 *  - a delivered message is byte for byte the text that was sent, unstuffed
 *    and with LF line ends;
 *  - the same conversation cut into other pieces gives the same transcript;
 *  - every recipient slot taken is given back.
 */
const USERS = ['alice', 'bob', 'carol', 'j\xc3\xb6rg'];

interface Step {
  /** Command lines sent together (pipelined). */
  readonly commands: string[];
  /** The message lines to send if the group's last command (DATA) gets 354. */
  readonly message: string[] | null;
  readonly lineEnd: '\r\n' | '\n';
}

interface Script {
  readonly steps: Step[];
  readonly maxSize: number;
  readonly cut: number;
}

function address(rng: Rng): string {
  const user = rng.chance(0.8) ? rng.pick(USERS) : rng.pick(['nobody', 'root2', 'x'.repeat(rng.int(1, 40))]);
  const ext = rng.chance(0.3) ? `+${rng.chars(rng.int(0, 8), 'abcxyz-.')}` : '';
  return `${user}${ext}@${rng.pick(['example.org', 'x', 'b\xc3\xbccher.example'])}`;
}

function messageLines(rng: Rng): string[] {
  const corpus = corpusMessages();
  if (corpus.length > 0 && rng.chance(0.15)) return rng.pick(corpus).toString('latin1').replace(/\r?\n$/, '').split(/\r?\n/).map((l) => l.replace(/\r$/, ''));
  const lines: string[] = [];
  const n = rng.int(0, 30);
  for (let i = 0; i < n; i++) {
    switch (rng.int(0, 9)) {
      case 0:
        lines.push(rng.pick(['.', '..', '...', '.x', '. ', '.\r.']));
        break;
      case 1:
        lines.push('');
        break;
      case 2:
        lines.push(rng.chars(rng.int(0, 40)).replace(/[\r\n]+$/, '').replace(/\n/g, ' '));
        break;
      case 3:
        lines.push(`Subject: \xe9t\xe9 ${rng.chars(5, 'abc')}`);
        break;
      case 4:
        lines.push(`nul\x00and\rcr in the middle`);
        break;
      case 5:
        lines.push('y'.repeat(rng.chance(0.05) ? LMTP_MAX_DATA_LINE_BYTES + 10 : rng.int(900, 3000)));
        break;
      default:
        lines.push(rng.chars(rng.int(0, 60), 'abcdefghij KLMNOP:.<>@-'));
    }
  }
  return lines;
}

function genScript(rng: Rng): Script {
  const steps: Step[] = [];
  const lineEnd = () => (rng.chance(0.8) ? '\r\n' : '\n') as Step['lineEnd'];
  if (rng.chance(0.9)) steps.push({ commands: ['LHLO client.example'], message: null, lineEnd: '\r\n' });
  const n = rng.int(1, 6);
  for (let t = 0; t < n; t++) {
    const commands: string[] = [];
    // Never DATA here: a client may send nothing after DATA until it has the reply (RFC 2920 §3.1).
    const junk = rng.int(0, 2);
    for (let j = 0; j < junk; j++) {
      commands.push(
        rng.pick([
          'NOOP',
          'VRFY alice',
          'HELO x',
          'EHLO x',
          'BDAT 5 LAST',
          '',
          'FROB',
          'RSET',
          `NOOP ${'z'.repeat(LMTP_MAX_COMMAND_BYTES + rng.int(0, 5000))}`,
          'LHLO again.example',
        ]),
      );
    }
    const utf8 = rng.chance(0.3);
    commands.push(
      rng.pick([
        `MAIL FROM:<${address(rng)}>${utf8 ? ' SMTPUTF8' : ''}${rng.chance(0.3) ? ' BODY=8BITMIME' : ''}${rng.chance(0.2) ? ` SIZE=${rng.int(0, 5000)}` : ''}`,
        'MAIL FROM:<>',
        'MAIL FROM:<> BODY=BINARYMIME',
        'MAIL FROM: <a@b>',
        'MAIL FROM:a@b',
      ]),
    );
    const rcpts = rng.pick([0, 1, 1, 2, 3, 5, 50]);
    for (let r = 0; r < rcpts; r++) {
      commands.push(rng.chance(0.05) ? rng.pick(['RCPT TO:<>', 'RCPT TO:<a@b> NOTIFY=NEVER', 'RCPT alice']) : `RCPT TO:<${address(rng)}>`);
      if (rng.chance(0.03)) commands.push('RSET');
    }
    const sendData = rng.chance(0.85);
    if (sendData) commands.push('DATA');
    steps.push({ commands, message: sendData ? messageLines(rng) : null, lineEnd: lineEnd() });
  }
  if (rng.chance(0.7)) steps.push({ commands: ['QUIT'], message: null, lineEnd: '\r\n' });
  return { steps, maxSize: rng.pick([1_000_000, 2_000, 50_000]), cut: rng.pick([1, 7, 64, 1500, 100_000]) };
}

/** The message as it goes on the wire: dot-stuffed, each line ended, then the lone dot. */
function wire(lines: readonly string[], end: string): string {
  return lines.map((l) => `${l.startsWith('.') ? '.' : ''}${l}${end}`).join('') + `.${end}`;
}

interface Transcript {
  readonly replies: string[];
  readonly delivered: string[];
}

async function converse(script: Script, cutSeed: Rng): Promise<Transcript> {
  const host = new FakeHost(new Set(USERS));
  host.maxSize = script.maxSize;
  let nth = 0;
  // Deliveries end in any order; the replies must still come in RCPT order.
  host.answer = (r) => {
    const k = nth++;
    const text = `<${r.address}> #${k}`;
    const result = k % 7 === 3 ? reply(451, '4.0.0', text) : reply(250, '2.0.0', text);
    return k % 2 === 0 ? result : new Promise((resolve) => setTimeout(() => resolve(result), k % 5));
  };
  const { wire: out, session } = newSession(host);
  const feed = (text: string): void => {
    const bytes = Buffer.from(text, 'latin1');
    // Byte-sized pieces for what is small; a megabyte line in 1-byte pieces would only cost time.
    const cut = bytes.length > 100_000 ? Math.max(script.cut, 4096) : script.cut;
    for (let i = 0; i < bytes.length; ) {
      const n = Math.max(1, Math.min(bytes.length - i, cutSeed.int(1, cut)));
      session.feed(bytes.subarray(i, i + n));
      i += n;
    }
  };
  const replies = () => out.replies;
  const waitFor = async (n: number): Promise<void> => {
    for (let i = 0; i < 2000 && replies().length < n && !out.closed; i++) await settle();
  };
  let expected = 1;
  await waitFor(expected);
  for (const step of script.steps) {
    if (out.closed) break;
    const start = replies().length;
    feed(step.commands.map((c) => `${c}${step.lineEnd}`).join(''));
    expected += step.commands.length;
    await waitFor(expected);
    if (out.closed) break;
    const got = replies().slice(start, start + step.commands.length);
    expect(got).toHaveLength(step.commands.length);
    if (step.message === null || !got.at(-1)!.startsWith('354 ')) continue;
    // Recipients accepted since this transaction's MAIL: the 250 2.1.5 replies after the last 250 2.1.0.
    const all = replies().slice(0, start + step.commands.length);
    const mailAt = all.lastIndexOf('250 2.1.0 Ok');
    const accepted = all.slice(mailAt).filter((l) => l === '250 2.1.5 Ok').length;
    feed(wire(step.message, step.lineEnd));
    expected += accepted;
    await waitFor(expected);
    const after = replies().slice(start + step.commands.length, start + step.commands.length + accepted);
    expect(after).toHaveLength(accepted);
    const numbers = after.map((l) => /#(\d+)$/.exec(l)?.[1]).filter((x) => x !== undefined).map(Number);
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
  }
  await settle();
  if (!out.closed) expect(replies()).toHaveLength(expected);
  if (!out.closed) session.end();
  await settle();
  expect(host.held).toBe(0);
  return { replies: replies(), delivered: host.delivered.map((d) => d.message.toString('latin1')) };
}

describe('LMTP session fuzz', () => {
  it('one reply per command, one per accepted recipient after DATA, in order; messages arrive as sent', async () => {
    let transactions = 0;
    const ran = await forAllAsync('lmtp session', 0x1a2b3c, 250, genScript, async (script, rng) => {
      const a = await converse(script, rng);
      const b = await converse({ ...script, cut: 100_000 }, rng);
      expect(a).toEqual(b);
      // Each delivered message is one of the sent ones, exactly as its lines were.
      const sent = new Set(script.steps.filter((s) => s.message !== null).map((s) => s.message!.map((l) => `${l}\n`).join('')));
      for (const m of a.delivered) expect(sent.has(m)).toBe(true);
      transactions += a.delivered.length;
    });
    expect(ran).toBeGreaterThan(0);
    // The generator must actually reach delivery, or the properties above test little.
    expect(transactions).toBeGreaterThan(ran / 2);
  }, 120_000);
});
