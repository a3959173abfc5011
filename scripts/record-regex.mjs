#!/usr/bin/env node
// Records how the REAL procmail (/usr/bin/procmail) evaluates a table of
// regex and scoring conditions, into test/regex/procmail-golden.json, which
// test/regex/golden.test.ts replays against our translator on any machine.
//
//   node scripts/record-regex.mjs           re-record the golden file
//   node scripts/record-regex.mjs --check   record to a temp file; exit 1 on any difference
//
// Each case becomes one recipe (docs/procmail-semantics.md §13 "C. Regex probe pattern"):
// marker LOG, the recipe with its conditions and `{ F=1 }`, then a LOG of the
// outcome, MATCH and `$=`, then MATCH is unset. procmail runs in -m mode in
// a scratch directory with a clean environment; nothing outside it is touched.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const GOLDEN = join(ROOT, 'test/regex/procmail-golden.json');
const PROCMAIL = '/usr/bin/procmail';

// ---------------------------------------------------------------------------
// Messages (latin1 text; written byte for byte).

const MESSAGES = {
  basic:
    'From: Alice Example <alice@example.com>\n' +
    'To: joe@x.org, Bob <bob@y.org>\n' +
    'Subject: Hello there\n continued subject\n' +
    'X-Tab:\tone\ttwo\n' +
    'X: y\n' +
    '\n' +
    'Line one\n' +
    'Last line\n',
  lines: 'Subject: lines\n\nx1\nx2\nx3\nx4\n',
  lines_noeol: 'Subject: lines\n\nx1\nx2\nx3',
  recipients:
    'From: someone@z.org\n' +
    'Resent-To: r1@x.org\n' +
    'Original-Resent-Cc: r2@x.org\n' +
    'X-Envelope-To: r3@x.org\n' +
    'Apparently-Resent-To: r4@x.org\n' +
    'Cc: big-joe@x.org, bigjoe@x.org, big.joe@x.org\n' +
    'Delivered-To: dt@x.org\n' +
    'Bcc:plain@x.org\n' +
    'Subject: recipients\n\nbody\n',
  d_mailer_daemon: 'From: MAILER-DAEMON@x.org\nSubject: fail\n\nbody\n',
  d_postmaster: 'From: postmaster@x.org\nSubject: p\n\nbody\n',
  d_bulk: 'From: news@x.org\nPrecedence: bulk\nSubject: p\n\nbody\n',
  d_list: 'From: news@x.org\nPrecedence: list\n\nbody\n',
  d_junk: 'From: news@x.org\nPrecedence: junk\n\nbody\n',
  d_mailing_list: 'Mailing-List: contact x@y\nFrom: a@b.org\n\nbody\n',
  d_owner: 'From: owner-foo@lists.x.org\n\nbody\n',
  d_request: 'From: foo-request@lists.x.org\n\nbody\n',
  d_root: 'From: root@host.x.org\n\nbody\n',
  d_listserv: 'Sender: listserv@x.org\nFrom: a@b.org\n\nbody\n',
  d_from_: 'From MAILER-DAEMON Mon Jan  1 00:00:00 2024\nSubject: x\n\nbody\n',
  d_daemon_comment: 'From: daemon@x.org (Alice)\n\nbody\n',
  d_alice: 'From: alice@x.org\n\nbody\n',
  d_noreply: 'From: noreply@x.org\n\nbody\n',
  d_quoted: 'From: "Daemon" <alice@x.org>\n\nbody\n',
  crlf: 'Subject: crlf\r\nFrom: a@b.org\r\n\r\nbody line\r\n',
  leading_nl: '\n\nSubject: lead\n\nbody\n',
  no_body: 'Subject: only header\nX: y\n',
  empty_body: 'Subject: e\n\n',
  latin1: 'Subject: caf\u00e9 \u00c4RGER Zebra\n\nbody \u00e4 text\n',
  words: 'Subject: joe@x.org.evil and foo-bar baz_qux\nX-W: word\n\nfoo bar\n',
  specials:
    'Subject: a*b a?b {x} [y] 1+1 back\\slash a|b (p) $5 ^up /sl/\n' +
    'X-Dots: a.b\n\n' +
    'body\n  indented body line\n\tdone\n',
  long_body: 'Subject: long\n\n' + 'aaaa bbbb cccc\n'.repeat(20),
  long_line: 'Subject: html on one line\n\n' + '<p>a word in a long html line without breaks</p>'.repeat(80) + '<p>the end</p>\n',
  tail: 'Subject: tail\n\n' + 'x'.repeat(300) + 'y\n' + 'x'.repeat(300) + '\n',
};

