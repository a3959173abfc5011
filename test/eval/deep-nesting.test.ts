/**
 * procmail nests `{ }` blocks (and `c` forks inside them) without limit;
 * every stage walks them with its own stack, so no depth overflows the call
 * stack (differential cases 404, 405 record procmail at 3000 and 70 levels).
 * Depths here are far beyond what a recursive walk survives.
 */
import { describe, expect, it } from 'vitest';
import { compileRc } from '../../src/compile/compile.js';
import { validateAst } from '../../src/compile/validate.js';
import { parseRc } from '../../src/syntax/parse.js';
import { printRc } from '../../src/syntax/print.js';
import { runEngine } from '../helpers/scripted-answerer.js';

const MSG = 'From: a@b\nSubject: hi\n\nbody\n';
const ENV = { DEFAULT: 'DEFAULT', SHELLMETAS: '&|<>~;?*[', SENDMAIL: '/usr/sbin/sendmail', SENDMAILFLAGS: '-oi' };

function nested(depth: number, open: string, inner: string): string {
  return open.repeat(depth) + inner + '}\n'.repeat(depth);
}

describe('blocks nested 25,000 deep', () => {
  const depth = 25_000;
  const rc = nested(depth, ':0\n* ^Subject\n{\n', 'LOG="inner\n"\n:0\ninner\n') + nested(depth, ':0\n* ^Nope\n{\n', '-deep\n');

  it('parse, print back byte for byte, validate and compile', () => {
    const { ast, diagnostics } = parseRc(rc, 'rc');
    expect(diagnostics.map((d) => d.message)).toEqual(['Skipped "-deep"']);
    expect(printRc(ast)).toBe(rc);
    expect(validateAst(ast)).toEqual([]);
    expect(compileRc(rc, 'rc').diagnostics.map((d) => d.message)).toEqual(['Skipped "-deep"']);
  });

  it('run to the innermost delivery', () => {
    const { out, a } = runEngine(rc, { message: MSG, env: ENV });
    expect(a.log()).toBe('inner\n');
    expect(out).toMatchObject({ exitCode: 0, lastFolder: 'inner' });
  });

  it('read over a skipped one, logging what procmail logs while skipping', () => {
    const skipped = nested(depth, ':0\n* ^Nope\n{\n', '-deep\n') + ':0\nend\n';
    const { out, a } = runEngine(skipped, { message: MSG, env: ENV });
    expect(a.log()).toBe('procmail: Skipped "-deep"\n');
    expect(out.lastFolder).toBe('end');
  });
});

describe('`c` blocks forking inside each other 2,000 deep', () => {
  it('run every copy to its end, innermost first, before its parent goes on', () => {
    const depth = 2000;
    const rc = 'N=0\n' + Array.from({ length: depth }, (_, i) => `:0 c\n{\nN=${i + 1}\n`).join('') + '}\n'.repeat(depth) + 'LOG="$N "\n:0\n/dev/null\n';
    const { out, a } = runEngine(rc, { message: MSG, env: ENV });
    const ns = a.log().trim().split(' ').map(Number);
    expect(ns).toEqual(Array.from({ length: depth + 1 }, (_, i) => depth - i));
    expect(a.delivered()).toHaveLength(depth + 1);
    expect(out.exitCode).toBe(0);
  });
});
