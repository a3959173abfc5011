/**
 * Random rc files spliced from realistic fragments (procmailrc(5),
 * docs/procmail-semantics.md §1) plus damage: CR, tabs, trailing backslashes, NULs, long
 * lines, garbage bytes, unbalanced braces, cut lines. Used by the front-end
 * and engine properties.
 */
import type { Rng } from './prng.js';

const FLAGS = 'HBDAahbfcwWiEer';

export function header(rng: Rng): string {
  let flags = '';
  const n = rng.int(0, 4);
  for (let i = 0; i < n; i++) flags += rng.pick([...FLAGS]);
  const num = rng.pick(['0', '0', '0', '1', '', '00', '9']);
  const sep = rng.pick(['', '', ' ', '\t']);
  let lock = '';
  if (rng.chance(0.3)) lock = rng.pick([':', ': box.lock', ':$HOME/x.lock', ' :', ':bad lock name']);
  const tail = rng.chance(0.05) ? rng.pick([' # comment', ' Z', ' :0', '\\']) : '';
  return `:${num}${sep}${flags}${lock}${tail}`;
}

const REGEXES = [
  '^Subject:.*hello',
  '^From:.*@example\\.com',
  '^TO_bob',
  '^TO(alice|bob)',
  '^FROM_DAEMON',
  '^FROM_MAILER',
  '^X-Spam-Status: Yes',
  'money|viagra|loan',
  '^Subject:.*\\/[0-9]+',
  '^Received:',
  '^$',
  '^.*$',
  '.',
  '(a+)+$',
  '(.*)*x',
  '[[:alpha:]]+',
  '\\<word\\>',
  '^^',
  'a**',
  '^(unclosed',
  'close)',
  '[z-a]',
  '[',
  '\\',
  '$',
  '^Content-Type: multipart',
  '^Message-ID:.*<[^>]+>',
  '\\/.*',
  'x{2,3}',
  '(a|)|b',
];

function regex(rng: Rng): string {
  let r = rng.pick(REGEXES);
  if (rng.chance(0.15)) r += rng.pick(REGEXES);
  return r;
}

/** One condition line (without the leading `*` only when `bare`). */
export function condition(rng: Rng): string {
  const body = (): string => {
    switch (rng.int(0, 16)) {
      case 0:
        return `! ${regex(rng)}`;
      case 1:
        return `$ ${rng.pick(['^To:.*${LOGNAME}', '^Subject:.*$SUBJ', '${UNSET:-x}', '$MATCH', '"quoted $HOME"', '$$', '$'])}`;
      case 2:
        return `? ${rng.pick(['test -f x', 'exit 1', 'true', 'grep -q foo', 'cmd0', '`echo hi`'])}`;
      case 3:
        return `${rng.pick(['2', '-1', '1.5', '9876543210', '-2147483648', 'x', ''])}^${rng.pick(['0', '1', '0.5', '-1', ''])} ${regex(rng)}`;
      case 4:
        return `${rng.pick(['B', 'H', 'HB', 'VAR', 'MATCH', 'SUBJ', 'UNSET', '$'])} ?? ${regex(rng)}`;
      case 5:
        return `${rng.pick(['<', '>'])} ${rng.pick(['1000', '0', '10 extra', '-5', '99999999999999999999', 'x', ''])}`;
      case 6:
        return `${rng.pick(['! ! ', '!!', '\\!', '\\\\', '! $ ', '$ ! ', '1^1 ! ', '2^0 B ?? '])}${regex(rng)}`;
      case 7:
        return rng.pick(['@loop', '@address From,Cc in friends.txt', '! @sender in blocked.txt', '5^0 @loop', '@address in', '@nosuch thing']);
      case 8:
        // A continued condition (docs/procmail-semantics.md §1.5: the backslash-newline and the leading blanks vanish).
        return `^Subject:.*(long|\\\n    continued)`;
      default:
        return regex(rng);
    }
  };
  return `*${rng.pick([' ', ' ', '', '\t', '  '])}${body()}`;
}

export function folder(rng: Rng): string {
  return rng.pick(['box', 'inbox', 'md/', 'mh/.', '/dev/null', 'dir/sub/box', '$HOME/mail', '${FOLDER:-box}', 'a b', 'md/ mh/.', '"quoted box"', '`echo box`']);
}

export function action(rng: Rng): string {
  switch (rng.int(0, 9)) {
    case 0:
    case 1:
      return folder(rng);
    case 2:
      return `| ${rng.pick(['cmd0', 'cmd1 arg', 'formail -A "X-Foo: bar"', 'cat > out; exit 3', 'cat >> x.mbox', '', '$PROG', 'sed s/a/b/'])}`;
    case 3:
      return `! ${rng.pick(['a@b.example', 'a@b c@d', '-t', '$FWD', ''])}`;
    case 4:
      return rng.pick(['@discard', '@reject "go away"', '@bounce "no"', '@reply < vacation.txt', '@reply "hi $SENDER"', '@discard extra', '@nosuch']);
    case 5:
      return `VAR=| ${rng.pick(['cmd0', 'echo x'])}`;
    case 6:
      return '{';
    default:
      return folder(rng);
  }
}