// ---------------------------------------------------------------------------
// Cases. cond: { p: pattern } | { prog: exitCode } | { size: ['<'|'>', L] },
// each optionally with neg (the `!` prefix) and w/x (a `w^x` weight).

const CASES = [];
function add(msg, flags, ...conds) {
  CASES.push({ msg, flags, conds });
}
const re = (msg, p, flags = '') => add(msg, flags, { p });
const nre = (msg, p, flags = '') => add(msg, flags, { p, neg: true });
const wre = (msg, w, x, p, flags = '') => add(msg, flags, { p, w, x });

// docs/procmail-semantics.md §3.1 areas and unfolding
re('basic', '^Subject: Hello there  continued subject$');
re('basic', 'Hello there$');
re('basic', '^Subject:.*continued', 'H');
re('basic', '^Line one$', 'B');
re('basic', '^Line one$');
re('basic', '^Subject', 'B');
re('basic', 'y$^Line one', 'HB');
re('basic', '^X-Tab:\tone\ttwo$');
re('specials', 'line$  indented', 'HB');
re('specials', 'line$  indented', 'B');
re('no_body', '.', 'B');
re('no_body', '^X: y$');
re('no_body', 'y$$', 'H');
re('leading_nl', '^Subject: lead$');
re('leading_nl', 'body', 'B');
re('leading_nl', '^^$$Subject', 'H');
re('crlf', 'body', 'B');
re('crlf', '^From: a@b\\.org\r$');
re('crlf', '^From: a@b\\.org$');
re('empty_body', '^^^^', 'B');
re('empty_body', '.', 'B');

// docs/procmail-semantics.md §3.2 anchors and newlines
re('basic', '^X: y$');
re('basic', 'X: y$^Line', 'HB');
re('basic', 'y$^$');
re('basic', 'y$$');
re('basic', 'y$$$');
re('basic', 'y$$^^');
re('basic', 'y$^^');
re('basic', 'y^^');
re('basic', '^$');
re('basic', '^$', 'B');
re('basic', 'Last line$$', 'B');
re('basic', 'Last line$$$', 'B');
re('basic', 'Last line$^^', 'B');
re('basic', 'Last line^^', 'B');
re('basic', '^^Line one', 'B');
re('basic', '^Line one', 'B');
re('basic', '^^^Line', 'B');
re('basic', '^^From:');
re('basic', '^^To:');
re('basic', '(^^|x)From:');
re('basic', 'Line one(^^|$)', 'B');
re('basic', '(x|)^^', 'B');
re('basic', '^^');
re('basic', '^^^^');
re('lines_noeol', 'x3$', 'B');
re('lines_noeol', 'x3$$', 'B');
re('lines_noeol', 'x3^^', 'B');
re('lines_noeol', 'x3$^^', 'B');
re('basic', 'Subject: Hello.there');
re('basic', 'there.continued');
re('basic', 'y.$');
re('basic', 'y.Line', 'HB');
re('basic', 'y[^a]Line', 'HB');
re('basic', 'y[^a][^a]Line', 'HB');
re('basic', 'y$[^a]Line', 'HB');

