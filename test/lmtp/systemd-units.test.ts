import * as fs from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lmtpCommand } from '../../src/cli/lmtp-command.js';
import { LMTP_DEFAULT_DELIVERY_TIMEOUT_S } from '../../src/limits.js';

const DIR = join(__dirname, '..', '..', 'contrib', 'systemd');
const unit = (name: string): Map<string, string[]> => {
  const out = new Map<string, string[]>();
  for (const line of fs.readFileSync(join(DIR, name), 'utf8').split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (m) out.set(m[1]!, [...(out.get(m[1]!) ?? []), m[2]!]);
  }
  return out;
};

describe('contrib/systemd', () => {
  it('the service runs `mailrules lmtp` with options it has, and drains on stop', () => {
    const service = unit('mailrules-lmtp.service');
    const [exec] = service.get('ExecStart')!;
    const words = exec!.split(/\s+/);
    expect(words.slice(0, 2)).toEqual(['/usr/bin/mailrules', 'lmtp']);
    const known = new Set(lmtpCommand(() => undefined).options.map((o) => o.long));
    for (const w of words.filter((x) => x.startsWith('--'))) expect(known).toContain(w);
    // SIGTERM to the main process only: workers in the middle of a delivery must not die with it.
    expect(service.get('KillMode')).toEqual(['mixed']);
    expect(Number(service.get('TimeoutStopSec')![0])).toBeGreaterThan(LMTP_DEFAULT_DELIVERY_TIMEOUT_S);
    expect(service.get('Requires')).toEqual(['mailrules-lmtp.socket']);
  });

  it('the socket is a Unix stream socket only its group can use', () => {
    const socket = unit('mailrules-lmtp.socket');
    expect(socket.get('ListenStream')).toEqual(['/run/mailrules/lmtp']);
    expect(socket.get('SocketMode')).toEqual(['0660']);
  });
});
