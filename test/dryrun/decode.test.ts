import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeInput, libmimeHeaderParser, type HeaderParser } from '../../src/dryrun/decode.js';
import { displayHeader } from '../../src/dryrun/display-header.js';
import { corpusFiles } from '../helpers/corpus.js';
import type { MessageReport } from '../../src/dryrun/report.js';
import { DRYRUN_DECODE_BATCH } from '../../src/limits.js';
import { expectGolden, ROOT, runDry } from './helpers.js';

/**
 * Decoded Subject/From/To in --trace and --json (src/dryrun/decode.ts):
 * shown decoded for people, while the rc's regexes keep matching the raw
 * bytes as procmail does.
 */
const FX = 'test/dryrun/fixtures/encoded';
const ARGS = [`MAILDIR=${FX}`, `${FX}/messages`];
const CORPUS = join(ROOT, '..', 'shared', 'corpus', 'spamassassin');

function reports(stdout: string): MessageReport[] {
  return stdout
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as MessageReport);
}

function byName(rs: MessageReport[], suffix: string): MessageReport {
  const r = rs.find((x) => x.message.endsWith(suffix));
  if (r === undefined) throw new Error(`no report for ${suffix}`);
  return r;
}

/** Records what the parser was fed, then parses it as the dry run does. */
function recordingParser(): { parser: HeaderParser; fed: Buffer[] } {
  const fed: Buffer[] = [];
  return {
    fed,
    parser: (h) => {
      fed.push(h);
      return libmimeHeaderParser(h);
    },
  };
}