// docs/procmail-semantics.md §3.3 tokens: classes
re('specials', '[]]');
re('specials', '[]y]]');
re('specials', 'a[-]b');
re('specials', 'a[x-]b');
re('specials', '[\\.]');
re('specials', 'back[\\]slash');
re('specials', 'back[\\.]slash');
re('words', 'x[.]org[.]evil');
re('basic', '[[:alpha:]]');
re('specials', 'X-Dots: a[[:alpha:]]b');
re('specials', '[[:alpha:]]]');
re('basic', 'H[a-f]llo');
re('basic', 'H[f-a]llo');
re('basic', 'h[A-Z]llo');
re('basic', 'h[A-Z]llo', 'D');
re('basic', 'H[^a-z]llo');
re('basic', 'H[^A-Z]llo');
re('basic', 'H[^A-Z]llo', 'D');
re('basic', 'Hello[ x]there');
re('basic', '[a');
re('basic', 'Hel[l');
re('basic', 'Subject: [H]');

// escapes and literals
re('basic', '\\Hello');
re('basic', 'Hello\\ there');
re('specials', '\\{x\\}');
re('specials', '{x}');
re('specials', '\\[y]');
re('specials', 'a\\*b');
re('specials', 'a\\?b');
re('specials', '1\\+1');
re('specials', 'a\\|b');
re('specials', '\\(p\\)');
re('specials', '\\$5');
re('specials', '\\^up');
re('specials', '/sl/');
re('specials', 'back\\\\slash');
re('basic', '\\n');
re('basic', 'Li\\ne', 'B');
re('basic', 'o\\d');
re('specials', 'slash\\');
re('basic', 'Hel\\lo');

// \< \>
re('words', '\\<joe@x\\.org\\>');
re('words', '\\<foo\\>');
re('words', 'foo\\>bar');
re('words', '\\<bar\\>');
re('words', '\\<baz\\>');
re('words', 'word\\>', 'H');
re('words', '\\<word');
re('words', 'bar\\>', 'B');
re('words', '\\<foo', 'B');
re('words', '\\<qux');

// postfix oddities
re('basic', 'a**');
re('specials', 'a**');
re('basic', 'l*?');
re('specials', 'a*?b');
re('specials', 'a+?b');
re('basic', '*a');
re('specials', '*b');
re('basic', '+a');
re('specials', '+1');
re('basic', 'x*');
re('basic', 'Hel+o');
re('basic', 'Hel?lo');
re('basic', 'Hex?llo');
re('basic', '(Hel)+lo');
re('basic', '(abc|)Hello');
re('basic', '(|abc)Hello');
re('basic', 'Hello(| there)$');
re('basic', '()Hello');
re('basic', '(a|b|)+x');
re('basic', '((a*)*)*Hello');

// alternation and groups
re('basic', 'Hi|Hello');
re('basic', 'Hi|Bye');
re('basic', '^(To|Cc):.*bob');
re('basic', '^(From|Sender):.*alice');

// malformed
re('basic', '(abc');
re('basic', 'a)');
re('basic', '(a|b');
re('basic', 'x)|Hello');
re('basic', '((Hello)');

// case
re('basic', 'HELLO');
re('basic', 'HELLO', 'D');
re('basic', 'hello', 'D');
re('latin1', 'caf\u00c9');
re('latin1', 'caf\u00e9');
re('latin1', '\u00e4rger');
re('latin1', '\u00c4RGER', 'D');
re('latin1', 'zebra');
re('latin1', 'body \u00c4', 'B');
re('latin1', '[\u00c0-\u00ff]rger');

// macros
re('basic', '^TO_joe@x\\.org');
re('basic', '^TOjoe@x\\.org');
re('basic', '^TO_bob@');
re('basic', '^TObob');
re('recipients', '^TO_r1@');
re('recipients', '^TO_r2@');
re('recipients', '^TO_r3@');
re('recipients', '^TO_r4@');
re('recipients', '^TO_dt@');
re('recipients', '^TO_plain@');
re('recipients', '^TO_joe@');
re('recipients', '^TOjoe@');
re('recipients', '^TO_bigjoe');
re('recipients', '^TO_big\\.joe');
re('recipients', '^TObigjoe');
re('recipients', '^to_r1@');
re('recipients', '\\^TO_r1');
re('recipients', '^TO_R1@', 'D');
re('words', '^TO_joe@x\\.org\\>');
for (const m of Object.keys(MESSAGES).filter((k) => k.startsWith('d_'))) {
  re(m, '^FROM_DAEMON');
  re(m, '^FROM_MAILER');
}
re('d_mailer_daemon', '^FROM_DAEMON', 'D');
re('d_mailer_daemon', '^FROM_MAILER', 'D');
re('d_postmaster', '^FROM_MAILER', 'D');
re('basic', '^FROM_DAEMON|HELLO', 'D');

