// Shared plumbing for the end-to-end tests: the LDA built from the current
// sources (test/helpers/fresh-build.ts), how to spawn it (clean env:
// NODE_EXTRA_CA_CERTS costs ~30 ms per process), and the rule that a missing
// prerequisite skips a test, except under CI=true, where it fails.
import { spawn } from 'node:child_process';
import { freshBuild } from '../helpers/fresh-build.js';

export { REPO } from '../helpers/fresh-build.js';
export const PROCMAIL = '/usr/bin/procmail';
export const IN_CI = process.env.CI === 'true';

/** mailrules' LDA (dist/deliver.cjs of the fresh build), built by the first test that asks. */
export function ldaBundle(): string {
  return freshBuild().deliver;
}

/**
 * argv prefix that runs mailrules' LDA. MAILRULES_LDA (space-separated) overrides it,
 * e.g. MAILRULES_LDA=/usr/bin/procmail to validate a test against the reference.
 */
export function ldaCommand(): string[] {
  const override = process.env.MAILRULES_LDA;
  if (override !== undefined && override.trim() !== '') return override.trim().split(/\s+/);
  return [process.execPath, ldaBundle()];
}

export const CHILD_ENV: NodeJS.ProcessEnv = { PATH: '/usr/bin:/bin', TZ: 'UTC', LC_ALL: 'C' };

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runLda(argv: string[], input: Buffer | string, opts: { cwd?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  const [file, ...rest] = argv;
  return new Promise((resolve, reject) => {
    const child = spawn(file, rest, { cwd: opts.cwd, env: CHILD_ENV, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString('latin1')));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString('latin1')));
    child.stdin.on('error', () => {});
    child.stdin.end(input);
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Why an environment-dependent test cannot run, or null when it can. In CI
 * (CI=true) a missing prerequisite is a failure, not a skip (tests
 * needing procmail/postfix must run in CI, README "Set-up").
 */
export function skipReason(problems: (string | null)[]): string | null {
  const found = problems.filter((p): p is string => p !== null);
  if (found.length === 0) return null;
  const msg = found.join('; ');
  if (IN_CI) throw new Error(`CI=true but this end-to-end test cannot run: ${msg}`);
  console.warn(`skipping: ${msg}`);
  return msg;
}