describe('decoded header fields', () => {
  it('--trace shows Subject/From/To decoded, with the raw text the regexes match (golden)', async () => {
    const r = await runDry(`${FX}/rules.rc`, ARGS, { trace: true });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('   Subject: Café\n            [decoded; the rc\'s regexes match the raw text: =?UTF-8?Q?Caf=C3=A9?=]\n');
    expect(r.stdout).toContain('   Subject: 日本語\n');
    expect(r.stdout).toContain('   From: "Jürgen Müller" <jm@example.org>\n');
    // Plain ASCII fields are shown once, as written.
    expect(r.stdout).toContain('   From: "Plain Sender" <plain@example.com>\n   To: you@example.com\n   Subject: nothing to decode\n  ');
    expectGolden('encoded.trace.txt', r.stdout);
  });

  it('--json adds subjectDecoded/fromDecoded/toDecoded only where decoding changes the text; schema stays 1', async () => {
    const r = await runDry(`${FX}/rules.rc`, ARGS, { json: true });
    expect(r.code).toBe(0);
    const rs = reports(r.stdout);
    expect(rs).toHaveLength(5);
    for (const x of rs) expect(x.schema).toBe(1);
    const q = byName(rs, '01-utf8-q.eml');
    expect(q).toMatchObject({ subject: '=?UTF-8?Q?Caf=C3=A9?=', subjectDecoded: 'Café', from: '=?ISO-8859-1?Q?J=FCrgen?= <j@example.org>', fromDecoded: '"Jürgen" <j@example.org>', to: 'Bob <bob@example.net>' });
    expect(q.toDecoded).toBeUndefined();
    const jp = byName(rs, '02-iso-2022-jp.eml');
    expect(jp.subjectDecoded).toBe('日本語');
    expect(jp.toDecoded).toBe('"日本語" <ja@example.jp>');
    // Folded raw From: unfolded for display.
    expect(jp.from).toBe('=?ISO-8859-1?Q?J=FCrgen_M=FCller?= <jm@example.org>');
    // Raw Big5 bytes without RFC 2047: read in the body's charset, not as UTF-8.
    expect(byName(rs, '03-big5-raw.eml')).toMatchObject({ subject: '[SLAT] \xb9q\xb8\xa3', subjectDecoded: '[SLAT] 電腦' });
    expect(byName(rs, '04-windows-1252.eml').subjectDecoded).toBe('“Sale” – 50€ off');
    const plain = byName(rs, '05-plain.eml');
    expect(plain).toMatchObject({ subject: 'nothing to decode', from: '"Plain Sender" <plain@example.com>', to: 'you@example.com' });
    expect('subjectDecoded' in plain || 'fromDecoded' in plain || 'toDecoded' in plain).toBe(false);
    // Key order: each decoded text right after its raw one.
    expect(Object.keys(q).slice(0, 9)).toEqual(['schema', 'message', 'size', 'subject', 'subjectDecoded', 'from', 'fromDecoded', 'to', 'destination']);
  });

  it('the rc still matches the raw bytes: the raw encoded word matches, the decoded text does not', async () => {
    const rs = reports((await runDry(`${FX}/rules.rc`, ARGS, { json: true })).stdout);
    expect(byName(rs, '01-utf8-q.eml').destination).toBe('cafe/');
    expect(rs.some((x) => x.destination === 'decoded/')).toBe(false);
    expect(byName(rs, '02-iso-2022-jp.eml').destination).toBe('juergen/');
    // The short form is unchanged by decoding: same destinations.
    const short = (await runDry(`${FX}/rules.rc`, ARGS)).stdout;
    expect(short).toContain('01-utf8-q.eml → cafe/ (maildir)');
    expect(short).not.toContain('Café');
  });

  it('feeds the parser the displayed fields (and Content-Type) of the header only, and only for messages that need it', async () => {
    const { parser, fed } = recordingParser();
    const r = await runDry(`${FX}/rules.rc`, ARGS, { json: true }, { headerParser: parser });
    expect(r.code).toBe(0);
    expect(fed).toHaveLength(4); // 05-plain.eml has nothing to decode
    for (const h of fed) {
      const t = h.toString('latin1');
      expect(t.endsWith('\n\n')).toBe(true);
      expect(t).not.toMatch(/body|Received|Message-ID/);
    }
    expect(fed[0]!.toString('latin1')).toBe('From: =?ISO-8859-1?Q?J=FCrgen?= <j@example.org>\nTo: Bob <bob@example.net>\nSubject: =?UTF-8?Q?Caf=C3=A9?=\n\n');
    // Folding is kept as it is: the parser unfolds.
    expect(fed[1]!.toString('latin1')).toContain('From: =?ISO-8859-1?Q?J=FCrgen_M=FCller?=\n <jm@example.org>\nTo: ');
    expect(fed[1]!.toString('latin1')).toContain('Content-Type: text/plain; charset=ISO-2022-JP\n\n');
  });

  it('the default short mode never calls the parser; --compare with --json prints no report, so decodes nothing', async () => {
    const { parser, fed } = recordingParser();
    await runDry(`${FX}/rules.rc`, ARGS, {}, { headerParser: parser });
    await runDry(`${FX}/rules.rc`, ARGS, { json: true, compare: `${FX}/rules.rc` }, { headerParser: parser });
    expect(fed).toHaveLength(0);
  });

  it('a parser failure leaves the raw texts and says so once on stderr', async () => {
    const failing: HeaderParser = () => Promise.reject(new Error('no libmime here'));
    const r = await runDry(`${FX}/rules.rc`, ARGS, { json: true }, { headerParser: failing });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('mailrules test: could not decode some headers (no libmime here); they are shown raw\n');
    const rs = reports(r.stdout);
    expect(rs).toHaveLength(5);
    expect(rs.every((x) => x.subjectDecoded === undefined)).toBe(true);
  });

  describe('order of output while decodes are in flight', () => {
    let tmp: string;
    beforeAll(() => {
      tmp = mkdtempSync(join(tmpdir(), 'mr-decode-'));
    });
    afterAll(() => rmSync(tmp, { recursive: true, force: true }));

    it('prints every message in input order, across several batches, though decodes finish out of order', async () => {
      const n = DRYRUN_DECODE_BATCH * 2 + 7;
      const parts: string[] = [];
      for (let i = 1; i <= n; i++) {
        const subject = i % 3 === 0 ? 'plain' : `=?UTF-8?Q?n=C2=B0${i}?=`;
        parts.push(`From x@y  Mon Jan  1 00:00:00 2001\nFrom: x@y\nSubject: ${subject}\n\nbody ${i}\n\n`);
      }
      const mbox = join(tmp, 'mbox');
      writeFileSync(mbox, parts.join(''));
      // Later messages decode first.
      const slow: HeaderParser = (h) => new Promise((res) => setTimeout(res, (n - Number(/n=C2=B0(\d+)/.exec(h.toString('latin1'))![1])) % 5)).then(() => libmimeHeaderParser(h));
      const r = await runDry(`${FX}/rules.rc`, [`MAILDIR=${tmp}`, mbox], { trace: true }, { headerParser: slow });
      expect(r.code).toBe(0);
      const heads = r.stdout.split('\n').filter((l) => l.startsWith('== '));
      expect(heads).toEqual(Array.from({ length: n }, (_, k) => expect.stringContaining(`mbox#${k + 1} (`)));
      const subjects = r.stdout.split('\n').filter((l) => l.startsWith('   Subject: '));
      expect(subjects).toEqual(Array.from({ length: n }, (_, k) => `   Subject: ${(k + 1) % 3 === 0 ? 'plain' : `n°${k + 1}`}`));
    });
  });
});