// docs/procmail-semantics.md §3.5 MATCH
re('basic', '^Subject:\\/.*');
re('basic', '^Subject:.*\\/t.*');
re('basic', 'Subject: \\/H.*o');
re('basic', '^Subject: \\/(Hello|Hel)');
re('basic', '^Subject: \\/(Hel|Hello)');
re('basic', '^From:.*<\\/[^>]+');
re('basic', 'Subject:\\/');
re('basic', '\\/');
re('basic', '\\/Hello');
re('basic', '^X: \\/.*$');
re('basic', '^X: \\/.*$$');
re('basic', 'Line one\\/$Last', 'B');
re('basic', '^^\\/Line', 'B');
re('basic', '\\/^Line', 'B');
re('basic', 'line\\/$^^', 'B');
re('basic', 'line\\/$', 'B');
re('basic', 'To:.*\\/[a-z]+@[a-z.]+');
re('basic', '^To:\\/.*');
re('basic', '(x\\/y|Hello)');
re('basic', 'e\\/l+');
re('basic', 'l\\/l*o');
re('basic', 'a\\/b\\/c|Hello\\/ there');
re('basic', 'Hel\\/lo\\/ there');
re('basic', 'HELLO \\/THERE');
re('basic', 'HELLO \\/THERE', 'D');
re('basic', '^Subject: \\/[^ ]+ \\/.*');
re('words', '\\<\\/[a-z]+\\>', 'B');
nre('basic', 'Hello\\/ there');
re('lines', '\\/x.', 'B');
re('lines', 'x.$\\/x.', 'B');
re('specials', 'indented\\/.*$.*', 'B');
add('basic', '', { p: '^From:\\/.*' }, { p: '^Nope' });
add('basic', '', { p: '^From:\\/.*' }, { p: '^To:\\/.*' });
add('basic', '', { p: '^From:\\/.*' }, { p: '^Subject' });

// negation
nre('basic', 'Hello');
nre('basic', 'Nope');
add('basic', '', { p: 'Hello' }, { p: 'Nope', neg: true });

