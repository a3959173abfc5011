import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listenOn, listenSpecs, parseListen, systemdSockets } from '../../src/lmtp/listeners.js';
import { tempDir } from '../deliver/helpers.js';

describe('--listen', () => {
  it('takes unix:/path, HOST:PORT, [IPV6]:PORT, *:PORT and fd:N', () => {
    expect(parseListen('unix:/run/mailrules/lmtp')).toEqual({ kind: 'unix', path: '/run/mailrules/lmtp' });
    expect(parseListen('127.0.0.1:2424')).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 2424 });
    expect(parseListen('mx.example.org:24')).toEqual({ kind: 'tcp', host: 'mx.example.org', port: 24 });
    expect(parseListen('[::1]:2424')).toEqual({ kind: 'tcp', host: '::1', port: 2424 });
    expect(parseListen('*:2424')).toEqual({ kind: 'tcp', host: '::', port: 2424 });
    expect(parseListen('fd:3')).toEqual({ kind: 'fd', fd: 3 });
  });

  it('refuses a relative socket path, a port out of range, a bare IPv6 address and garbage', () => {
    expect(() => parseListen('unix:run/lmtp')).toThrow(/must be absolute/);
    for (const bad of ['127.0.0.1:65536', '::1:2424', '127.0.0.1', ':2424', 'a b:1', 'fd:x', 'fd:-1']) {
      expect(() => parseListen(bad), bad).toThrow(/--listen/);
    }
  });

  it("takes systemd's sockets only when LISTEN_PID is this process (sd_listen_fds(3))", () => {
    expect(systemdSockets({ LISTEN_PID: '42', LISTEN_FDS: '2' }, 42)).toEqual([
      { kind: 'fd', fd: 3 },
      { kind: 'fd', fd: 4 },
    ]);
    expect(systemdSockets({ LISTEN_PID: '41', LISTEN_FDS: '2' }, 42)).toEqual([]);
    expect(systemdSockets({ LISTEN_PID: '42', LISTEN_FDS: 'x' }, 42)).toEqual([]);
    expect(listenSpecs(['127.0.0.1:1'], false, { LISTEN_PID: '42', LISTEN_FDS: '1' }, 42)).toEqual([
      { kind: 'tcp', host: '127.0.0.1', port: 1 },
      { kind: 'fd', fd: 3 },
    ]);
    expect(() => listenSpecs([], false, {}, 42)).toThrow(/nowhere to listen/);
    expect(listenSpecs([], true, {}, 42)).toEqual([]);
  });

  it('replaces a Unix socket left by a dead server, never one still answering or a file that is no socket', async () => {
    const dir = tempDir();
    const path = join(dir, 'lmtp.sock');
    const opts = { mode: 0o640, gid: null, fs };
    // A server that died without removing its socket (as after kill -9): the file is there, nothing answers.
    const dead = spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => process.exit(0))`]);
    expect(dead.status).toBe(0);
    expect(fs.lstatSync(path).isSocket()).toBe(true);
    // The probe of a second listenOn connects and resets: the server side must take that.
    const server = net.createServer((s) => s.on('error', () => undefined).end('hello'));
    await listenOn({ kind: 'unix', path }, server, opts);
    try {
      expect(fs.statSync(path).mode & 0o777).toBe(0o640);
      const said = await new Promise<string>((resolve) => {
        const c = net.connect(path).on('data', (d) => {
          c.destroy();
          resolve(d.toString());
        });
      });
      expect(said).toBe('hello');
      await expect(listenOn({ kind: 'unix', path }, net.createServer(), opts)).rejects.toThrow(/another server is listening there/);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
    fs.writeFileSync(join(dir, 'plain'), '');
    await expect(listenOn({ kind: 'unix', path: join(dir, 'plain') }, net.createServer(), opts)).rejects.toThrow(/exists and is not a socket/);
    expect(fs.readFileSync(join(dir, 'plain'), 'latin1')).toBe('');
  });
});