/**
 * libmime costs ~30 ms to load: the default mode must not load it at all,
 * and mailparser (three times that) is never loaded. Checked in a fresh
 * process (the suite shares workers, isolate:false), by the files of
 * node_modules in require.cache; the --json run on encoded subjects is the
 * control that shows the check can see a load.
 */
describe('libmime is loaded only when a report shows a header that needs it', () => {
  let dir: string;
  beforeAll(async () => {
    // Inside the repository so the bundle's import('mailparser') resolves as the CLI's does.
    dir = join(ROOT, 'node_modules', '.cache', 'mailrules-test');
    mkdirSync(dir, { recursive: true });
    await build({ entryPoints: [join(ROOT, 'src/cli/test-command.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: join(dir, 'test-command.cjs'), logLevel: 'warning', external: ['libmime', 'mailparser', 'nodemailer', 'os-lock'] });
    writeFileSync(
      join(dir, 'probe.cjs'),
      `const { runTest, defaultTestIo } = require('./test-command.cjs');
const [rc, opts, ...inputs] = process.argv.slice(2);
let out = '';
runTest(rc, inputs, JSON.parse(opts), { ...defaultTestIo(), stdout: (s) => { out += s; } }).then((code) => {
  const loaded = Object.keys(require.cache).some((k) => k.includes('/node_modules/libmime/'));
  const mailparser = Object.keys(require.cache).some((k) => k.includes('/node_modules/mailparser/'));
  process.stdout.write(JSON.stringify({ code, loaded, mailparser, bytes: out.length, decoded: out.includes('Café') }));
});
`,
    );
  });

  function probe(opts: object, inputs: string[]): { code: number; loaded: boolean; mailparser: boolean; bytes: number; decoded: boolean } {
    const env = { ...process.env };
    delete env.NODE_EXTRA_CA_CERTS;
    const p = spawnSync(process.execPath, [join(dir, 'probe.cjs'), `${FX}/rules.rc`, JSON.stringify(opts), ...inputs], { cwd: ROOT, encoding: 'utf8', env });
    expect(p.stderr).toBe('');
    return JSON.parse(p.stdout) as { code: number; loaded: boolean; mailparser: boolean; bytes: number; decoded: boolean };
  }

  it('default short mode on encoded subjects: not loaded', () => {
    expect(probe({}, ARGS)).toMatchObject({ code: 0, loaded: false, decoded: false });
  });

  it('--json on encoded subjects: loaded (the control)', () => {
    expect(probe({ json: true }, ARGS)).toMatchObject({ code: 0, loaded: true, mailparser: false, decoded: true });
  });

  it('--trace and --json on plain ASCII headers only: not loaded', () => {
    const plain = [`MAILDIR=${FX}`, `${FX}/messages/05-plain.eml`];
    expect(probe({ trace: true }, plain)).toMatchObject({ code: 0, loaded: false });
    expect(probe({ json: true }, plain)).toMatchObject({ code: 0, loaded: false });
  });
});

describe.skipIf(!existsSync(CORPUS))('SpamAssassin corpus replay with decoding', () => {
  const dirs = [join(CORPUS, 'nice'), join(CORPUS, 'spam')];

  it('--json reports every message, decodes RFC 2047 and raw 8-bit subjects, and routes by the raw bytes', async () => {
    const short = await runDry(`${FX}/rules.rc`, ['MAILDIR=/nonexistent', ...dirs]);
    expect(short.code).toBe(0);
    const r = await runDry(`${FX}/rules.rc`, ['MAILDIR=/nonexistent', ...dirs], { json: true });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const rs = reports(r.stdout);
    expect(rs.length).toBeGreaterThan(100);
    // Same messages in the same order, same destinations as the short mode.
    const shortLines = short.stdout.split('\n').filter((l) => l.includes(' → '));
    expect(rs.map((x) => x.message)).toEqual(shortLines.map((l) => l.slice(0, l.indexOf(' → '))));
    expect(byName(rs, 'nice/unicode1').subjectDecoded).toBe('Domače omrežje');
    expect(byName(rs, 'nice/unicode2').subjectDecoded).toMatch(/^【重要訊息】台電/);
    expect(byName(rs, 'spam/utf16.eml').subjectDecoded).toBe('Design and manufacturing');
    expect(byName(rs, 'nice/cjk/gb2312.2').subjectDecoded).toBe('RE: 装硬碟问题');
    // Raw Big5 / GB2312 subjects: read in the message's charset, no replacement characters.
    for (const name of ['nice/cjk/big5-base64.1', 'nice/cjk/gb2312.1']) {
      const x = byName(rs, name);
      expect(x.subjectDecoded).toBeDefined();
      expect(x.subjectDecoded).not.toContain('\uFFFD');
    }
    // Every decoded text differs from its raw one (else it is left out).
    for (const x of rs) if (x.subjectDecoded !== undefined) expect(x.subjectDecoded).not.toBe(x.subject);
  });
});

/** mailparser's own result (the dry run showed these texts before it read headers with libmime). */
interface Mailparsed {
  readonly subject?: string;
  readonly headers: Map<string, unknown>;
}

function mailparserText(v: unknown): string | undefined {
  const t = v !== null && typeof v === 'object' ? (v as { text?: unknown }).text : undefined;
  return typeof t === 'string' ? t : undefined;
}

async function sameAsMailparser(input: Buffer, what: string): Promise<void> {
  const simpleParser = (require('mailparser') as { simpleParser(b: Buffer): Promise<Mailparsed> }).simpleParser;
  const mine = displayHeader(input);
  const theirs = await simpleParser(input);
  const ct = theirs.headers.get('content-type') as { params?: { charset?: string } } | undefined;
  expect({ subject: mine.subject, from: mine.from, to: mine.to, charset: mine.charset }, what).toEqual({
    subject: theirs.subject,
    from: mailparserText(theirs.headers.get('from')),
    to: mailparserText(theirs.headers.get('to')),
    charset: ct?.params?.charset,
  });
}

describe('the header texts shown are mailparser\'s', () => {
  it('for encoded names, groups, addresses hidden in encoded words, IDN domains and raw 8-bit text', async () => {
    const headers = [
      'From: =?ISO-8859-1?Q?J=FCrgen_M=FCller?=\n <jm@example.org>\nTo: =?UTF-8?B?5pel5pys6Kqe?= <ja@example.jp>\nSubject: =?UTF-8?Q?Caf=C3=A9?= =?UTF-8?Q?_au_lait?=\n',
      'From: "=?utf-8?Q?Ann_=C3=85?=" <ann@example.org> (comment)\nTo: Team: a@example.org, "B b" <b@example.org>;, c@example.org\n',
      'From: =?utf-8?B?QWxpY2UgPGFsaWNlQGV4YW1wbGUub3JnPg==?=\nTo: =?utf-8?B?YWxpY2VAZXZpbC5vcmc=?=\n',
      'From: x@xn--bcher-kva.example\nTo: =?utf-8?Q?a=40b.org?= <=?utf-8?Q?c=40d.org?=>\nSubject:\n',
      'From: J\xc3\xbcrgen <j@example.org>\nSubject: Gr\xc3\xbc\xc3\x9fe\nContent-Type: text/plain; charset="=?utf-8?Q?iso-8859-1?="\n',
      'Subject: =?koi8-r?B?8NLJ18XU?= and =?gb2312?B?17DTssX7?=\nContent-Type: text/plain; charset=KOI8-R\n',
      'From: <>\nTo: undisclosed-recipients:;\nSubject: =?utf-8?Q?broken\n',
    ];
    for (const h of headers) await sameAsMailparser(Buffer.from(`${h}\n`, 'latin1'), JSON.stringify(h));
  });

  it.skipIf(!existsSync(CORPUS))('for every corpus message', async () => {
    const files = corpusFiles(CORPUS).filter((f) => !f.endsWith('.mbox'));
    expect(files.length).toBeGreaterThan(100);
    for (const file of files) await sameAsMailparser(decodeInput(readFileSync(file)), file);
  });
});
