import { describe, expect, it } from 'vitest';
import { compileRc } from '../../src/compile/compile.js';
import type { CompiledRecipe } from '../../src/compile/compiled-rc.js';

const first = (rc: string): CompiledRecipe => compileRc(rc, 't.rc').items.find((s) => s.kind === 'recipe') as CompiledRecipe;

describe('decodeFlags (docs/procmail-semantics.md §2)', () => {
  it('defaults to H and hb', () => {
    expect(first(':0\nbox\n').flags).toMatchObject({ H: true, B: false, h: true, b: true, c: false });
  });
  it('B alone searches the body only; HB both', () => {
    expect(first(':0 B\nbox\n').flags).toMatchObject({ H: false, B: true });
    expect(first(':0 HB\nbox\n').flags).toMatchObject({ H: true, B: true });
  });
  it('h alone feeds the header only', () => {
    expect(first(':0 h\n| cat\n').flags).toMatchObject({ h: true, b: false });
  });
  it('e suppresses E and a', () => {
    expect(first(':0 Ee\nbox\n').flags).toMatchObject({ E: false, e: true });
    expect(first(':0 ae\nbox\n').flags).toMatchObject({ a: false, e: true });
  });
  it('f on a folder and c on a filter are dropped', () => {
    expect(first(':0 f\nbox\n').flags.f).toBe(false);
    expect(first(':0 fc\n| cat\n').flags).toMatchObject({ f: true, c: false });
    expect(first(':0 c\nV=| cat\n').flags.c).toBe(false);
  });
  it('spaces and a lock may mix with flags', () => {
    const r = first(':0 h b c:\nbox\n');
    expect(r.header).toMatchObject({ flags: 'hbc', hasLock: true, lock: null });
  });
});

describe('compileRc', () => {
  it('keeps recipes without an action as `missing` steps, in statement order', () => {
    const p = compileRc('A=1\n:0\n\n:0\nbox\nB=2\n', 't.rc');
    expect(p.items.map((s) => s.kind === 'recipe' ? s.action.kind : s.kind)).toEqual(['assign', 'missing', 'folder', 'assign']);
    expect(p.diagnostics.map((d) => `${d.span.line}:${d.span.col} ${d.code}`)).toEqual(['2:1 missing-action']);
  });
  it('compiles a missing action\'s flags and conditions, and tells Incomplete recipe apart', () => {
    const p = compileRc(':0 eE\n* ^Subject: \\/.*\n* ? true\n\n:0 A\n{\n:0 B\n* x\n', 't.rc');
    const missing = p.items[0] as CompiledRecipe;
    expect(missing.action).toEqual({ kind: 'missing', span: missing.header.span, raw: '', incomplete: false });
    // misc.c: `e` suppresses `E`, as for any recipe.
    expect([missing.flags.e, missing.flags.E]).toEqual([true, false]);
    expect(missing.conditions.map((c) => c.test.kind)).toEqual(['regex', 'program']);
    const block = p.items[1] as CompiledRecipe;
    const inner = block.action.kind === 'block' ? (block.action.items[0] as CompiledRecipe) : null;
    expect(inner?.action).toMatchObject({ kind: 'missing', incomplete: true });
    expect(inner?.flags.B).toBe(true);
    // The flag conflict and the conditions report nothing: only the parser's errors are reported.
    expect(p.diagnostics.map((d) => `${d.span.line}:${d.span.col} ${d.code}`)).toEqual(['1:1 missing-action', '6:1 missing-brace', '7:1 incomplete-recipe']);
  });
  it('compiles nested blocks', () => {
    const p = compileRc(':0\n* a\n{\n  :0\n  * b\n  { LOG=x }\n}\n', 't.rc');
    const outer = p.items[0] as CompiledRecipe;
    expect(outer.action.kind).toBe('block');
    if (outer.action.kind !== 'block') return;
    const inner = outer.action.items[0] as CompiledRecipe;
    expect(inner.conditions[0]!.test).toEqual({ kind: 'regex', pattern: 'b' });
    expect(inner.action.kind === 'block' && inner.action.items[0]!.kind).toBe('assign');
  });
  it('never throws on hostile input', () => {
    for (const rc of ['{', '}', ':', ':0\n{', '${', '"', '`', ':0\n* $', ':0 :', '\\', ':0\n|\\']) {
      expect(() => compileRc(rc, 't.rc')).not.toThrow();
    }
  });
});
