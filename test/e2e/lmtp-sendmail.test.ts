// sendmail in front of `mailrules lmtp --stdio`: FEATURE(local_lmtp) makes
// our command sendmail's local mailer, spoken to in LMTP over a pipe (one
// process per delivery batch, several recipients per transaction). sendmail
// conflicts with postfix as a Debian package, so scripts/ci-install.sh
// unpacks its binary and m4 files (MTA_CACHE) and this test runs it with a
// private sendmail.cf, delivering at once (-odi), inside the sandbox's
// mount namespace with its made-up users.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipReason } from './lda.js';
import { freshInstall, listFiles, MTA_CACHE, runIn, Sandbox, sandboxProblem, type SandboxUser } from './lmtp-sandbox.js';

const ROOT = path.join(MTA_CACHE, 'sendmail', 'root');
const SENDMAIL = path.join(ROOT, 'usr', 'libexec', 'sendmail', 'sendmail');
const CF_M4 = path.join(ROOT, 'usr', 'share', 'sendmail', 'cf', 'm4', 'cf.m4');

function sendmailProblem(): string | null {
  if (!fs.existsSync(SENDMAIL) || !fs.existsSync(CF_M4)) return `sendmail is not unpacked in ${MTA_CACHE} (scripts/ci-install.sh does it)`;
  if (spawnSync('m4', ['--version']).status !== 0) return 'm4 is not installed (scripts/ci-install.sh installs it)';
  return null;
}

const skip = skipReason([sandboxProblem(), sendmailProblem()]);

const RC_A = `MAILDIR=HOME_DIR/Mail
DEFAULT=HOME_DIR/Mail/inbox/
`;
const RC_B = `MAILDIR=HOME_DIR/Mail
DEFAULT=HOME_DIR/Mail/default.mbox
:0:
* ^Subject:.*invoice
invoices.mbox
`;

describe.skipIf(skip !== null)('sendmail FEATURE(local_lmtp) → mailrules lmtp --stdio', () => {
  let sb: Sandbox;
  let cf = '';
  let users: SandboxUser[] = [];

  beforeAll(async () => {
    sb = new Sandbox(2);
    users = sb.users;
    sb.write(users[0]!, '.procmailrc', RC_A);
    sb.write(users[1]!, '.procmailrc', RC_B);
    for (const u of users) sb.write(u, 'Mail/.keep', '');
    const install = await freshInstall();
    const dir = path.join(sb.root, 'sendmail');
    fs.mkdirSync(path.join(dir, 'queue'), { recursive: true });
    // Host names from /etc/hosts only: there is no DNS here.
    fs.writeFileSync(path.join(dir, 'service.switch'), 'hosts files\naliases files\n');
    const mc = [
      'divert(-1)',
      `include(\`${CF_M4}')`,
      'divert(0)dnl',
      "VERSIONID(`mailrules lmtp test')dnl",
      "OSTYPE(`linux')dnl",
      "define(`confDOMAIN_NAME', `localhost.localdomain')dnl",
      "define(`confDONT_PROBE_INTERFACES', `True')dnl",
      `define(\`QUEUE_DIR', \`${dir}/queue')dnl`,
      `define(\`STATUS_FILE', \`${dir}/statistics')dnl`,
      `define(\`confPID_FILE', \`${dir}/sendmail.pid')dnl`,
      `define(\`confCW_FILE', \`-o ${dir}/local-host-names')dnl`,
      `define(\`confSERVICE_SWITCH_FILE', \`${dir}/service.switch')dnl`,
      "define(`confHELP_FILE', `/dev/null')dnl",
      "undefine(`ALIAS_FILE')dnl",
      "FEATURE(`nocanonify')dnl",
      // The README's line: our command as the local mailer, spoken to in LMTP on its stdin/stdout.
      `FEATURE(\`local_lmtp', \`${install}/bin/mailrules', \`mailrules lmtp --stdio')dnl`,
      "MAILER(`local')dnl",
      '',
    ].join('\n');
    fs.writeFileSync(path.join(dir, 'sendmail.mc'), mc);
    const r = spawnSync('m4', [path.join(dir, 'sendmail.mc')], { encoding: 'latin1' });
    if (r.status !== 0) throw new Error(`m4 failed: ${r.stderr}`);
    cf = path.join(dir, 'sendmail.cf');
    fs.writeFileSync(cf, r.stdout);
  }, 120_000);

  afterAll(() => sb?.cleanup());

  it('delivers one message to two users in one LMTP transaction, each by their own rc file', () => {
    const [a, b] = users;
    // sendmail hands its local mailer the bare user (as mail.local gets it): a +detail does not reach $1.
    const out = runIn(sb, [SENDMAIL, '-C', cf, '-odi', '-oi', '-v', '-f', 'carol@localhost', a!.name, b!.name], 'Subject: invoice 42\n\nPlease pay.\n..and a dot line\n');
    // sendmail's -v shows the LMTP conversation with our service.
    expect(out).toMatch(/220 \S+ LMTP mailrules ready/);
    expect(out).toMatch(new RegExp(`250 2\\.0\\.0 <${a!.name}> Delivered`));
    expect(out).toMatch(new RegExp(`250 2\\.0\\.0 <${b!.name}> Delivered`));
    expect(out.match(/>>> DATA/g)).toHaveLength(1);
    const lists = path.join(a!.home, 'Mail', 'inbox', 'new');
    const [f] = listFiles(lists);
    const text = fs.readFileSync(path.join(lists, f!), 'latin1');
    expect(text).toContain('\nSubject: invoice 42\n');
    // With -oi a leading dot is text: sendmail stuffs it for LMTP (F=X) and the service takes the stuffing off.
    expect(text).toMatch(/\n\nPlease pay\.\n\.\.and a dot line\n$/);
    expect(fs.statSync(path.join(lists, f!)).uid).toBe(a!.uid);
    expect(fs.readFileSync(path.join(b!.home, 'Mail', 'invoices.mbox'), 'latin1')).toMatch(/^From carol@localhost\S* {2}.*\n[\s\S]*Please pay\./);
  });
});
