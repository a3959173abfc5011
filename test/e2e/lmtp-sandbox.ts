// Shared plumbing for the end-to-end tests of `mailrules lmtp`:
//  - a fresh install of the service (bin/mailrules, and dist/ bundles built
//    from the current sources into a world-readable temp dir: never a stale
//    dist/, and readable by the workers once they are their users);
//  - a sandbox of made-up users: a private mount namespace (unshare -m)
//    overlays /etc/passwd and /etc/group with copies that add users with
//    random names and uids, homes in a temp dir, and /etc/hosts with one
//    that gives this host a qualified name (sendmail waits a minute for
//    one otherwise). No account is created on the host, runs never
//    collide, and everything started inside (the service, an MTA) sees
//    those users; the tests read their homes from outside.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import { REPO } from './lda.js';
import { privateEtc } from '../helpers/private-etc.js';

export interface SandboxUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
}

/** Why the sandbox cannot be built here, or null. */
export function sandboxProblem(): string | null {
  if (process.platform !== 'linux') return 'needs Linux';
  if (process.getuid?.() !== 0) return 'needs root (unshare, mount, setuid workers)';
  const r = spawnSync('unshare', ['-m', 'sh', '-c', 'mount --bind /tmp /mnt && umount /mnt'], { encoding: 'latin1' });
  if (r.error !== undefined || r.status !== 0) return `unshare/mount not permitted here (${r.error?.message ?? r.stderr.trim()})`;
  return null;
}

let install: Promise<string> | null = null;

/** bin/mailrules with dist/cli.cjs, dist/lmtp-worker.cjs and the fcntl addon built now from src/, in a world-readable directory. */
export function freshInstall(): Promise<string> {
  install ??= (async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mr-lmtp-install-'));
    fs.chmodSync(dir, 0o755);
    const script = (await import('../../scripts/build.mjs' as string)) as { cliOptions: BuildOptions; lmtpWorkerOptions: BuildOptions; deliverBodyOptions: BuildOptions; deliverLoaderOptions: BuildOptions };
    fs.mkdirSync(path.join(dir, 'bin'));
    fs.mkdirSync(path.join(dir, 'dist'));
    for (const [opts, name] of [
      [script.cliOptions, 'cli.cjs'],
      [script.lmtpWorkerOptions, 'lmtp-worker.cjs'],
      [script.deliverBodyOptions, 'deliver-body.cjs'],
      [script.deliverLoaderOptions, 'deliver.cjs'],
    ] as const) {
      await build({ ...opts, outfile: path.join(dir, 'dist', name), logLevel: 'silent' });
    }
    const addon = path.join(REPO, 'native', 'build', 'Release', 'fcntl_lock.node');
    if (fs.existsSync(addon)) fs.copyFileSync(addon, path.join(dir, 'dist', 'fcntl-lock.node'));
    fs.copyFileSync(path.join(REPO, 'bin', 'mailrules'), path.join(dir, 'bin', 'mailrules'));
    fs.copyFileSync(path.join(REPO, 'package.json'), path.join(dir, 'package.json'));
    fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'));
    spawnSync('chmod', ['-R', 'a+rX', dir]);
    return dir;
  })();
  return install;
}

export class Sandbox {
  readonly root: string;
  readonly users: SandboxUser[] = [];
  private readonly passwd: string;
  private readonly group: string;
  private readonly hosts: string;

