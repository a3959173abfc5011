import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { decodedBody, mimeBodyStart } from '../../../src/eval/mail/decoded-body.js';
import { decodedHeader } from '../../../src/eval/mail/decoded-header.js';
import { fromUtf8Bytes } from '../../../src/eval/mail/decoded-text.js';
import { MAX_MIME_PARTS } from '../../../src/limits.js';
import { corpusFiles } from '../../helpers/corpus.js';

/** The texts `* @decoded` searches (src/eval/mail/decoded-header.ts, decoded-body.ts), read back as Unicode. */
function header(raw: string, explain = false): { text: string; changes: { what: string; raw: string; decoded: string }[] } {
  const h = decodedHeader(Buffer.from(raw, 'utf8').toString('latin1'), explain);
  return { text: fromUtf8Bytes(h.text), changes: [...h.changes] };
}

function body(raw: string | Buffer, explain = false): { text: string; changes: { what: string }[] } {
  const s = Buffer.isBuffer(raw) ? raw.toString('latin1') : Buffer.from(raw, 'utf8').toString('latin1');
  const b = decodedBody(s, mimeBodyStart(s), explain);
  return { text: fromUtf8Bytes(b.text), changes: [...b.changes] };
}

describe('the decoded header', () => {
  it('unfolds every field (the line break goes, the blank stays), decodes its words, keeps the From_ line and the blank line', () => {
    const h = header('From alice@example.com  Sat Nov 21 07:35:16 2026\nSubject: =?UTF-8?Q?Rechnung_f=C3=BC?=\n =?UTF-8?Q?r_M=C3=A4rz?=\nX-Folded: one\n\ttwo\nTo: x@example.org\n\n');
    expect(h.text).toBe('From alice@example.com  Sat Nov 21 07:35:16 2026\nSubject: Rechnung für März\nX-Folded: one\ttwo\nTo: x@example.org\n\n');
  });

  it('decodes display names and comments in address fields, and reads CRLF lines', () => {
    const h = header('From: =?ISO-8859-1?Q?J=F6rg_M=FCller?= <jm@example.de> (=?KOI8-R?B?8NLJ18XU?=)\r\nCc: "=?utf-8?B?0JjQstCw0L0=?=" <ivan@example.ru>\r\n\r\n');
    expect(h.text).toBe('From: Jörg Müller <jm@example.de> (Привет)\nCc: "Иван" <ivan@example.ru>\n\n');
  });

  it('writes RFC 2231 parameters out plainly; other parameter fields keep their form', () => {
    const h = header("Content-Disposition: attachment;\n filename*0*=UTF-8''Rechnung%20f%C3%BCr;\n filename*1*=%20M%C3%A4rz.pdf\nContent-Type: text/plain; charset=us-ascii\n\n");
    expect(h.text).toBe('Content-Disposition: attachment; filename="Rechnung für März.pdf"\nContent-Type: text/plain; charset=us-ascii\n\n');
  });

  it('reads raw 8-bit text as UTF-8 when it is, else in the charset Content-Type names, else windows-1252', () => {
    expect(header('Subject: Grüße\n\n').text).toBe('Subject: Grüße\n\n');
    const koi = decodedHeader('Subject: \xf0\xd2\xc9\xd7\xc5\xd4\nContent-Type: text/plain; charset=koi8-r\n\n', false);
    expect(fromUtf8Bytes(koi.text)).toBe('Subject: Привет\nContent-Type: text/plain; charset=koi8-r\n\n');
    expect(fromUtf8Bytes(decodedHeader('Subject: caf\xe9 \x80\n\n', false).text)).toBe('Subject: café €\n\n');
  });

  it('lists what decoding changed, raw and decoded, only when asked', () => {
    const raw = 'Subject: =?UTF-8?Q?f=C3=BCr?=\nTo: x@example.org\n\n';
    expect(header(raw).changes).toEqual([]);
    expect(header(raw, true).changes).toEqual([{ what: 'Subject', raw: 'Subject: =?UTF-8?Q?f=C3=BCr?=', decoded: 'Subject: für' }]);
  });
});