export function assignment(rng: Rng): string {
  const name = rng.pick(['FOO', 'SUBJ', 'DEFAULT', 'LOG', 'LOGFILE', 'VERBOSE', 'INCLUDERC', 'SWITCHRC', 'HOST', 'EXITCODE', 'TRAP', 'DELIVERED', 'LOGABSTRACT', 'SHIFT', 'MAILDIR', 'LINEBUF', 'LOCKFILE', 'UMASK', 'FOLDER', 'PROG', 'FWD', 'TIMEOUT', 'SENDMAIL', 'MATCH', 'LASTFOLDER', '_x9']);
  const value = rng.pick([
    'bar',
    '"quoted $BAR and ${HOME}"',
    "'single $NOT'",
    '`cmd0`',
    '`echo "nested `x`"`',
    '${BAR:-default}',
    '${BAR:+alt}',
    '${BAR-x}',
    '${BAR+x}',
    '${UNCLOSED',
    '"unterminated',
    '$',
    '',
    '"line one\nline two"',
    'a\\\nb',
    '| cmd0',
    'on',
    'inc.rc',
    'other.example',
    '42',
    '-1',
    'x y z',
    '$FOO$FOO',
    '"$@"',
    '${1}',
  ]);
  return `${rng.pick(['', ' ', '\t'])}${name}${rng.pick(['=', ' = ', '=', '= '])}${value}`;
}

export function trivia(rng: Rng): string {
  switch (rng.int(0, 10)) {
    case 0:
      return '';
    case 1:
      return `# ${rng.chars(rng.int(0, 30), 'abc {}:*!|$`"\\\t')}`;
    case 2:
      return rng.chars(rng.int(1, 40));
    case 3:
      return 'x'.repeat(rng.int(1000, 6000));
    case 4:
      return '\t  ';
    case 5:
      return '}';
    case 6:
      return '{';
    case 7:
      return '\0';
    case 8:
      return `: not a header ${rng.chars(3)}`;
    default:
      return '';
  }
}

/** One recipe: header, 0–4 conditions, maybe blank/comment lines, an action (a block recurses). */
function recipe(rng: Rng, depth: number, out: string[]): void {
  out.push(header(rng));
  const n = rng.int(0, 4);
  for (let i = 0; i < n; i++) {
    out.push(condition(rng));
    if (rng.chance(0.05)) out.push(rng.pick(['', '# between conditions']));
  }
  if (rng.chance(0.04)) return; // missing action
  const a = action(rng);
  if (a === '{' || (depth < 4 && rng.chance(0.15))) {
    const sameLine = rng.chance(0.3);
    if (sameLine) out.push(`{ ${rng.chance(0.5) ? assignment(rng) : ''}`);
    else out.push('{');
    body(rng, depth + 1, rng.int(0, 4), out);
    if (!rng.chance(0.08)) out.push(rng.pick(['}', '}', ' }', '} # end', '}}']));
    return;
  }
  out.push(a);
}

function body(rng: Rng, depth: number, n: number, out: string[]): void {
  for (let i = 0; i < n; i++) {
    const r = rng.next();
    if (r < 0.5) recipe(rng, depth, out);
    else if (r < 0.8) out.push(assignment(rng));
    else out.push(trivia(rng));
  }
}

/** A random rc file text. */
export function rcText(rng: Rng, maxItems = 12): string {
  const lines: string[] = [];
  body(rng, 0, rng.int(0, maxItems), lines);
  // Damage at the line level.
  const damaged = lines.map((l) => {
    let s = l;
    if (rng.chance(0.04)) s += '\r';
    if (rng.chance(0.03)) s += '\\';
    if (rng.chance(0.03)) s = s.replace(/^/, rng.pick(['\t', ' ', '  ']));
    if (rng.chance(0.02) && s.length > 0) {
      const at = rng.int(0, s.length);
      s = s.slice(0, at) + rng.chars(1) + s.slice(at);
    }
    if (rng.chance(0.02) && s.length > 1) s = s.slice(0, rng.int(0, s.length - 1));
    return s;
  });
  const nl = rng.chance(0.1) ? '\r\n' : '\n';
  let text = damaged.join(nl);
  if (rng.chance(0.8)) text += nl;
  if (rng.chance(0.03)) text = text.slice(0, rng.int(0, text.length));
  return text;
}
