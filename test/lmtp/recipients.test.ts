import { describe, expect, it } from 'vitest';
import { fileUserDb } from '../../src/deliver/userdb.js';
import { RecipientDirectory, type LocalRecipient } from '../../src/lmtp/recipients.js';

const PASSWD = 'alice:x:5001:5001::/home/alice:/bin/sh\nbob-smith:x:5002:5002::/home/bob:/bin/sh\nvmail:x:5003:5003::/var/vmail:/bin/sh\n';
const userdb = fileUserDb((p) => (p === '/etc/passwd' ? PASSWD : ''));
const dir = (over: Partial<ConstructorParameters<typeof RecipientDirectory>[0]> = {}) =>
  new RecipientDirectory({ userdb, delimiter: '+', fixedUser: null, userConcurrency: 2, uid: 0, ...over });
const ok = (v: ReturnType<RecipientDirectory['resolve']>): LocalRecipient => {
  if (!v.ok) throw new Error(`refused: ${v.reply.text}`);
  return v.recipient;
};

describe('RCPT lookup', () => {
  it('finds the user by local part, the extension after the delimiter, any domain, case folded', () => {
    expect(ok(dir().resolve('alice+lists.work@example.org'))).toMatchObject({ user: { name: 'alice' }, extension: 'lists.work' });
    expect(ok(dir().resolve('ALICE@x'))).toMatchObject({ user: { name: 'alice' }, extension: '' });
    // A whole local part that names a user wins over a split at the delimiter.
    expect(ok(dir({ delimiter: '-' }).resolve('bob-smith@x'))).toMatchObject({ user: { name: 'bob-smith' }, extension: '' });
    expect(ok(dir({ delimiter: '+-' }).resolve('alice-x+y@x'))).toMatchObject({ user: { name: 'alice' }, extension: 'x+y' });
    expect(dir({ delimiter: '' }).resolve('alice+x@x')).toMatchObject({ ok: false, reply: { code: 550, status: '5.1.1' } });
  });

  it('refuses unknown users with 550 5.1.1 and users it cannot become with 451 4.3.5', () => {
    expect(dir().resolve('nobody@x')).toMatchObject({ ok: false, reply: { code: 550, status: '5.1.1' } });
    expect(dir({ uid: 5001 }).resolve('bob-smith@x')).toMatchObject({ ok: false, reply: { code: 451, status: '4.3.5' } });
    expect(ok(dir({ uid: 5001 }).resolve('alice@x')).user.name).toBe('alice');
  });

  it('--user: any address is that user, the extension still split off', () => {
    const vmail = userdb.byName('vmail');
    expect(ok(dir({ fixedUser: vmail }).resolve('anyone+tag@virtual.example'))).toMatchObject({ user: { name: 'vmail' }, extension: 'tag' });
  });

  it('holds a slot per accepted recipient until released: 451 4.7.1 over --user-concurrency', () => {
    const d = dir();
    const a = ok(d.resolve('alice@x'));
    ok(d.resolve('alice+2@x'));
    expect(d.resolve('alice@x')).toMatchObject({ ok: false, reply: { code: 451, status: '4.7.1' } });
    expect(ok(d.resolve('bob-smith@x')).user.name).toBe('bob-smith');
    a.release();
    a.release();
    expect(d.busy('alice')).toBe(1);
    expect(ok(d.resolve('alice@x')).user.name).toBe('alice');
  });
});