const MULTIPART = [
  'From: a@example.com',
  'Content-Type: multipart/mixed; boundary="outer"',
  '',
  'preamble, not a part',
  '--outer',
  'Content-Type: multipart/alternative; boundary=inner',
  '',
  '--inner',
  'Content-Type: text/plain; charset=iso-8859-1',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  'Gr=FC=DFe aus M=FCnchen, soft=',
  'break',
  '--inner',
  'Content-Type: text/html; charset=koi8-r',
  'Content-Transfer-Encoding: base64',
  '',
  Buffer.from('<p>\xf0\xd2\xc9\xd7\xc5\xd4</p>', 'latin1').toString('base64'),
  '--inner--',
  '--outer',
  'Content-Type: application/pdf',
  'Content-Transfer-Encoding: base64',
  '',
  'JVBERi0xLjQK',
  '--outer',
  'Content-Type: text/plain; name=notes.txt',
  'Content-Disposition: attachment; filename=notes.txt',
  '',
  'an attachment: not searched',
  '--outer',
  'Content-Type: message/rfc822',
  '',
  'Subject: forwarded',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: base64',
  '',
  Buffer.from('Weitergeleitet: Überweisung', 'utf8').toString('base64'),
  '--outer--',
  'epilogue, not a part',
  '',
].join('\n');

describe('the decoded text parts', () => {
  it('decodes each text part (transfer encoding, charset) in order; skips attachments and non-text; enters attached messages', () => {
    const b = body(MULTIPART, true);
    expect(b.text).toBe('Grüße aus München, softbreak\n<p>Привет</p>\nWeitergeleitet: Überweisung');
    expect(b.changes.map((c) => c.what)).toEqual([
      'part 1.1.1 text/plain; charset=iso-8859-1, quoted-printable',
      'part 1.1.2 text/html; charset=koi8-r, base64',
      'part 1.4.1 text/plain; charset=utf-8, base64',
    ]);
  });

  it('a message without MIME is one text/plain part; CRLF becomes LF; a CRLF header still ends at its empty line', () => {
    expect(body('Subject: x\n\nline one\nline two\n').text).toBe('line one\nline two\n');
    expect(body('Subject: x\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nM=C3=BCnchen\r\n').text).toBe('München\n');
  });

  it('stops after MAX_MIME_PARTS parts, whatever a message nests', () => {
    const parts = Array.from({ length: MAX_MIME_PARTS + 50 }, (_, i) => `--b\nContent-Type: text/plain\n\np${i}`).join('\n');
    const b = body(`Content-Type: multipart/mixed; boundary=b\n\n${parts}\n--b--\n`);
    expect(b.text.split('\n').length).toBe(MAX_MIME_PARTS - 1);
    let deep = 'innermost\n';
    for (let i = 0; i < 200; i++) deep = `Content-Type: multipart/mixed; boundary=b${i}\n\n--b${i}\n${deep}\n--b${i}--\n`;
    expect(() => body(deep)).not.toThrow();
  });

  const files = corpusFiles().filter((f) => !f.endsWith('.mbox'));
  it.skipIf(files.length === 0)('agrees with mailparser on the text/plain parts of every corpus message whose bytes fit their charset', async () => {
    const { simpleParser } = createRequire(__filename)('mailparser') as { simpleParser(b: Buffer): Promise<{ text?: string; html?: string | false }> };
    let compared = 0;
    for (const f of files) {
      const raw = fs.readFileSync(f);
      const parsed = await simpleParser(raw);
      const mine = body(raw, true);
      // mailparser turns HTML into text and leaves attached messages out: only plain-text messages compare.
      // U+FFFD in either text means bytes that are not in the declared charset (nice/cjk/iso-2022-jp.2 is
      // EUC-JP, spam/008 Shift_JIS declared us-ascii): each decoder guesses its own way there.
      const broken = (parsed.text ?? '').includes('\ufffd') || mine.text.includes('\ufffd');
      if (mine.changes.some((c) => !/ text\/plain/.test(c.what)) || parsed.html || /message\/rfc822/i.test(raw.toString('latin1')) || broken) continue;
      compared++;
      expect(mine.text.replace(/\s+$/, ''), f).toBe((parsed.text ?? '').replace(/\s+$/, ''));
    }
    expect(compared).toBeGreaterThan(100);
  });
});