// docs/procmail-semantics.md §4 scoring: regexes
wre('lines', 1, 1, '^x', 'B');
wre('lines', 1, 1, '^x.$', 'B');
wre('lines', 1, 1, '^.*$', 'B');
wre('lines', 1, 2, '^x', 'B');
wre('lines', 1, 0.5, '^x', 'B');
wre('lines', 10, -1, '^x', 'B');
wre('lines', 1, 0, '^x', 'B');
wre('lines', 1, 1, 'x', 'B');
wre('lines', 2, 1, 'x[0-9]', 'B');
wre('lines', 1, 1, 'x*', 'B');
wre('lines', 1, 0.5, 'x*', 'B');
wre('lines', -1, 1, 'x*', 'B');
wre('lines', 3, 0, 'x*', 'B');
wre('lines', 1, 1, '$', 'B');
wre('lines', 1, 1, '^', 'B');
wre('lines', 1, 1, 'x1|x2$', 'B');
wre('lines', 1, 1, '^^x', 'B');
wre('lines', 1, 1, 'x4$^^', 'B');
wre('lines', 1, 1, '$^^', 'B');
wre('lines_noeol', 1, 1, '^.*$', 'B');
wre('lines_noeol', 1, 1, 'x', 'B');
wre('lines_noeol', 1, 1, '[0-9]$', 'B');
wre('lines_noeol', 1, 1, '3', 'B');
wre('lines_noeol', 1, 1, '3$', 'B');
wre('lines', 0.5, 0, 'x');
wre('lines', 0.5, 0, 'x', 'B');
wre('lines', 0.3, 1, 'x1', 'B');
wre('lines', -0.5, 1, 'x1', 'B');
wre('lines', 2.5, 1, 'x1', 'B');
wre('lines', 0, 1, 'x', 'B');
wre('lines', 1.5, 1.5, 'x', 'B');
wre('lines', 0.9, 0.9, 'x', 'B');
wre('long_body', 1, 1, 'a', 'B');
wre('long_body', 1, 1, '^a', 'B');
wre('long_body', 1, 0.9, 'b', 'B');
wre('long_body', 0.5, 0.5, 'c', 'B');
wre('long_body', 2, 1.1, '^.*$', 'B');
wre('long_body', 1, 2, 'a', 'B');
wre('long_body', 1000, 2, 'a', 'B');
wre('long_body', -1000, 2, 'a', 'B');
wre('basic', 1, 1, 'e');
wre('basic', 1, 1, 'e', 'D');
wre('basic', 1, 1, 'L', 'BD');
wre('basic', 1, 1, '\\/l', 'B');
wre('basic', 1, 1, '^Subject:\\/.*');
add('lines', 'B', { p: 'x', w: 1, x: 1 }, { p: 'x1', w: -2, x: 1 });
add('lines', 'B', { p: 'x', w: 1, x: 1 }, { p: 'x1', w: -4, x: 1 });
add('lines', 'B', { p: 'x', w: 1, x: 1 }, { p: 'Nope' });
add('lines', 'B', { p: 'x', w: 1, x: 1 }, { p: 'x2' });
add('lines', 'B', { p: 'x', w: 1, x: 1, neg: true });
add('lines', 'B', { p: 'Nope', w: 3, x: 1, neg: true });
add('lines', 'B', { p: 'Nope', w: 3, x: 1 });
add('lines', 'B', { p: 'x*', w: 1, x: 1 }, { p: 'x', w: -5, x: 1 }, { p: 'x1' });
add('lines', 'B', { p: 'x*', w: -1, x: 1 }, { p: 'x', w: 5, x: 1 });
add('lines', 'B', { p: 'x*', w: -1, x: 1 }, { p: 'x' });
add('lines', 'B', { p: '^', w: 1, x: 1 }, { p: 'Nope' });
// The early stop makes `1^0.5 ^x` over 4 lines 1.5, not 1.875: probe the fraction with a second weight.
add('lines', 'B', { p: '^x', w: 1, x: 0.5 }, { p: 'x', w: -1.6, x: 0 });
add('lines', 'B', { p: '^x', w: 1, x: 0.5 }, { p: 'x', w: -1.4, x: 0 });
add('lines', 'B', { p: 'x', w: 0.9, x: 0.9 }, { p: 'x', w: -0.85, x: 0 });
add('lines', 'B', { p: 'x', w: 0.9, x: 0.9 }, { p: 'x', w: -0.95, x: 0 });

// docs/procmail-semantics.md §4 scoring: programs and sizes
add('basic', '', { prog: 0, w: 5, x: 3 });
add('basic', '', { prog: 1, w: 5, x: 3 });
add('basic', '', { prog: 7, w: 5, x: 3 });
add('basic', '', { prog: 3, w: 1, x: 1, neg: true });
add('basic', '', { prog: 3, w: 2, x: 2, neg: true });
add('basic', '', { prog: 0, w: 2, x: 2, neg: true });
add('basic', '', { prog: 0 });
add('basic', '', { prog: 1 });
add('basic', '', { prog: 1, neg: true });
add('basic', '', { size: ['>', 10], w: 100, x: 1 });
add('basic', '', { size: ['<', 10], w: 100, x: 1 });
add('basic', '', { size: ['>', 1000], w: 100, x: 1 });
add('basic', '', { size: ['>', 50], w: 1, x: 2 });
add('basic', '', { size: ['<', 1000], w: 1, x: 0.5 });
add('basic', '', { size: ['>', 0], w: 1, x: 1 });
add('basic', '', { size: ['>', 0], w: -1, x: 1 });
add('basic', '', { size: ['>', 10], w: 100, x: 1, neg: true });
add('basic', '', { size: ['<', 10], w: 100, x: 1, neg: true });
add('basic', '', { size: ['>', 10] });
add('basic', '', { size: ['<', 10] });
add('basic', '', { size: ['>', 10], neg: true });
add('basic', '', { size: ['>', 1000], w: -1, x: 1 }, { p: 'Hello' });

