import * as fs from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { screenMailbox, type ScreenOptions } from '../../src/deliver/screen-mailbox.js';
import type { DeliveryFs } from '../../src/deliver/seams.js';
import { ultoan } from '../../src/deliver/ultoan.js';
import { FakeClock, tempDir } from './helpers.js';

// docs/procmail-semantics.md §9 system-mailbox screening; expected results verified against procmail in the §13 B sandbox.
const me = process.getuid?.() ?? 0;

function setup(over: Partial<ScreenOptions> = {}) {
  const dir = tempDir();
  const box = join(dir, 'pmtest');
  const lines: string[] = [];
  const clock = new FakeClock();
  const opts: ScreenOptions = {
    fs: fs as unknown as DeliveryFs,
    clock,
    uid: me,
    gid: process.getgid?.() ?? 0,
    logname: 'pmtest',
    deliveryMode: true,
    suspendSec: 16,
    privileged: false,
    lockext: '.lock',
    log: (t) => lines.push(t),
    ...over,
  };
  return { dir, box, lines, clock, opts };
}

describe('screenMailbox', () => {
  it('creates a missing mailbox, empty and 0600', async () => {
    const { box, opts, lines } = setup();
    expect(await screenMailbox(box, opts)).toEqual({ kind: 'ok' });
    const st = fs.statSync(box);
    expect(st.size).toBe(0);
    expect(st.mode & 0o777).toBe(0o600);
    expect(lines).toEqual([]);
  });

  it.each([
    [0o644, 0o600, true],
    [0o664, 0o600, true],
    [0o610, 0o600, true],
    [0o660, 0o660, false],
    [0o744, 0o744, false],
    [0o600, 0o600, false],
  ])('mode %s becomes %s', async (before, after, logged) => {
    const { box, opts, lines } = setup();
    fs.writeFileSync(box, 'old\n');
    fs.chmodSync(box, before);
    expect(await screenMailbox(box, opts)).toEqual({ kind: 'ok' });
    expect(fs.statSync(box).mode & 0o777).toBe(after);
    expect(lines).toEqual(logged ? [`Enforcing stricter permissions on "${box}"`] : []);
    expect(fs.readFileSync(box, 'latin1')).toBe('old\n');
  });

  it('suid or sgid is autoforwarding in -d mode only', async () => {
    for (const mode of [0o4600, 0o2600]) {
      const { box, opts, lines } = setup();
      fs.writeFileSync(box, 'old\n');
      fs.chmodSync(box, mode);
      expect(await screenMailbox(box, opts)).toEqual({ kind: 'autoforward' });
      expect(lines).toEqual(['Autoforwarding mailbox found']);
      expect(await screenMailbox(box, { ...opts, deliveryMode: false })).toEqual({ kind: 'ok' });
    }
  });

  it('a foreign, unwritable, symlinked or hard-linked mailbox is renamed after one SUSPEND, and a new one made', async () => {
    const cases: [string, (box: string, dir: string) => Partial<ScreenOptions>][] = [
      ['foreign owner', () => ({ uid: me + 1 })],
      ['not writable', (box) => (fs.chmodSync(box, 0o400), {})],
      ['hard link', (box, dir) => (fs.linkSync(box, join(dir, 'other')), {})],
    ];
    for (const [, prep] of cases) {
      const { box, dir, opts, lines, clock } = setup();
      fs.writeFileSync(box, 'old\n');
      const over = prep(box, dir);
      const ino = fs.statSync(box).ino;
      const o = { ...opts, ...over };
      const res = await screenMailbox(box, o);
      const bogus = join(dir, `BOGUS.pmtest.${ultoan(ino)}`);
      expect(lines[0]).toBe(`Renaming bogus mailbox "${box}" info "${bogus}"`);
      expect(clock.sleeps).toEqual([16_000]);
      expect(fs.readFileSync(bogus, 'latin1')).toBe('old\n');
      if (o.uid === me) {
        expect(res).toEqual({ kind: 'ok' });
        expect(fs.statSync(box).size).toBe(0);
      }
    }
  });

  it('a symlink is renamed, not followed', async () => {
    const { box, dir, opts } = setup();
    fs.writeFileSync(join(dir, 'target'), 'keep\n');
    fs.symlinkSync('target', box);
    const ino = fs.lstatSync(box).ino;
    expect(await screenMailbox(box, opts)).toEqual({ kind: 'ok' });
    expect(fs.lstatSync(join(dir, `BOGUS.pmtest.${ultoan(ino)}`)).isSymbolicLink()).toBe(true);
    expect(fs.lstatSync(box).isFile()).toBe(true);
    expect(fs.readFileSync(join(dir, 'target'), 'latin1')).toBe('keep\n');
  });

  it('a bogus mailbox that cannot be moved makes the system mailbox unusable', async () => {
    const { box, opts, lines } = setup();
    fs.writeFileSync(box, 'old\n');
    const noRename = { ...(fs as unknown as DeliveryFs), renameSync: () => { throw Object.assign(new Error('x'), { code: 'EACCES' }); } };
    expect(await screenMailbox(box, { ...opts, uid: me + 1, fs: noRename })).toEqual({ kind: 'unusable' });
    expect(lines.at(-1)).toBe(`Couldn't create "${box}"`);
  });

  it('a lockfile of another user is moved away silently', async () => {
    const { box, dir, opts, lines } = setup();
    fs.writeFileSync(box, 'old\n');
    fs.chmodSync(box, 0o600);
    fs.writeFileSync(`${box}.lock`, 'x');
    const ino = fs.statSync(`${box}.lock`).ino;
    // The lock looks foreign when we pretend to be another (non-root) recipient who owns the mailbox.
    const other = me + 1;
    const fakeFs = { ...(fs as unknown as DeliveryFs), lstatSync: (p: string) => Object.assign(fs.lstatSync(p), { uid: p === box ? other : 12345 }) };
    expect(await screenMailbox(box, { ...opts, uid: other, fs: fakeFs as DeliveryFs })).toEqual({ kind: 'ok' });
    expect(fs.existsSync(join(dir, `BOGUS.pmtest.${ultoan(ino)}`))).toBe(true);
    expect(lines).toEqual([]);
  });
});
