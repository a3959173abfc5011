import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Scratch } from '../../src/dryrun/scratch.js';
import { DRYRUN_SCRATCH_FILE_BYTES } from '../../src/limits.js';
import { call, sh, vars } from '../helpers/requests.js';

const tmp = mkdtempSync(join(tmpdir(), 'mailrules-scratch-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('--scratch copies', () => {
  it('copy what programs keep their state in, not the messages of a maildir nor big files, and point MAILDIR at the copy', () => {
    const real = join(tmp, 'Mail');
    for (const d of ['inbox/new', 'inbox/cur', 'inbox/tmp', 'lists']) mkdirSync(join(real, d), { recursive: true });
    writeFileSync(join(real, 'msgid.cache'), '<a@b>\0');
    writeFileSync(join(real, 'lists', 'white.lst'), 'a@b\n');
    writeFileSync(join(real, 'inbox', 'new', '1.2.host'), 'a message');
    writeFileSync(join(real, 'big.mbox'), Buffer.alloc(DRYRUN_SCRATCH_FILE_BYTES + 1));
    const s = new Scratch(join(tmp, 'scratch'));
    const { call: c, cwd } = s.callIn(call(sh('formail -D 8192 msgid.cache'), Buffer.from('x'), { env: vars({ MAILDIR: real, HOME: '/home/u' }) }), real);
    expect(cwd).not.toBe(real);
    expect(c.env.MAILDIR).toBe(cwd);
    expect(c.env.HOME).toBe('/home/u');
    expect(readFileSync(join(cwd, 'msgid.cache'), 'latin1')).toBe('<a@b>\0');
    expect(readFileSync(join(cwd, 'lists', 'white.lst'), 'latin1')).toBe('a@b\n');
    expect(existsSync(join(cwd, 'inbox', 'new'))).toBe(true);
    expect(existsSync(join(cwd, 'inbox', 'new', '1.2.host'))).toBe(false);
    expect(existsSync(join(cwd, 'big.mbox'))).toBe(false);
    expect(s.skipped).toBe(1);
    // The same directory, the same copy: what a program wrote there stays for the next message.
    writeFileSync(join(cwd, 'msgid.cache'), '<a@b>\0<c@d>\0');
    expect(s.callIn(c, real).cwd).toBe(cwd);
    expect(readFileSync(join(real, 'msgid.cache'), 'latin1')).toBe('<a@b>\0');
    s.dispose();
    expect(existsSync(join(tmp, 'scratch'))).toBe(false);
  });

  it('never runs a pipe that would send mail through $SENDMAIL', () => {
    const s = new Scratch(join(tmp, 'scratch2'));
    expect(s.refuses(call(sh('formail -r | $SENDMAIL -t'), Buffer.from('x')), '/usr/sbin/sendmail')).toMatch(/would send mail/);
    expect(s.refuses(call(sh('formail -r | ${SENDMAIL} -t'), Buffer.from('x')), '/usr/sbin/sendmail')).toMatch(/would send mail/);
    expect(s.refuses(call(sh('formail -D 8192 msgid.cache'), Buffer.from('x')), '/usr/sbin/sendmail')).toBeNull();
    expect(s.refuses(call(sh('formail -r | /usr/sbin/sendmail -t'), Buffer.from('x')), '/usr/sbin/sendmail')).toMatch(/would send mail/);
    expect(s.refuses(call({ shell: false, text: '/usr/sbin/sendmail -t', argv: ['/usr/sbin/sendmail', '-t'] }, Buffer.from('x')), '/usr/sbin/sendmail')).toMatch(/would send mail/);
    s.dispose();
  });
});