// Linear search (src/eval/regex-dfa.ts, regex-live.ts): a long line, groups
// nested deep, quantifiers nested deeper than V8's linear engine took, and a
// weighted `\/` whose right side lives on without matching.
re('long_line', '.*zz', 'B');
re('long_line', '.*.*the end', 'B');
re('long_line', '[^q]*[^r]*zz', 'B');
re('long_line', '^^<p>a word', 'B');
re('long_line', 'the end</p>$^^', 'B');
re('long_line', '^^.*zz', 'B');
re('long_line', '<p>the \\/[a-z]+', 'B');
re('long_line', 'breaks.*\\/end', 'B');
re('long_line', '^^\\/<p>a word', 'B');
re('long_line', '(a+)+$', 'B');
re('long_line', '^Subject:.*one line$', 'HB');
wre('long_line', 1, 1, 'word', 'B');
wre('long_line', 1, 1, 'a.*', 'B');
wre('long_line', 1, 1, '\\/w[a-z]*', 'B');
wre('long_line', -1, 1, '<p>', 'HB');
re('basic', '((((((L+)+)+)+)+)+)ine', 'B');
re('basic', '((((((((x|L)+)*)+)?)+)*)+)\\/a[a-z]+', 'B');
wre('basic', 1, 1, '((((((e+)+)+)+)+)+)', 'B');
re('basic', '('.repeat(900) + 'Last' + ')'.repeat(900), 'B');
re('basic', '('.repeat(900) + 'Lost' + ')'.repeat(900), 'B');
re('basic', '(x|'.repeat(300) + 'Last' + ')+'.repeat(300), 'B');
re('basic', '^Subject: ' + '('.repeat(400) + '\\/[a-z]+' + ')'.repeat(400));
wre('tail', 1, 1, '\\/[ax](x*y|)', 'B');
wre('tail', 1, 1, '\\/x(x*y|x)', 'B');

// ---------------------------------------------------------------------------

/** A pattern whose first character procmail would take as a prefix gets a `\` quote (docs/procmail-semantics.md §1.5). */
function quote(p) {
  return /^[!?<>$\\0-9+\-.,]/.test(p) ? '\\' + p : p;
}

function renderCond(c) {
  let s = '* ';
  if (c.neg) s += '! ';
  if (c.w !== undefined) s += `${c.w}^${c.x} `;
  if (c.p !== undefined) s += quote(c.p);
  else if (c.prog !== undefined) s += `? exit ${c.prog};`;
  else s += `${c.size[0]} ${c.size[1]}`;
  return s;
}

function renderRc(cases) {
  let rc = 'LOGABSTRACT=no\nSHELL=/bin/sh\n';
  for (const c of cases) {
    rc += `LOG="<<B${c.id}>>\n"\n`;
    rc += `:0 ${c.flags}\n`;
    for (const cond of c.conds) rc += renderCond(cond) + '\n';
    rc += '{\nF=1\n}\n';
    rc += `LOG="<<E${c.id}=\${F-0}|\${MATCH-@UNSET@}|$=>>\n"\n`;
    rc += 'F\nMATCH\n';
  }
  rc += ':0\n/dev/null\n';
  return rc;
}

