/**
 * Extensions never change what a procmail rc file means, except in their
 * exact documented forms. test/ext/at-lines-golden.json holds 900 generated
 * condition lines and 100 action lines starting with `@` (verbs, near misses
 * and other words, behind `!`, weights, `??`, `$` and `\`) with what the
 * real procmail made of each (scripts/record-at-lines.mjs), and which of them
 * are exactly a documented extension form. Here every line is compiled and
 * run by mailrules: the exact ones must be extensions, every other one must
 * be the regex or folder procmail read, to the same verdict, MATCH and
 * $LASTFOLDER.
 */
import { describe, expect, it } from 'vitest';
import { compileRc } from '../../src/compile/compile.js';
import type { CompiledRecipe } from '../../src/compile/compiled-rc.js';
import { readGolden } from '../helpers/golden.js';
import { runEngine } from '../helpers/scripted-answerer.js';

interface Golden {
  message: string;
  preamble: string;
  conditions: { line: string; exact: boolean; matched: boolean; match: string | null }[];
  actions: { line: string; exact: boolean; lastFolder: string }[];
}
const golden = JSON.parse(readGolden(`${__dirname}/at-lines-golden.json`, { recordedBy: 'node scripts/record-at-lines.mjs' })) as Golden;
const ENV = { DEFAULT: 'DEFAULT', SHELLMETAS: '&|<>~;?*[', SENDMAIL: '/usr/sbin/sendmail', SENDMAILFLAGS: '-oi', HOST: 'vm' };

function firstRecipe(rc: string): CompiledRecipe {
  return compileRc(rc, 'rc').items.find((s) => s.kind === 'recipe') as CompiledRecipe;
}

describe('generated @ lines against procmail 3.22', () => {
  it('has the recorded lines, most of them not extensions', () => {
    expect(golden.conditions.length).toBeGreaterThanOrEqual(900);
    expect(golden.actions.length).toBeGreaterThanOrEqual(100);
    expect(golden.conditions.filter((c) => c.exact).length).toBeGreaterThan(5);
    expect(golden.conditions.filter((c) => !c.exact && c.matched).length).toBeGreaterThan(50);
  });

  it('conditions: exact forms are extensions; every other line is the regex procmail matched', () => {
    const wrong: string[] = [];
    for (const c of golden.conditions) {
      const rc = `${golden.preamble}:0\n* ${c.line}\n{\nF=1\n}\nLOG="\${F-0}|\${MATCH-@UNSET@}"\n`;
      const isExt = firstRecipe(rc).conditions[0]!.test.kind === 'ext';
      if (isExt !== c.exact) {
        wrong.push(`${JSON.stringify(c.line)}: ${isExt ? 'an extension' : 'not an extension'}, documented form: ${c.exact}`);
        continue;
      }
      if (c.exact) continue;
      const { a } = runEngine(rc, { message: golden.message, env: ENV });
      const got = a.of('log').filter((l) => l.source === 'LOG').map((l) => l.text).join('');
      const want = `${c.matched ? 1 : 0}|${c.match ?? '@UNSET@'}`;
      if (got !== want) wrong.push(`${JSON.stringify(c.line)}: mailrules ${got}, procmail ${want}`);
    }
    expect(wrong).toEqual([]);
  });

  it('actions: exact forms are extensions; every other line is the folder procmail delivered to', () => {
    const wrong: string[] = [];
    for (const c of golden.actions) {
      const rc = `${golden.preamble}:0 c\n${c.line}\n`;
      const isExt = firstRecipe(rc).action.kind === 'ext';
      if (isExt !== c.exact) {
        wrong.push(`${JSON.stringify(c.line)}: ${isExt ? 'an extension' : 'not an extension'}, documented form: ${c.exact}`);
        continue;
      }
      if (c.exact) continue;
      const { a } = runEngine(rc, { message: golden.message, env: ENV });
      // procmail delivers to the first word; the others are logged as Skipped by the delivery (src/deliver).
      const folder = a.of('deliver')[0]?.folders[0];
      if (folder !== c.lastFolder) wrong.push(`${JSON.stringify(c.line)}: mailrules ${folder}, procmail ${c.lastFolder}`);
    }
    expect(wrong).toEqual([]);
  });
});
