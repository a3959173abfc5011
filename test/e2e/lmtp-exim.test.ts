// Exim in front of `mailrules lmtp`: Exim's lmtp transport talks to the
// service's Unix socket, several recipients per transaction (batch_max),
// the +suffix kept (rcpt_include_affixes). Exim conflicts with postfix as a
// Debian package, so scripts/ci-install.sh unpacks its binary (MTA_CACHE)
// and this test runs it with a private configuration inside the sandbox's
// mount namespace, where its Debian-exim account and the made-up users exist.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipReason } from './lda.js';
import { listFiles, MTA_CACHE, runIn, Sandbox, sandboxProblem, startService, waitFor, type RunningService, type SandboxUser } from './lmtp-sandbox.js';

const EXIM = path.join(MTA_CACHE, 'exim4', 'root', 'usr', 'sbin', 'exim4');

function eximProblem(): string | null {
  return fs.existsSync(EXIM) ? null : `Exim is not unpacked in ${MTA_CACHE} (scripts/ci-install.sh does it)`;
}

const skip = skipReason([sandboxProblem(), eximProblem()]);

const RC = `MAILDIR=HOME_DIR/Mail
DEFAULT=HOME_DIR/Mail/inbox/
EXT=$1
:0
* EXT ?? ^^urgent^^
urgent/
`;

describe.skipIf(skip !== null)('Exim lmtp transport → mailrules lmtp (Unix socket)', () => {
  let sb: Sandbox;
  let conf = '';
  let service: RunningService;
  let users: SandboxUser[] = [];

  beforeAll(async () => {
    sb = new Sandbox(2, ['Debian-exim']);
    users = sb.users;
    for (const u of users) {
      sb.write(u, '.procmailrc', RC);
      sb.write(u, 'Mail/.keep', '');
    }
    const dir = path.join(sb.root, 'exim');
    // Exim's own directories belong to its user (mail, below).
    const mail = /^mail:x:(\d+):(\d+):/m.exec(fs.readFileSync('/etc/passwd', 'latin1'));
    for (const d of ['spool', 'log']) {
      fs.mkdirSync(path.join(dir, d), { recursive: true });
      if (mail !== null) fs.chownSync(path.join(dir, d), Number(mail[1]), Number(mail[2]));
    }
    const sock = path.join(sb.root, 'lmtp.sock');
    service = await startService(sb, ['--listen', `unix:${sock}`, '--socket-group', 'mail']);
    conf = path.join(dir, 'exim.conf');
    fs.writeFileSync(
      conf,
      [
        `exim_path = ${EXIM}`,
        'primary_hostname = localhost.localdomain',
        // With -C Exim gives up root and runs as its user: the transport's user, so it need not switch.
        'exim_user = mail',
        'exim_group = mail',
        'keep_environment =',
        `spool_directory = ${dir}/spool`,
        `log_file_path = ${dir}/log/%slog`,
        'domainlist local_domains = localhost : localhost.localdomain',
        'begin routers',
        'local_user:',
        '  driver = accept',
        '  domains = +local_domains',
        '  check_local_user',
        '  local_part_suffix = +*',
        '  local_part_suffix_optional',
        '  transport = mailrules_lmtp',
        'begin transports',
        // The README's transport: the service's socket, many recipients at once, +suffix kept.
        'mailrules_lmtp:',
        '  driver = lmtp',
        `  socket = ${sock}`,
        '  batch_max = 50',
        '  rcpt_include_affixes',
        '  user = mail',
        'begin retry',
        '*   *   F,1m,1m',
        '',
      ].join('\n'),
    );
  }, 120_000);

  afterAll(async () => {
    if (service !== undefined) {
      service.proc.kill('SIGTERM');
      await service.exited;
    }
    sb?.cleanup();
  }, 60_000);

  it('delivers one message to two users in one LMTP transaction, the +suffix as $1', { timeout: 60_000 }, async () => {
    const [a, b] = users;
    // -v: Exim tells its log lines on stderr too (its mainlog is written by the user it ends up as).
    const out = runIn(sb, [EXIM, '-v', '-C', conf, '-odi', '-f', 'carol@example.org', `${a!.name}+urgent@localhost`, `${b!.name}@localhost`], 'Subject: status\n\nAll fine.\n');
    // The LMTP conversation, then one log line per recipient ('->': delivered in the same transaction).
    expect(out).toContain(`LMTP>> RCPT TO:<${a!.name}+urgent@localhost>`);
    expect(out).toContain(`LMTP>> RCPT TO:<${b!.name}@localhost>`);
    expect(out.match(/LMTP>> DATA/g)).toHaveLength(1);
    expect(out).toMatch(new RegExp(`[=-]> ${a!.name}\\+urgent <${a!.name}\\+urgent@localhost> R=local_user T=mailrules_lmtp C="250 2\\.0\\.0 <${a!.name}\\+urgent@localhost> Delivered"`));
    expect(out).toMatch(new RegExp(`[=-]> ${b!.name} <${b!.name}@localhost> R=local_user T=mailrules_lmtp C="250 2\\.0\\.0 <${b!.name}@localhost> Delivered"`));
    expect(out).toMatch(/Completed/);
    expect(listFiles(path.join(a!.home, 'Mail', 'urgent', 'new'))).toHaveLength(1);
    expect(listFiles(path.join(b!.home, 'Mail', 'inbox', 'new'))).toHaveLength(1);
    // One connection carried both recipients.
    await waitFor(() => (service.log().match(/^delivery /gm) ?? []).length === 2, 'the log lines');
    const conns = new Set([...service.log().matchAll(/^delivery conn=(\d+) /gm)].map((m) => m[1]));
    expect(conns.size).toBe(1);
  });
});