function parseLog(log, cases) {
  const out = new Map();
  for (const c of cases) {
    const b = log.indexOf(`<<B${c.id}>>\n`);
    const eTag = `<<E${c.id}=`;
    const e = log.indexOf(eTag, b);
    if (b < 0 || e < 0) throw new Error(`case ${c.id}: markers missing in the log`);
    const between = log.slice(b, e);
    const end = log.indexOf('>>\n', e);
    let rest = log.slice(e + eTag.length, end);
    // Take the score from the right: MATCH itself may contain `|`.
    while (!/\|-?\d+$/.test(rest)) {
      const more = log.indexOf('>>\n', end + 3);
      rest = log.slice(e + eTag.length, more);
    }
    const found = rest[0] === '1';
    const scoreAt = rest.lastIndexOf('|');
    const match = rest.slice(2, scoreAt);
    out.set(c.id, {
      matched: found,
      match: match === '@UNSET@' ? null : match,
      score: Number(rest.slice(scoreAt + 1)),
      invalid: between.includes('Invalid regexp'),
    });
  }
  return out;
}

function record() {
  const cases = CASES.map((c, i) => ({ id: i + 1, ...c }));
  const byMsg = new Map();
  for (const c of cases) {
    if (!(c.msg in MESSAGES)) throw new Error(`unknown message ${c.msg}`);
    if (!byMsg.has(c.msg)) byMsg.set(c.msg, []);
    byMsg.get(c.msg).push(c);
  }
  const results = new Map();
  const dir = mkdtempSync(join(tmpdir(), 'record-regex-'));
  try {
    for (const [msg, list] of byMsg) {
      const rcPath = join(dir, `${msg}.rc`);
      const logPath = join(dir, `${msg}.log`);
      writeFileSync(rcPath, renderRc(list), 'latin1');
      const res = spawnSync(
        PROCMAIL,
        ['-m', `MAILDIR=${dir}`, `LOGFILE=${logPath}`, 'DEFAULT=/dev/null', rcPath],
        { input: Buffer.from(MESSAGES[msg], 'latin1'), env: { PATH: '/usr/bin:/bin', TZ: 'UTC', LC_ALL: 'C' }, cwd: dir, timeout: 60_000 },
      );
      if (res.status !== 0) throw new Error(`procmail exited ${res.status} for ${msg}: ${res.stderr}`);
      for (const [id, r] of parseLog(readFileSync(logPath, 'latin1'), list)) results.set(id, r);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const version = spawnSync(PROCMAIL, ['-v'], { encoding: 'latin1' }).stderr.split('\n')[0] ?? '';
  return {
    comment: 'Generated by scripts/record-regex.mjs from the real procmail; do not edit by hand.',
    procmail: version.trim(),
    messages: MESSAGES,
    cases: cases.map((c) => ({ ...c, rc: c.conds.map(renderCond), expect: results.get(c.id) })),
  };
}

function main() {
  const check = process.argv.includes('--check');
  if (!existsSync(PROCMAIL)) {
    const msg = `record-regex: ${PROCMAIL} not found`;
    if (process.env.CI === 'true') {
      console.error(msg);
      process.exit(1);
    }
    console.error(`${msg}; skipped`);
    process.exit(0);
  }
  const golden = record();
  const text = JSON.stringify(golden, null, 1) + '\n';
  if (!check) {
    writeFileSync(GOLDEN, text, 'utf8');
    console.log(`record-regex: ${golden.cases.length} cases written to ${GOLDEN}`);
    return;
  }
  const old = existsSync(GOLDEN) ? readFileSync(GOLDEN, 'utf8') : '';
  if (old === text) {
    console.log(`record-regex: ${golden.cases.length} cases match ${GOLDEN}`);
    return;
  }
  const prev = old ? JSON.parse(old) : { cases: [] };
  const prevById = new Map(prev.cases.map((c) => [c.id, JSON.stringify(c)]));
  for (const c of golden.cases) if (prevById.get(c.id) !== JSON.stringify(c)) console.error(`differs: case ${c.id} ${c.rc.join(' ')}`);
  if (prev.cases.length !== golden.cases.length) console.error(`case count ${prev.cases.length} -> ${golden.cases.length}`);
  console.error('record-regex: golden file is out of date; run node scripts/record-regex.mjs');
  process.exit(1);
}

main();
