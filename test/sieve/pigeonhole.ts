/**
 * Dovecot Pigeonhole's command-line tools (Debian's dovecot-sieve), as the
 * proof of `mailrules to-sieve` uses them: `sievec` compiles a script and
 * `sieve-test` runs it on a message and prints the actions it would take
 * (and `debug_log` lines). Tests skip with a clear message where the tools
 * are absent, and fail instead under CI=true (scripts/ci-install.sh
 * installs them there).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const IN_CI = process.env.CI === 'true';

const SIEVEC = '/usr/bin/sievec';
const SIEVE_TEST = '/usr/bin/sieve-test';

/** Why the tools cannot be used here, or null when they can. */
export function pigeonholeMissing(): string | null {
  if (existsSync(SIEVEC) && existsSync(SIEVE_TEST)) return null;
  const why = "Pigeonhole's sievec/sieve-test are not installed (apt-get install dovecot-sieve, as scripts/ci-install.sh does)";
  if (IN_CI) throw new Error(why);
  return why;
}

/** What sieve-test says the script does with a message. */
export interface Verdict {
  /** Mailboxes stored into, the implicit keep as INBOX (a set: Sieve files a message once per mailbox). */
  readonly mailboxes: string[];
  readonly redirects: string[];
  readonly reject: boolean;
  readonly vacation: boolean;
  /** `debug_log` texts in order. */
  readonly debug: string[];
}

export class Pigeonhole {
  readonly dir: string;
  private readonly config: string;
  private n = 0;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'mr-sieve-'));
    // sieve-test running as root drops to mail_uid, which must read the scripts and write the compiled binaries.
    chmodSync(this.dir, 0o777);
    const uid = process.getuid?.() ?? 0;
    const gid = process.getgid?.() ?? 0;
    this.config = join(this.dir, 'dovecot.conf');
    writeFileSync(
      this.config,
      [
        `mail_uid = ${uid === 0 ? 65534 : uid}`,
        `mail_gid = ${uid === 0 ? 65534 : gid}`,
        `mail_location = maildir:${join(this.dir, 'mail')}`,
        'plugin {',
        '  sieve_plugins = sieve_extprograms',
        '  sieve_extensions = +editheader +vnd.dovecot.pipe +vnd.dovecot.filter +vnd.dovecot.execute',
        '}',
        '',
      ].join('\n'),
    );
  }

  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Writes the script to a file of its own and compiles it: the path, or the compiler's errors. */
  compile(script: Buffer): { path: string; errors: string | null } {
    const path = join(this.dir, `s${++this.n}.sieve`);
    writeFileSync(path, script);
    const r = spawnSync(SIEVEC, ['-c', this.config, path, `${path}.svbin`], { encoding: 'utf8' });
    if (existsSync(`${path}.svbin`)) chmodSync(`${path}.svbin`, 0o644);
    return { path, errors: r.status === 0 ? null : (r.stderr + r.stdout).trim() };
  }

  /** Runs a compiled script on a message; `from` is the envelope sender. */
  run(scriptPath: string, message: Buffer, from: string): Verdict {
    const msg = join(this.dir, `m${++this.n}.eml`);
    writeFileSync(msg, message);
    chmodSync(msg, 0o644);
    const r = spawnSync(SIEVE_TEST, ['-c', this.config, '-f', from, scriptPath, msg], { encoding: 'latin1' });
    rmSync(msg, { force: true });
    if (r.status !== 0) throw new Error(`sieve-test failed (${r.status}): ${r.stderr}`);
    return parseVerdict(r.stdout + r.stderr);
  }
}

export function parseVerdict(out: string): Verdict {
  const mailboxes = new Set<string>();
  const redirects: string[] = [];
  let reject = false;
  let vacation = false;
  // debug_log texts may span lines; sieve-test ends each with "." and starts the next line of output afresh.
  const debug = [...out.matchAll(/^info: DEBUG: ([^]*?)\.$(?=\n(?:info:|sieve-test:|\S|$)|(?![^]))/gm)].map((m) => m[1]!);
  for (const line of out.split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = /^ \* store message in folder: (.*)$/.exec(line))) mailboxes.add(m[1]!);
    else if ((m = /^ \* redirect message to: <?(.*?)>?$/.exec(line))) redirects.push(m[1]!);
    else if (/^ \* reject message/.test(line)) reject = true;
    else if (/^ \* send vacation message/.test(line)) vacation = true;
  }
  return { mailboxes: [...mailboxes].sort(), redirects: redirects.sort(), reject, vacation, debug };
}
