import { describe, expect, it } from 'vitest';
import { fullyQualifiedHost } from '../../src/deliver/mail-host.js';

const files = (f: Record<string, string>) => (p: string) => f[p] ?? null;

describe('fullyQualifiedHost', () => {
  it('a dotted node name is already qualified', () => {
    expect(fullyQualifiedHost('mx1.example.org', files({ '/etc/mailname': 'other.example\n' }))).toBe('mx1.example.org');
  });
  it('else /etc/mailname (Debian: what Postfix and Exim use)', () => {
    expect(fullyQualifiedHost('vm', files({ '/etc/mailname': 'mail.example.org\n' }))).toBe('mail.example.org');
  });
  it('else the canonical name /etc/hosts gives the node name, as hostname -f does', () => {
    const hosts = '127.0.0.1 localhost localhost.localdomain\n# 10.0.0.1 vm.old.example vm\n10.0.0.2 vm.example.org vm  # this host\n';
    expect(fullyQualifiedHost('vm', files({ '/etc/hosts': hosts }))).toBe('vm.example.org');
    expect(fullyQualifiedHost('vm', files({ '/etc/mailname': 'vm\n', '/etc/hosts': '10.0.0.2 vm vm.example.org\n' }))).toBe('vm.example.org');
  });
  it("null when nothing names it (then the recipient's domain is used)", () => {
    expect(fullyQualifiedHost('vm', files({ '/etc/hosts': '127.0.0.1 localhost\n127.0.0.1 vm\n127.0.0.1 localhost.localdomain vm\n' }))).toBeNull();
    expect(fullyQualifiedHost('vm', files({}))).toBeNull();
    expect(fullyQualifiedHost('vm', files({ '/etc/hosts': '10.0.0.9 other.example.org other\n' }))).toBeNull();
  });
});