  /**
   * `count` users, each with an empty home (mode 0755) it owns, and
   * `system` accounts an MTA expects by name (Exim's Debian-exim).
   */
  constructor(count: number, system: readonly string[] = []) {
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), 'mr-lmtp-e2e-'));
    fs.chmodSync(this.root, 0o755);
    fs.mkdirSync(path.join(this.root, 'home'), { mode: 0o755 });
    const tag = Math.random().toString(36).slice(2, 7);
    let pw = fs.readFileSync('/etc/passwd', 'latin1').replace(/\n?$/, '\n');
    let gr = fs.readFileSync('/etc/group', 'latin1').replace(/\n?$/, '\n');
    const base = 1_500_000 + Math.floor(Math.random() * 400_000) * 8;
    for (let i = 0; i < count; i++) {
      const name = `mrl${tag}${i}`;
      const uid = base + i;
      const home = path.join(this.root, 'home', name);
      fs.mkdirSync(home, { mode: 0o755 });
      fs.chownSync(home, uid, uid);
      pw += `${name}:x:${uid}:${uid}:LMTP test:${home}:/bin/sh\n`;
      gr += `${name}:x:${uid}:\n`;
      this.users.push({ name, uid, gid: uid, home });
    }
    for (const [i, name] of system.entries()) {
      if (new RegExp(`^${name}:`, 'm').test(pw)) continue;
      const id = base + count + i;
      pw += `${name}:x:${id}:${id}::/nonexistent:/usr/sbin/nologin\n`;
      gr += `${name}:x:${id}:\n`;
    }
    const host = os.hostname();
    this.hosts = path.join(this.root, 'hosts');
    fs.writeFileSync(this.hosts, `127.0.0.1 ${host}.localdomain ${host} localhost\n${fs.readFileSync('/etc/hosts', 'latin1')}`);
    this.passwd = path.join(this.root, 'passwd');
    this.group = path.join(this.root, 'group');
    fs.writeFileSync(this.passwd, pw);
    fs.writeFileSync(this.group, gr);
  }

  /** A file in a user's home, owned by the user (an rc file: 0644, as procmail wants it). */
  write(user: SandboxUser, rel: string, text: string, mode = 0o644): string {
    const p = path.join(user.home, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, text.replaceAll('HOME_DIR', user.home), { mode });
    for (let d = path.dirname(p); d.startsWith(user.home); d = path.dirname(d)) fs.chownSync(d, user.uid, user.gid);
    fs.chownSync(p, user.uid, user.gid);
    return p;
  }

  /** argv running `argv` where the sandbox's users exist. */
  wrap(argv: readonly string[]): string[] {
    const etc = privateEtc(this.root, [
      [this.passwd, 'passwd'],
      [this.group, 'group'],
      [this.hosts, 'hosts'],
    ]);
    return ['unshare', '-m', 'sh', '-c', `${etc} && exec "$@"`, 'sh', ...argv];
  }

  cleanup(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

export interface RunningService {
  readonly proc: ChildProcess;
  readonly pid: number;
  /** Where it listens, from its `started` log line. */
  readonly address: string;
  log(): string;
  /** Resolves with the exit code or signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Pids of its worker processes (its children). */
  workers(): number[];
}

/**
 * Starts `mailrules lmtp ARGS` in the sandbox and waits for its `started`
 * line; `launch` may put a command in front (one that execs the rest).
 */
export async function startService(sb: Sandbox, args: readonly string[], launch: (argv: string[]) => string[] = (a) => a): Promise<RunningService> {
  const dir = await freshInstall();
  const argv = sb.wrap(launch([process.execPath, path.join(dir, 'bin', 'mailrules'), 'lmtp', ...args]));
  const proc = spawn(argv[0]!, argv.slice(1), { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', TZ: 'UTC' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no 'started' line in 30 s:\n${log}`)), 30_000);
    proc.stderr!.on('data', (d: Buffer) => {
      log += d.toString('latin1');
      const m = /^started .*listen=(\S+)/m.exec(log);
      if (m !== null) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`mailrules lmtp exited (${code ?? signal}) before starting:\n${log}`));
    });
  });
  return {
    proc,
    pid: proc.pid!,
    address,
    log: () => log,
    exited,
    workers: () =>
      (spawnSync('ps', ['-o', 'pid=', '--ppid', String(proc.pid)], { encoding: 'latin1' }).stdout ?? '')
        .split(/\s+/)
        .filter(Boolean)
        .map(Number),
  };
}

/** Runs `argv` in the sandbox and waits for it; throws with its output when it fails. */
export function runIn(sb: Sandbox, argv: readonly string[], input?: string): string {
  const w = sb.wrap(argv);
  const r = spawnSync(w[0]!, w.slice(1), { input, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', TZ: 'UTC' }, encoding: 'latin1', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status ?? r.signal}): ${r.error?.message ?? ''}${r.stderr}${r.stdout}`);
  return r.stdout + r.stderr;
}

/** Where scripts/ci-install.sh unpacks MTAs that conflict with the installed one (sendmail, Exim). */
export const MTA_CACHE = process.env.MAILRULES_MTA_CACHE ?? '/var/cache/mailrules-ci';

/** host/port or socket path of an address from the `started` line. */
export function target(address: string): string | { host: string; port: number } {
  if (address.startsWith('unix:')) return address.slice(5);
  const i = address.lastIndexOf(':');
  return { host: address.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(address.slice(i + 1)) };
}

export async function waitFor(check: () => boolean, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  if (!check()) throw new Error(`gave up waiting for ${what}`);
}

export const listFiles = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []);
