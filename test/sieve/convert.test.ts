import { describe, expect, it } from 'vitest';
import { convertRc, type Conversion } from '../../src/sieve/convert.js';
import { countRecipes, statusOf, type Status } from '../../src/sieve/report.js';

function convert(rc: string, opts: { files?: Record<string, string>; separator?: '/' | '.'; allowPipe?: boolean } = {}): Conversion {
  const files = opts.files ?? {};
  return convertRc(rc, 'rc', {
    separator: opts.separator ?? '/',
    allowPipe: opts.allowPipe ?? false,
    readFile: (p) => files[p] ?? null,
    environment: new Map([['HOME', '/home/u']]),
  });
}

/** The script without its header comments and require line. */
function body(c: Conversion): string {
  return c.sieve
    .split('\n')
    .filter((l) => !l.startsWith('#') && !l.startsWith('require ') && l.trim() !== '' && !/^\s*# /.test(l))
    .join('\n');
}

function statuses(c: Conversion): Status[] {
  return c.entries.filter((e) => e.kind === 'recipe').map((e) => statusOf(e.reasons));
}

function codes(c: Conversion): string[] {
  return c.entries.flatMap((e) => e.reasons.filter((r) => r.severity !== 'note').map((r) => r.code));
}

describe('to-sieve: actions', () => {
  it('files into mailboxes relative to MAILDIR, stops after a delivery, and keeps the DEFAULT folder', () => {
    const c = convert('MAILDIR=$HOME/Mail\nDEFAULT=$MAILDIR/inbox/\n:0\n* ^Subject: a\n$HOME/Mail/lists/work/\n:0\n* ^Subject: b\ninbox/\n');
    expect(body(c)).toBe(
      ['if header :matches "Subject" "a*" {', '  fileinto :create "lists/work";', '  stop;', '}', 'if header :matches "Subject" "b*" {', '  keep;', '  stop;', '}'].join('\n'),
    );
    expect(statuses(c)).toEqual(['converted', 'converted']);
  });

  it('names folders with the hierarchy separator chosen: maildir, Maildir++, MH and mbox paths', () => {
    const rc = ':0 c\na/b/\n:0 c\n.A.b/\n:0 c\nmh/x/.\n:0 c\nmbox\n';
    expect(body(convert(rc))).toContain('"a/b"');
    const dots = body(convert(rc, { separator: '.' }));
    for (const name of ['"a.b"', '"A.b"', '"mh.x"', '"mbox"']) expect(dots).toContain(name);
  });

  it('copies with :copy, discards /dev/null, redirects forwards (split as procmail splits a variable)', () => {
    const c = convert('TO="a@x.org b@x.org"\n:0 c\n! $TO\n:0 c\nsaved/\n:0\n/dev/null\n');
    const b = body(c);
    expect(b).toContain('redirect :copy "a@x.org";');
    expect(b).toContain('redirect :copy "b@x.org";');
    expect(b).toContain('fileinto :copy :create "saved";');
    expect(b).toContain('discard;\nstop;');
    expect(statuses(c)).toEqual(['converted', 'converted', 'converted']);
  });

  it('gives the mailrules @ actions their Sieve commands', () => {
    const c = convert('LOOPID=me@x.org\nREPLYDAYS=3\n:0\n* @loop\n@discard\n:0\n* ^Subject: no\n@bounce "go away"\n:0 c\n@reply "away"\n');
    const b = body(c);
    expect(b).toContain('if header :is "X-Loop" "me@x.org" {\n  discard;\n  stop;\n}');
    expect(b).toContain('reject "go away";');
    expect(b).toContain('vacation :days 3 "away";');
    expect(statuses(c)).toEqual(['converted', 'converted', 'caveat']);
  });

  it('reports pipes as not convertible without --allow-pipe, and converts them with it', () => {
    const rc = ':0 fw\n| spamc\n:0\n| procmail-lint\n';
    const plain = convert(rc);
    expect(statuses(plain)).toEqual(['not-convertible', 'not-convertible']);
    expect(plain.sieve).toContain('# rc:1: ACTION NOT CONVERTED: a filter runs a program');
    const allowed = convert(rc, { allowPipe: true });
    expect(body(allowed)).toContain('filter "spamc";');
    expect(body(allowed)).toContain('pipe "procmail-lint";\nstop;');
    expect(statuses(allowed)).toEqual(['caveat', 'caveat']);
  });
});

describe('to-sieve: structure', () => {
  it('tests the conditions of a recipe whose action is not converted, so that E and A after it still convert; a and e do not', () => {
    const R = ':0\n* ^Subject: a\n| archive\n';
    const e = convert(R + ':0 E\nB/\n');
    expect(statuses(e)).toEqual(['not-convertible', 'converted']);
    // The action's place is marked where the conditions hold; the E recipe runs where they did not.
    expect(e.sieve).toMatch(/if header :matches "Subject" "a\*" \{\n\s*# rc:1: ACTION NOT CONVERTED: a pipe runs a program[^}]*\} else \{\n\s*fileinto :create "B";/);
    expect(statuses(convert(R + ':0 A\nC/\n'))).toEqual(['not-convertible', 'converted']);
    // A capture left out leaves its variable unknown: what reads it is not converted either.
    const cap = convert(':0\nX=| echo captured\n:0\n* X ?? cap\nA/\n');
    expect(codes(cap)).toEqual(['program', 'lost-variable']);
    for (const flag of ['e', 'a']) {
      const c = convert(R + `:0 ${flag}\nD/\n`);
      expect(statuses(c)).toEqual(['not-convertible', 'not-convertible']);
      expect(c.entries[1]!.reasons.find((r) => r.code === 'depends')!.message).toContain('the recipe at line 1');
    }
  });

  it('knows lastsucc after a block: true on entering it, then its actions\' (procmail 3.22: e after an empty block never runs)', () => {
    // After a block whose recipes cannot fail in Sieve, e never runs: exact, a note.
    const empty = convert(':0\n* ^Subject: Hello\n{ }\n:0 e\nE/\n');
    expect(statuses(empty)).toEqual(['converted', 'converted']);
    expect(body(empty)).not.toContain('"E"');
    // The first recipe in a block reads the block's own success.
    expect(statuses(convert(':0\n* ^Subject: Hello\n{\n  :0 e\n  E/\n}\n'))).toEqual(['converted', 'converted']);
    // A recipe in it that may fail (a program, not converted) leaves it unknown: the e after the block depends on it.
    const unknown = convert(':0\n* ^Subject: Hello\n{\n  :0 c\n  | archive\n}\n:0 e\nE/\n');
    expect(statuses(unknown)).toEqual(['converted', 'not-convertible', 'caveat']);
  });

  it('makes an E chain an if/elsif/else', () => {
    const c = convert(':0\n* ^Subject: a\nA/\n:0 E\n* ^Subject: b\nB/\n:0 E\nC/\n');
    expect(body(c)).toBe(
      [
        'if header :matches "Subject" "a*" {',
        '  fileinto :create "A";',
        '  stop;',
        '} elsif header :matches "Subject" "b*" {',
        '  fileinto :create "B";',
        '  stop;',
        '} else {',
        '  fileinto :create "C";',
        '  stop;',
        '}',
      ].join('\n'),
    );
  });

  it('keeps prevcond in a variable when a statement comes between a recipe and its E', () => {
    const c = convert(':0 c\n* ^Subject: a\nA/\nX=1\n:0 E\nB/\n');
    const b = body(c);
    expect(b).toContain('set "mr_prev0" "";');
    expect(b).toContain('set "mr_prev0" "1";');
    expect(b).toContain('if not string :is "${mr_prev0}" "1" {');
  });

  it('gives A its own variable, and a block fresh ones (prevcond and lastcond are true inside)', () => {
    const c = convert(':0\n* ^From: x\n{\n  :0 c\n  * ^Subject: a\n  A/\n  :0 A\n  B/\n}\n');
    const b = body(c);
    expect(b).toContain('set "mr_last1" "";');
    expect(b).toContain('if string :is "${mr_last1}" "1" {');
  });

  it('leaves out an e recipe after a folder (which cannot fail with the mail tree in place); after a block, with a caveat; after an unconverted recipe, not at all', () => {
    const c = convert(':0 c\nA/\n:0 e\nB/\n');
    expect(statuses(c)).toEqual(['converted', 'converted']);
    expect(c.sieve).toContain('never runs in Sieve');
    // lastsucc after a block is true (entering it) unless one of its recipes acts and may fail: e never runs here either.
    const b = convert(':0\n* ^Subject: x\n{ }\n:0 e\nB/\n');
    expect(statuses(b)).toEqual(['converted', 'converted']);
    expect(b.sieve).toContain('never runs in Sieve');
    const u = convert(':0\n* Keyword\nA/\n:0 e\nB/\n');
    expect(codes(u)).toEqual(['regex', 'depends']);
  });

  it('converts a pipe that reads the message and exits: with w a failure (e then runs, a does not), without w a delivery (discard)', () => {
    const f = convert(':0 w\n* ^Subject: x\n| cat >/dev/null; exit 2;\n:0 e\nfailed/\n:0 w\n| cat >/dev/null; exit 1\n:0 a\nnever/\n');
    expect(statuses(f)).toEqual(['converted', 'converted', 'converted', 'converted']);
    expect(f.sieve).not.toContain('discard');
    expect(f.sieve).toContain('if string :is "${mr_prev0}" "1" {\n  fileinto :create "failed";');
    expect(f.sieve).not.toContain('"never"');
    const d = convert(':0\n| cat > /dev/null; exit 2\n');
    expect(statuses(d)).toEqual(['converted']);
    expect(body(d)).toBe(['discard;', 'stop;'].join('\n'));
    // One that exits without reading may or may not make procmail's write fail, unless "i" ignores that.
    expect(codes(convert(':0 w\n| exit 2\n'))).toEqual(['program']);
    expect(codes(convert(':0\n| true\n'))).toEqual(['program']);
    expect(body(convert(':0 iw\n| false\n:0 e\nfailed/\n'))).toBe(['fileinto :create "failed";', 'stop;'].join('\n'));
    // After such a failure, a block makes lastsucc true again (procmail 3.22 runs the a after it), but an E recipe
    // leaves it as it was or as its own action left it: an `a` after that is not converted.
    expect(body(convert(':0 w\n| cat >/dev/null; false\n:0\n{ }\n:0 a\nx/\n'))).toContain('fileinto :create "x";');
    expect(codes(convert(':0 w\n| cat >/dev/null; false\n:0 E\n{ }\n:0 a\nx/\n'))).toEqual(['a-flag']);
  });

  it('converts c on a block as a copy that runs first, exactly where copy and original cannot both deliver to one folder', () => {
    const exact = convert('N=0\n:0 cW\n{\nN=1\n:0\n* ^From:.*alice\nalice/\n}\nLOG="end $N\n"\n:0\n/dev/null\n');
    expect(statuses(exact)).toEqual(['converted', 'converted', 'converted']);
    expect(body(exact)).toContain('fileinto :copy :create "alice";');
    expect(body(exact)).toContain('debug_log "end 1";');
    expect(body(exact)).toContain('debug_log "end 0";');
    // The rest can deliver to parent/ from both processes: procmail writes two copies there.
    expect(codes(convert(':0 c\n{\n:0\n* ^Subject: x\nclone/\n}\n:0\nparent/\n'))).toEqual(['copy-twice']);
    // What acts on the message both share in Sieve is refused, and so is a log in no fixed order (no w).
    expect(codes(convert(':0 cw\n{\n:0 fw\n| formail -A "X-Copy: yes"\n}\n:0\n/dev/null\n'))).toEqual(['copy-block', 'inside-unconverted']);
    expect(codes(convert(':0 c\n{\nLOG="copy\n"\n}\n:0\n/dev/null\n'))).toEqual(['copy-block']);
  });

  it('expands a constant leading variable of a "?" command before reading it as an idiom', () => {
    expect(statuses(convert('T=test\n:0\n* ? $T -z "$X"\nempty/\n'))).toEqual(['converted']);
    expect(codes(convert('T=spamc\n:0\n* ? $T -c\nspam/\n'))).toEqual(['program']);
  });

  it('converts a folder whose name does not fit LINEBUF as the failure procmail makes of it (e then runs)', () => {
    const c = convert(`LINEBUF=128\nB=${'y'.repeat(60)}\n:0\nbox$B$B$B\n:0 e\nfailed/\n`);
    expect(statuses(c)).toEqual(['converted', 'converted']);
    expect(body(c)).toBe(['set "B" "' + 'y'.repeat(60) + '";', 'fileinto :create "failed";', 'stop;'].join('\n'));
    // A LINEBUF only known when mail arrives: whether the names fit is not known.
    expect(codes(convert(':0\n* ^Message-ID: <\\/[0-9]+\n{ }\nLINEBUF=$MATCH\n:0\nbox/\n'))).toEqual(['linebuf']);
  });

  it('sets MATCH from the match variable as soon as its condition matched, before later conditions', () => {
    const c = convert(':0\n* ^Message-ID: <\\/[^>]+\n* $ ^References:.*$\\MATCH\nthread/\n');
    expect(body(c)).toBe(
      [
        'if header :regex "Message-ID" "^<([^>]+)" {',
        '  set "MATCH" "${1}";',
        '  if header :contains "References" "${MATCH}" {',
        '    fileinto :create "thread";',
        '    stop;',
        '  }',
        '}',
      ].join('\n'),
    );
    // MATCH is a value only known when mail arrives: whether a fold inside it matters cannot be told.
    expect(codes(c)).toEqual(['fold']);
  });

  it('inlines INCLUDERC relative to MAILDIR, and ends the script at SWITCHRC', () => {
    const files = { '/m/inc.rc': ':0\n* ^Subject: inc\ninc/\n', '/m/sw.rc': ':0\nsw/\n' };
    const c = convert('MAILDIR=/m\nINCLUDERC=inc.rc\nSWITCHRC=$MAILDIR/sw.rc\n:0\nnever/\n', { files });
    const b = body(c);
    expect(b).toContain('fileinto :create "inc";');
    expect(b).toMatch(/fileinto :create "sw";\nstop;\nstop;/);
    expect(c.entries.map((e) => e.span.file)).toEqual(['/m/inc.rc', '/m/sw.rc', 'rc']);
  });

  it('turns a score that only depends on which conditions hold into anyof/allof', () => {
    const c = convert(':0\n* 2^0 ^Subject:.*win\n* 1^0 ^X-Mailer:.*bulk\n* -3^0 ^References:\nspam\n');
    expect(body(c)).toContain(
      'if anyof(\n    allof(header :contains "Subject" "win", not exists "References"),\n    allof(header :contains "X-Mailer" "bulk", not exists "References")\n) {',
    );
    expect(statuses(c)).toEqual(['converted']);
  });

  it('makes a condition that does not fit LINEBUF false, negated or not, as procmail fails it', () => {
    const long = 'x'.repeat(130);
    const c = convert(`LINEBUF=128\n:0\n* ! ${long}\nA/\n:0 E\nB/\n:0\n* ! ${'y'.repeat(100)}\nC/\n`);
    expect(statuses(c)).toEqual(['converted', 'converted', 'not-convertible']);
    expect(c.entries[0]!.reasons.map((r) => r.code)).toEqual(['linebuf']);
    expect(body(c)).not.toContain('"A"');
    expect(body(c)).toContain('fileinto :create "B";');
    // A `$` condition: what it expands to must fit too.
    const d = convert(`LINEBUF=128\nB=${'y'.repeat(60)}\n:0\n* ! $ $B$B$B\nA/\n`);
    expect(d.entries.find((e) => e.kind === 'recipe')!.reasons.map((r) => r.code)).toContain('linebuf');
    expect(body(d)).not.toContain('"A"');
    // Under the default LINEBUF (2048) the same condition is an ordinary one.
    expect(codes(convert(`:0\n* ! ${long}\nA/\n`))).not.toContain('linebuf');
    // Weighted, it fails the recipe (not the term): not converted.
    expect(codes(convert(`LINEBUF=128\n:0\n* 1^0 ${long}\nA/\n`))).toEqual(['linebuf']);
  });

  it('converts an invalid pattern as procmail runs it, and groups nested thousands deep that only wrap', () => {
    const c = convert(':0\n* ^Subject: (abc\nA/\n:0\n* ^Subject: x)y\nB/\n');
    expect(statuses(c)).toEqual(['converted', 'converted']);
    expect(codes(c)).toEqual([]);
    expect(c.entries.flatMap((e) => e.reasons.filter((r) => r.code === 'invalid-regexp').map((r) => r.severity))).toEqual(['note', 'note']);
    expect(body(c)).toContain('if header :matches "Subject" "abc*" {');
    expect(body(c)).toContain('if header :matches "Subject" "x*" {');
    const deep = convert(`LINEBUF=40000\n:0\n* ^Subject: ${'('.repeat(3000)}Hello${')'.repeat(3000)}\nA/\n:0\n* ^Subject: ${'(x|'.repeat(300)}y${')'.repeat(300)}\nB/\n`);
    expect(statuses(deep)).toEqual(['converted', 'converted']);
    expect(body(deep)).toContain('if header :matches "Subject" "Hello*" {');
    // Nesting that does not only wrap stays refused.
    expect(codes(convert(`:0\n* ^Subject: ${'(x|'.repeat(300)}y${')+'.repeat(300)}\nA/\n`))).toEqual(['regex-nesting']);
  });

  it('converts a weight on a size where no size changes the answer, and only there', () => {
    // 100·(M/10) is at least 10 for any message: the recipe always matches.
    const over = convert(':0\n* 100^1 > 10\nA/\n:0 E\nB/\n');
    expect(statuses(over)).toEqual(['converted', 'converted']);
    expect(body(over)).toMatch(/^fileinto :create "A";\nstop;$/m);
    expect(body(over)).not.toContain('"B"');
    // 100·(10/M) shrinks toward 0 but stays positive.
    expect(statuses(convert(':0\n* 100^1 < 10\nA/\n'))).toEqual(['converted']);
    // Against -5, the size decides (5·(M/10) > 5 once M > 10): not converted.
    const decides = convert(':0\n* 5^1 > 10\n* -5^0 ^Subject:\nA/\n');
    expect(codes(decides)).toEqual(['score-size']);
    expect(decides.entries[0]!.reasons[0]!.message).toContain('how big the message is decides');
    // A variable's size is known where its value is: 10·(10/5)^1 = 20.
    expect(statuses(convert('V=abcdefghij\n:0\n* 10^1 V ?? > 5\nA/\n'))).toEqual(['converted']);
    expect(codes(convert(':0\n* 1^1 B ?? > 5\nA/\n'))).toEqual(['score-size']);
  });

  it('converts a body test with "\\/" as a test, MATCH unknown after it', () => {
    const c = convert(':0 B\n* ^Total: \\/[0-9]+\nA/\n:0 B\n* ^x\\/y\nlist-$MATCH/\n');
    expect(statuses(c)).toEqual(['converted', 'not-convertible']);
    expect(body(c)).toContain('if body :raw :regex "(${hex:0a}|^)Total: ([0-9]+)" {');
    expect(c.entries[1]!.reasons.some((r) => r.severity === 'error' && r.message.includes('MATCH'))).toBe(true);
    // A later condition of the same recipe would read it.
    expect(codes(convert(':0 B\n* ^Total: \\/[0-9]+\n* $ ^Subject: $\\MATCH\nA/\n'))).toEqual(['lost-variable']);
    // Weighted, procmail's score sets MATCH on every match: not converted.
    expect(codes(convert(':0 B\n* 1^0 ^Total: \\/[0-9]+\nA/\n'))).toEqual(['regex']);
  });

  it('drops the caveats of a weighted test that cannot change whether the recipe matches', () => {
    // 5 - 2 and 5 are both above 0: "^From" (any header line starting "From") does not matter.
    const c = convert(':0\n* 5^0 ! ^Subject: nope\n* -2^0 ^From\nA/\n');
    expect(statuses(c)).toEqual(['converted']);
    expect(body(c)).toContain('if not header :matches "Subject" "nope*" {');
    expect(c.entries[0]!.reasons.find((r) => r.code === 'field-prefix')!.message).toContain('(this test does not change whether the recipe matches)');
    // Where it decides, the caveat stays.
    expect(statuses(convert(':0\n* 1^0 ^X-Nope\nA/\n'))).toEqual(['caveat']);
  });

  it('reports a MATCH that may differ where it is used, not where it is set', () => {
    // MATCH from a folded field: only LOG reads it, so the recipes decide as procmail does.
    const logged = convert(':0\n* ^Subject: \\/.*\n{ LOG="[$MATCH]\n" }\n');
    expect(statuses(logged)).toEqual(['converted']);
    expect(logged.entries.find((e) => e.kind === 'statement' && e.reasons.some((r) => r.code === 'inexact-value'))).toBeDefined();
    // A folder named after it, and a copy of it in X used later: those recipes get the caveat.
    const used = convert(':0\n* ^Subject: \\/.*\nsubj-$MATCH/\nX=$MATCH\n:0\n* $ ^X-Copy: $X\nx/\n');
    expect(statuses(used)).toEqual(['caveat', 'caveat']);
    expect(used.entries.filter((e) => e.kind === 'recipe').map((e) => e.reasons.some((r) => r.severity === 'warning' && r.code === 'inexact-value'))).toEqual([true, true]);
    expect(used.entries[used.entries.length - 1]!.reasons.find((r) => r.code === 'inexact-value')!.message).toContain('$X may not hold');
    // Set again exactly, it is exact again.
    expect(statuses(convert(':0\n* ^Subject: \\/.*\n{ }\n:0\n* ^X-Id: \\/[0-9]+\nid-$MATCH/\n'))).toEqual(['converted', 'converted']);
    // A formail -x capture read only by LOG.
    const captured = convert(':0 h\nSUBJECT=| formail -zxSubject:\nLOG="subject: $SUBJECT\n"\n');
    expect(statuses(captured)).toEqual(['converted']);
  });

  it('tests the From_ line as the envelope sender, exactly where the pattern only reads the start of the sender', () => {
    expect(statuses(convert(':0\n* ^From alice@example\\.com\nA/\n'))).toEqual(['converted']);
    // Could reach the date, could be MAILER-DAEMON, could end the line: caveats.
    expect(statuses(convert(':0\n* ^From .*2026\nA/\n'))).toEqual(['caveat']);
    expect(statuses(convert(':0\n* ^From [a-z]+@\nA/\n'))).toEqual(['caveat']);
    expect(statuses(convert(':0\n* ^From alice$\nA/\n'))).toEqual(['caveat']);
  });

  it('knows PROCMAIL_OVERFLOW is yes after an action line that always overflows LINEBUF', () => {
    const rc = `LINEBUF=128\n:0 c\n./${'x'.repeat(130)}\n:0\n* PROCMAIL_OVERFLOW ?? ^^yes^^\n/dev/null\n`;
    const c = convert(rc);
    expect(statuses(c)).toEqual(['converted', 'converted']);
    expect(body(c)).toContain('discard;');
    // In a block that may not run, it is not known.
    expect(codes(convert(`LINEBUF=128\n:0\n* ^Subject: x\n{\n:0 c\n./${'x'.repeat(130)}\n}\n:0\n* PROCMAIL_OVERFLOW ?? ^^yes^^\n/dev/null\n`))).toEqual(['env-variable']);
  });

  it('converts a weight that counts matches where no count changes the answer, and only there', () => {
    // One match or many: 1^1 alone is positive from the first on.
    const alone = convert(':0\n* 1^1 ^Received:\nmany/\n');
    expect(statuses(alone)).toEqual(['converted']);
    expect(body(alone)).toContain('if exists "Received" {');
    // 1 + 0.5, then procmail stops adding: never enough against -2.
    const capped = convert(':0\n* 1^0.5 ^Received:\n* -2^0 ^Subject:\nr/\n');
    expect(statuses(capped)).toEqual(['converted']);
    expect(body(capped)).toContain('if allof(exists "Received", not exists "Subject") {');
    // Three commas or more outweigh -2: the count decides.
    const counts = convert(':0\n* 1^1 ^(To|Cc):.*,\n* -2^0 ^Subject:\nr/\n');
    expect(statuses(counts)).toEqual(['not-convertible']);
    expect(codes(counts)).toEqual(['score-count']);
    expect(counts.entries[0]!.reasons[0]!.message).toContain('how many there are decides');
    // 10, 0, 10, 0, …: an even count adds nothing.
    expect(statuses(convert(':0\n* 10^-1 ^Received:\nr/\n'))).toEqual(['not-convertible']);
    // An empty match adds the series' limit at once.
    const empty = convert(':0 B\n* 1^1 x*\nr/\n');
    expect(codes(empty)).toEqual(['score-count']);
    expect(empty.entries[0]!.reasons[0]!.message).toContain('can match empty text');
  });

  it('writes LOG with debug_log, knowing $= where no weight decides it', () => {
    const c = convert(':0\n* ^Subject: x\n{ LOG="yes $=\n" }\n');
    expect(body(c)).toContain('debug_log "yes 0";');
  });

  it('marks the recipes of an unconverted block, and E recipes depending on an unconverted one', () => {
    const c = convert(':0\n* ? true-or-not\n{\n  :0\n  a/\n}\n:0 E\nb/\n');
    expect(statuses(c)).toEqual(['not-convertible', 'not-convertible', 'not-convertible']);
    expect(codes(c)).toEqual(['program', 'inside-unconverted', 'depends']);
  });
});

describe('to-sieve: idioms', () => {
  it('formail -D is duplicate; the vacation pair is vacation; formail -A is addheader; -zx is set', () => {
    const files = { 'away.txt': 'Gone fishing.\n' };
    const c = convert(
      [
        ':0 Wh: msgid.lock',
        '| formail -D 8192 msgid.cache',
        ':0 Whc: vacation.lock',
        '* !^X-Loop: me',
        '| formail -rD 8192 vacation.cache',
        ':0 ehc',
        '| (formail -r -A"X-Loop: me" ; cat away.txt) | $SENDMAIL -oi -t',
        ':0 fhw',
        '| formail -A "X-Loop: me"',
        ':0 h',
        'SUBJ=| formail -zxSubject:',
        '',
      ].join('\n'),
      { files },
    );
    const b = body(c);
    expect(b).toContain('if duplicate {\n  discard;\n  stop;\n}');
    expect(b).toContain('if not header :matches "X-Loop" "me*" {\n  vacation "Gone fishing.";\n}');
    expect(b).toContain('addheader :last "X-Loop" "me";');
    expect(b).toContain('if header :matches "Subject" "*" {\n  set "SUBJ" "${1}";\n} else {\n  set "SUBJ" "";\n}');
    // The -zx capture's caveat (every Subject field in formail, the first in Sieve) is the caveat of whatever reads SUBJ: nothing here.
    expect(statuses(c)).toEqual(['caveat', 'caveat', 'converted', 'converted', 'converted']);
  });

  it('computes ? test -n and the grep -F whitelist from the list file', () => {
    const files = { 'white.lst': 'alice@x.org\nbob@x.org\n' };
    const c = convert(':0\n* ^From:.*<\\/[^>]+\n{ F=$MATCH }\n:0\n* ? test -n "$F"\n* ? grep -qixF -e "$F" white.lst\nfriends/\n', { files });
    expect(body(c)).toContain(
      'if allof(\n    not string :is "${F}" "",\n    string :is :comparator "i;ascii-casemap" "${F}" ["alice@x.org", "bob@x.org"]\n) {',
    );
    expect(statuses(c)).toEqual(['converted', 'converted']);
  });
});

describe('to-sieve: variables', () => {
  it('sets variables, takes never-assigned ones as unset, and refuses values it cannot know', () => {
    const c = convert('A=x\nB=${UNSET:-d}\nC=`date`\n:0\n* C ?? y\nc/\n');
    expect(body(c)).toContain('set "A" "x";\nset "B" "d";');
    expect(codes(c)).toEqual(['assignment', 'lost-variable']);
    expect(statuses(c)).toEqual(['not-convertible']);
  });

  it('writes a literal "${" with the dollar variable', () => {
    const c = convert('X=\'a${b}\'\n');
    expect(c.sieve).toContain('set "mr_dollar" "$";');
    expect(c.sieve).toContain('set "X" "a${mr_dollar}{b}";');
  });
});

describe('to-sieve: counts', () => {
  it('counts recipes by status, statements apart', () => {
    const c = convert('HOST=elsewhere\n:0\na/\n:0\n* Keyword\nb/\n:0\n* ^Subject: Hello there\nc/\n');
    expect(countRecipes(c.entries)).toEqual({ total: 3, converted: 1, caveat: 1, notConvertible: 1 });
    expect(c.entries.filter((e) => e.kind === 'statement').map((e) => statusOf(e.reasons))).toEqual(['not-convertible']);
  });
});
