import { describe, expect, it } from 'vitest';
import { buildAddressIndex, wildcardMatch } from '../../../src/eval/mail/addresslist.js';

const LIST = `# friends
Alice@Example.org     # Alice
@family.net
*@work.example
*.uni.edu
*@*.deep.org
bob+*@lists.org
b?b@q.org
a.b@dots.com
postmaster

   # indented comment
weird[1]@x.org
{a,b}@brace.org
!neg@x.org
`;

describe('address list index', () => {
  const idx = buildAddressIndex(LIST);
  it('counts entries, skipping comments and blank lines', () => {
    expect(idx.size).toBe(12);
  });
  it('matches exact entries case-insensitively and reports the entry as written', () => {
    expect(idx.match('alice@example.ORG')).toBe('Alice@Example.org');
    expect(idx.match('alice2@example.org')).toBeNull();
    expect(idx.match('postmaster')).toBe('postmaster');
  });
  it('matches whole domains exactly (not subdomains, not suffixes)', () => {
    expect(idx.match('anyone@family.net')).toBe('@family.net');
    expect(idx.match('x@FAMILY.NET')).toBe('@family.net');
    expect(idx.match('x@sub.family.net')).toBeNull();
    expect(idx.match('x@notfamily.net')).toBeNull();
    expect(idx.match('x@work.example')).toBe('*@work.example');
  });
  it('matches *.domain for subdomains only', () => {
    expect(idx.match('p@cs.uni.edu')).toBe('*.uni.edu');
    expect(idx.match('p@a.b.uni.edu')).toBe('*.uni.edu');
    expect(idx.match('p@uni.edu')).toBeNull();
    expect(idx.match('p@xuni.edu')).toBeNull();
    expect(idx.match('p@a.deep.org')).toBe('*@*.deep.org');
  });
  it('globs: * and ? never cross @', () => {
    expect(idx.match('bob+tag@lists.org')).toBe('bob+*@lists.org');
    expect(idx.match('bob+@lists.org')).toBe('bob+*@lists.org');
    expect(idx.match('bob+x@y@lists.org')).toBeNull();
    expect(idx.match('bib@q.org')).toBe('b?b@q.org');
    expect(idx.match('bb@q.org')).toBeNull();
  });
  it('dots are literal: the egrep -f pitfall', () => {
    expect(idx.match('a.b@dots.com')).toBe('a.b@dots.com');
    expect(idx.match('axb@dots.com')).toBeNull();
    expect(idx.match('a.b@dotsxcom')).toBeNull();
    const g = buildAddressIndex('*@x.com\n');
    expect(g.match('u@xycom')).toBeNull();
  });
  it('gives no special meaning to [], {}, !, +(', () => {
    expect(idx.match('weird[1]@x.org')).toBe('weird[1]@x.org');
    expect(idx.match('weird1@x.org')).toBeNull();
    expect(idx.match('a@brace.org')).toBeNull();
    expect(idx.match('{a,b}@brace.org')).toBe('{a,b}@brace.org');
    expect(idx.match('someone@else.org')).toBeNull();
    const ext = buildAddressIndex('u+(tag)*@x.com\n');
    expect(ext.match('u+tag@x.com')).toBeNull();
    expect(ext.match('u+(tag)z@x.com')).toBe('u+(tag)*@x.com');
  });
  it('local parts with / and leading dots match globs (unlike micromatch)', () => {
    const g = buildAddressIndex('*@example.com\n*x@glob.com\n');
    expect(g.match('a/b@example.com')).toBe('*@example.com');
    expect(g.match('.hiddenx@glob.com')).toBe('*x@glob.com');
  });
  it('wildcard matcher: * any run, ? one character, everything else literal', () => {
    expect(wildcardMatch('a*b?c', 'axxxbyc')).toBe(true);
    expect(wildcardMatch('a*b?c', 'abc')).toBe(false);
    expect(wildcardMatch('*', '')).toBe(true);
    expect(wildcardMatch('a.b$', 'a.b$')).toBe(true);
    expect(wildcardMatch('a.b', 'axb')).toBe(false);
    expect(wildcardMatch('*ab*ab', 'xabyabab')).toBe(true);
  });
  it('looks up a big list without scanning it, and hostile globs in bounded steps', () => {
    const lines: string[] = [];
    for (let i = 0; i < 50_000; i++) lines.push(`user${i}@domain${i % 500}.com`);
    for (let i = 0; i < 5_000; i++) lines.push(`*@d${i}.org`, `*.s${i}.net`);
    const globs: string[] = [];
    for (let i = 0; i < 500; i++) globs.push(`*a*a*a*a*a*a*${i}@*`);
    const big = buildAddressIndex([...lines, ...globs].join('\n'));
    const work = (address: string): { entry: string | null; work: number } => {
      const before = big.work;
      const entry = big.match(address);
      return { entry, work: big.work - before };
    };
    // Exact, domain and subdomain entries are table probes, however many the list holds.
    expect(work('user49999@domain499.com')).toEqual({ entry: 'user49999@domain499.com', work: 1 });
    expect(work('x@d4999.org')).toEqual({ entry: '*@d4999.org', work: 2 });
    expect(work('x@a.b.s4999.net')).toEqual({ entry: '*.s4999.net', work: 4 });
    // A miss tries every glob, each in at most (address part + 1) × (pattern part + 1) steps.
    const local = 'a'.repeat(300);
    const bound = 3 + globs.reduce((n, g) => {
      const [gl, gd] = g.split('@') as [string, string];
      return n + 1 + (local.length + 1) * (gl.length + 1) + ('x.com'.length + 1) * (gd.length + 1);
    }, 0);
    const hostile = work(`${local}@x.com`);
    expect(hostile.entry).toBeNull();
    expect(hostile.work).toBeGreaterThan(globs.length);
    expect(hostile.work).toBeLessThanOrEqual(bound);
  });
});
