import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileRc } from '../../src/compile/compile.js';
import { formatDiagnostic } from '../../src/source/diagnostic.js';
import type { Span } from '../../src/source/span.js';
import { parseRc } from '../../src/syntax/parse.js';
import { printRc } from '../../src/syntax/print.js';
import { golden } from '../helpers/golden.js';

// Golden files: test/fixtures/rc/<case>.rc → <case>.ast.json and <case>.diag.txt
// (test/helpers/golden.ts: a missing or different golden fails; UPDATE_GOLDEN=1 rewrites them).
const DIR = 'test/fixtures/rc';

function isSpan(v: unknown): v is Span {
  return typeof v === 'object' && v !== null && 'start' in v && 'line' in v && 'file' in v;
}

/** AST as JSON with spans shortened to `line:col [start,end)`. */
export function astJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (isSpan(v) ? `${v.line}:${v.col} [${v.start},${v.end})` : v), 1) + '\n';
}

const cases = readdirSync(DIR).filter((f) => f.endsWith('.rc')).map((f) => f.slice(0, -3)).sort();

describe('rc golden files', () => {
  it('has fixtures', () => expect(cases.length).toBeGreaterThan(15));
  for (const name of cases) {
    it(name, () => {
      const file = `${DIR}/${name}.rc`;
      const text = readFileSync(file, 'latin1');
      const r = parseRc(text, file);
      expect(r.diagnostics.filter((d) => d.code === 'internal')).toEqual([]);
      expect(printRc(r.ast)).toBe(text);
      golden(`${DIR}/${name}.ast.json`, astJson(r.ast));
      const program = compileRc(text, file);
      golden(`${DIR}/${name}.diag.txt`, program.diagnostics.map((d) => formatDiagnostic(d, text) + '\n').join(''));
    });
  }
});

describe('shipped and documented rc files', () => {
  const sets = [
    ['test/fixtures/procmailex', 'procmailex(5) examples'],
    ['rules', 'rules/'],
  ] as const;
  for (const [dir, label] of sets) {
    const files = readdirSync(dir).filter((f) => f.endsWith('.rc')).sort();
    it(`${label} exist`, () => expect(files.length).toBeGreaterThan(3));
    for (const f of files) {
      it(`${label} ${f} parses once, round-trips and checks clean`, () => {
        const text = readFileSync(`${dir}/${f}`, 'latin1');
        const r = parseRc(text, f);
        expect(r.diagnostics.filter((d) => d.code === 'internal')).toEqual([]);
        expect(printRc(r.ast)).toBe(text);
        const errors = compileRc(text, f).diagnostics.filter((d) => d.severity === 'error');
        expect(errors.map((d) => formatDiagnostic(d, text))).toEqual([]);
      });
    }
  }
});
