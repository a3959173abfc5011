import { describe, expect, it } from 'vitest';
import { compileRc } from '../../src/compile/compile.js';

const codes = (rc: string): string[] =>
  compileRc(rc, 't.rc').diagnostics.map((d) => `${d.span.line}:${d.span.col} ${d.severity} ${d.code}`);

describe('delivered-early', () => {
  // docs/procmail-semantics.md §5.2: renvint true (a non-zero number, or on/yes/true/e…/all) forks and reports delivery at once.
  it.each(['yes', 'on', 'true', 'Y', '1', '-3', ' 2x', 'all', '"yes"', 'e'])('warns on DELIVERED=%s', (v) => {
    expect(codes(`A=1\nDELIVERED=${v}\n`)).toEqual(['2:1 warning delivered-early']);
  });
  it.each(['no', 'off', '0', 'false', 'x', '""', 'delivered', '$X', '`echo yes`'])('is quiet for DELIVERED=%s', (v) => {
    expect(codes(`DELIVERED=${v}\n`)).toEqual([]);
  });
  it('is quiet for an unset, other names and in-block assignments are checked too', () => {
    expect(codes('DELIVERED\nDELIVEREDX=yes\nXDELIVERED=yes\n')).toEqual([]);
    expect(codes(':0\n* ^Subject\n{\n  DELIVERED=yes\n}\n')).toEqual(['4:3 warning delivered-early']);
  });
  it('says what procmail does and what mailrules does instead', () => {
    const [d] = compileRc('DELIVERED=yes\n', 't.rc').diagnostics;
    expect(d?.message).toMatch(/^DELIVERED=yes: procmail tells the MTA .* delivered.* later failure loses it; mailrules .* real failure/);
  });
});
