import * as net from 'node:net';

/**
 * Where the service listens (--listen, several allowed):
 *   unix:/run/mailrules/lmtp   a Unix socket, mode --socket-mode (0660), group --socket-group
 *   HOST:PORT, [IPV6]:PORT     TCP, for MTAs on other hosts (`*:PORT` for every address)
 *   fd:N                       an inherited listening socket
 * and, under systemd socket activation (sd_listen_fds(3): LISTEN_PID is us,
 * LISTEN_FDS counts the sockets from fd 3), the sockets systemd passes.
 */
export type ListenSpec =
  | { readonly kind: 'unix'; readonly path: string }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
  | { readonly kind: 'fd'; readonly fd: number };

export function parseListen(spec: string): ListenSpec {
  if (spec.startsWith('unix:')) {
    const path = spec.slice(5);
    if (!path.startsWith('/')) throw new Error(`--listen ${spec}: the socket path must be absolute`);
    return { kind: 'unix', path };
  }
  if (spec.startsWith('fd:')) {
    const fd = Number(spec.slice(3));
    if (!Number.isInteger(fd) || fd < 0) throw new Error(`--listen ${spec}: not a file descriptor`);
    return { kind: 'fd', fd };
  }
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(spec);
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || port > 65535) throw new Error(`--listen ${spec}: expected unix:/path, HOST:PORT, [IPV6]:PORT or fd:N`);
  const host = m[1] ?? m[2]!;
  return { kind: 'tcp', host: host === '*' ? '::' : host, port };
}

/** Sockets passed by systemd (sd_listen_fds(3)); none unless LISTEN_PID names this process. */
export function systemdSockets(env: Readonly<Record<string, string | undefined>>, pid: number): ListenSpec[] {
  if (env.LISTEN_PID !== String(pid)) return [];
  const n = Number(env.LISTEN_FDS ?? '0');
  if (!Number.isInteger(n) || n <= 0) return [];
  return Array.from({ length: n }, (_, i) => ({ kind: 'fd' as const, fd: 3 + i }));
}

/** Every place to listen: --listen's, then systemd's; throws when a --listen is malformed or there is none and no --stdio. */
export function listenSpecs(listen: readonly string[], stdio: boolean, env: Readonly<Record<string, string | undefined>>, pid: number): ListenSpec[] {
  const specs = [...listen.map(parseListen), ...systemdSockets(env, pid)];
  if (specs.length === 0 && !stdio) throw new Error('nowhere to listen: give --listen (unix:/path or HOST:PORT) or --stdio');
  return specs;
}

export function describeListen(spec: ListenSpec, server: net.Server): string {
  if (spec.kind === 'unix') return `unix:${spec.path}`;
  const a = server.address();
  if (a !== null && typeof a === 'object') return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
  return spec.kind === 'fd' ? `fd:${spec.fd}` : `${spec.host}:${spec.port}`;
}

export interface UnixSocketOptions {
  readonly mode: number;
  /** Group to give the socket (the MTA's, e.g. postfix); null leaves ours. */
  readonly gid: number | null;
  readonly fs: {
    lstatSync(p: string): { isSocket(): boolean };
    unlinkSync(p: string): void;
    chmodSync(p: string, mode: number): void;
    chownSync(p: string, uid: number, gid: number): void;
  };
}

/** Starts listening; a Unix socket left by a dead instance is replaced, one still answering is not. */
export async function listenOn(spec: ListenSpec, server: net.Server, unix: UnixSocketOptions): Promise<void> {
  if (spec.kind === 'unix') await clearStaleSocket(spec.path, unix.fs);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const ready = (): void => {
      server.off('error', reject);
      resolve();
    };
    if (spec.kind === 'unix') server.listen(spec.path, ready);
    else if (spec.kind === 'fd') server.listen({ fd: spec.fd }, ready);
    else server.listen({ host: spec.host, port: spec.port }, ready);
  });
  if (spec.kind === 'unix') {
    unix.fs.chmodSync(spec.path, unix.mode);
    if (unix.gid !== null) unix.fs.chownSync(spec.path, -1, unix.gid);
  }
}

async function clearStaleSocket(path: string, fs: UnixSocketOptions['fs']): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = fs.lstatSync(path).isSocket();
  } catch {
    return;
  }
  if (!isSocket) throw new Error(`${path} exists and is not a socket`);
  const alive = await new Promise<boolean>((resolve) => {
    const c = net.connect(path, () => {
      c.destroy();
      resolve(true);
    });
    c.on('error', () => resolve(false));
  });
  if (alive) throw new Error(`${path}: another server is listening there`);
  fs.unlinkSync(path);
}
