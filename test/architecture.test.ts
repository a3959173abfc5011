import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The shape we keep (README "Development"): one direction of flow, a pure
 * engine, named exports. These are checked on the source text, so a change
 * that breaks them fails here rather than in review.
 */
const SRC = join(__dirname, '..', 'src');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/**
 * Every module specifier a file names: static imports and `export … from`
 * (also `import type`, which still ties the stages together), side-effect
 * imports, `import('…')` and `require('…')` with a literal specifier.
 * Comments are left out so a path in prose is not taken for an import.
 */
function imports(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
  const out: string[] = [];
  for (const m of code.matchAll(/^\s*(?:import|export)\b[^'"`;]*?\bfrom\s+['"]([^'"]+)['"]/gm)) out.push(m[1]!);
  for (const m of code.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) out.push(m[1]!);
  for (const m of code.matchAll(/\b(?:import|require)\s*\(\s*['"`]([^'"`$]+)['"`]\s*\)/g)) out.push(m[1]!);
  return out;
}

function importsOf(file: string): string[] {
  return imports(readFileSync(file, 'utf8'));
}

/** The stage a relative import lands in (`../eval/x.js` from src/compile → `eval`). */
function stageOf(from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const target = relative(SRC, join(from, '..', spec));
  return target.split('/')[0] ?? null;
}

// What each stage may import from, beyond itself and the shared modules:
// one direction of flow (docs/architecture.md §1), so no two stages import
// each other, directly or through others (asserted below).
const SHARED = new Set(['source', 'limits.js', 'sysexits.js', 'v8-flags.js', 'version.js', 'bounded-map.js']);
const ALLOWED: Record<string, readonly string[]> = {
  syntax: [],
  compile: ['syntax'],
  eval: ['syntax', 'compile'],
  deliver: ['syntax', 'compile', 'eval'],
  dryrun: ['syntax', 'compile', 'eval', 'deliver'],
  // The converter reads the rc file as the front end does and never runs it; of eval only the list-file format.
  sieve: ['syntax', 'compile', 'eval'],
  // The LMTP service runs the delivery agent (src/deliver), never the other way round.
  lmtp: ['eval', 'deliver'],
  cli: ['syntax', 'compile', 'eval', 'deliver', 'dryrun', 'sieve', 'lmtp'],
};

/** A stage that can reach itself through ALLOWED, with the path, or null. */
function cycleIn(allowed: Record<string, readonly string[]>): string[] | null {
  const done = new Set<string>();
  const visit = (stage: string, path: string[]): string[] | null => {
    if (path.includes(stage)) return [...path.slice(path.indexOf(stage)), stage];
    if (done.has(stage)) return null;
    for (const next of allowed[stage] ?? []) {
      const c = visit(next, [...path, stage]);
      if (c !== null) return c;
    }
    done.add(stage);
    return null;
  };
  for (const s of Object.keys(allowed)) {
    const c = visit(s, []);
    if (c !== null) return c;
  }
  return null;
}

/**
 * Which of `dir`'s files each of its files imports (type imports count: they
 * tie the files as much), by path relative to src/.
 */
function importGraph(dir: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const f of files(dir)) {
    const to = importsOf(f)
      .filter((spec) => spec.startsWith('.'))
      .map((spec) => join(f, '..', spec).replace(/\.js$/, '.ts'))
      .filter((t) => t.startsWith(dir + '/'))
      .map((t) => relative(SRC, t));
    graph.set(relative(SRC, f), to);
  }
  return graph;
}

/** A file that can reach itself through its imports, with the path, or null. */
function fileCycleIn(graph: Map<string, readonly string[]>): string[] | null {
  return cycleIn(Object.fromEntries(graph));
}

/** The stages under src/ (its folders), for checking that ALLOWED names every one. */
function stages(): string[] {
  return readdirSync(SRC, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !SHARED.has(e.name))
    .map((e) => e.name)
    .sort();
}

describe('architecture', () => {
  it('the allowed directions have no loop, and every stage has its entry', () => {
    expect(cycleIn(ALLOWED)).toBeNull();
    expect(cycleIn({ ...ALLOWED, syntax: ['cli'] })).toEqual(['syntax', 'cli', 'syntax']);
    expect(Object.keys(ALLOWED).sort()).toEqual(stages());
  });

  it('finds static, type, re-exported, dynamic and required imports, not those in comments', () => {
    const text = [
      "import { a } from './a.js';",
      "import type {\n  B,\n} from '../b.js';",
      "export { c } from './c.js';",
      "export * from './d.js';",
      "import './e.js';",
      "const f = await import('./f.js');",
      "const g = require('./g.js') as typeof import('./h.js');",
      "// import { x } from './x.js';",
      "/* require('./y.js') */",
    ].join('\n');
    expect(imports(text).sort()).toEqual(['../b.js', './a.js', './c.js', './d.js', './e.js', './f.js', './g.js', './h.js']);
  });

  it('imports flow one way: syntax → compile → eval → deliver / dryrun → lmtp → cli', () => {
    const wrong: string[] = [];
    for (const f of files(SRC)) {
      const stage = relative(SRC, f).split('/')[0]!;
      const allowed = ALLOWED[stage];
      if (allowed === undefined) continue;
      for (const spec of importsOf(f)) {
        const to = stageOf(f, spec);
        if (to === null || to === stage || SHARED.has(to)) continue;
        if (!allowed.includes(to)) wrong.push(`${relative(SRC, f)} imports ${spec}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('the files of src/syntax and src/compile import each other without a loop', () => {
    // One direction inside a stage too, so each file (the regex/ folder's
    // among them) can be read knowing only what it imports.
    const syntax = importGraph(join(SRC, 'syntax'));
    const compile = importGraph(join(SRC, 'compile'));
    // The graphs hold the imports (type ones too), and a cycle in them would be found.
    expect(syntax.get('syntax/lexer.ts')).toEqual(expect.arrayContaining(['syntax/build.ts', 'syntax/tokens.ts']));
    expect(syntax.get('syntax/build.ts')).toContain('syntax/tokens.ts');
    expect(compile.get('compile/regex/translate.ts')).toContain('compile/regex/parser.ts');
    expect(fileCycleIn(new Map([['a.ts', ['b.ts']], ['b.ts', ['c.ts']], ['c.ts', ['a.ts']]]))).toEqual(['a.ts', 'b.ts', 'c.ts', 'a.ts']);
    expect(fileCycleIn(new Map([...syntax, ['syntax/tokens.ts', ['syntax/lexer.ts']]]))).toEqual(expect.arrayContaining(['syntax/tokens.ts', 'syntax/lexer.ts']));
    expect(fileCycleIn(syntax)).toBeNull();
    expect(fileCycleIn(compile)).toBeNull();
  });

  it('src/eval does no IO and reads no clock or environment', () => {
    const wrong: string[] = [];
    const seen = files(join(SRC, 'eval')).map((f) => relative(SRC, f));
    // The extensions' engine steps and the pure readers of mail formats are covered too.
    expect(seen).toEqual(expect.arrayContaining(['eval/ext-conditions.ts', 'eval/ext-actions.ts', 'eval/mail/charsets.ts', 'eval/mail/address.ts', 'eval/mail/auth-results.ts']));
    for (const f of files(join(SRC, 'eval'))) {
      const text = readFileSync(f, 'utf8');
      for (const spec of importsOf(f)) {
        // node:buffer's byte tests (isAscii, isUtf8) are computation, as the global Buffer is.
        if (spec === 'node:buffer') continue;
        if (spec.startsWith('node:') || !spec.startsWith('.')) wrong.push(`${relative(SRC, f)} imports ${spec}`);
      }
      const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
      for (const banned of [/\bprocess\./, /\bDate\.now\b/, /\bnew Date\b/, /\bperformance\./, /\brequire\s*\(/, /\bimport\s*\(/]) {
        if (banned.test(code)) wrong.push(`${relative(SRC, f)} uses ${banned.source}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('answerers read no setting from the variable map: requests carry them resolved', () => {
    // The answerers (src/deliver, with the extensions' answers, and src/dryrun)
    // get the variables only as a child's environment, to pass on whole;
    // reading one by name there would decide a setting twice, and the two
    // answerers could drift (VERBOSE, SHELLFLAGS, MSGPREFIX…).
    // deliver/session.ts is the host, not an answerer: it builds the environment the engine starts from.
    const host = new Set([join(SRC, 'deliver', 'session.ts')]);
    const answerers = [...files(join(SRC, 'deliver')), ...files(join(SRC, 'dryrun'))].filter((f) => !host.has(f));
    const named = /\b(?:vars|env)\s*(?:\?\.)?\s*(?:\.\s*[A-Z][A-Z0-9_]*\b|\[\s*['"`A-Za-z_])/;
    const wrong: string[] = [];
    for (const f of answerers) {
      const code = readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
      code.split('\n').forEach((line, i) => {
        if (named.test(line) || /\.vars\b/.test(line)) wrong.push(`${relative(SRC, f)}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(wrong).toEqual([]);
    // And the requests themselves hold no variable map but a child's environment.
    const requests = readFileSync(join(SRC, 'eval', 'requests.ts'), 'utf8');
    expect(requests).not.toMatch(/^\s*readonly vars\b/m);
  });

  it('no source file is over 500 lines', () => {
    const long = files(SRC)
      .map((f) => ({ file: relative(SRC, f), lines: readFileSync(f, 'utf8').split('\n').length - 1 }))
      .filter((x) => x.lines > 500);
    expect(long).toEqual([]);
  });

  it('uses named exports only', () => {
    const wrong = files(SRC)
      .filter((f) => /^export default\b/m.test(readFileSync(f, 'utf8')))
      .map((f) => relative(SRC, f));
    expect(wrong).toEqual([]);
  });
});
