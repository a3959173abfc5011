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

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
}

/** The stage a relative import lands in (`../eval/x.js` from src/compile → `eval`). */
function stageOf(from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const target = relative(SRC, join(from, '..', spec));
  return target.split('/')[0] ?? null;
}

// What each stage may import from, beyond itself and the shared modules.
const SHARED = new Set(['source', 'limits.js', 'sysexits.js', 'regex-engine.js']);
const ALLOWED: Record<string, string[]> = {
  syntax: ['ext'],
  compile: ['syntax', 'ext'],
  eval: ['syntax', 'compile', 'ext'],
  ext: ['syntax', 'compile', 'eval'],
  deliver: ['syntax', 'compile', 'eval', 'ext'],
  dryrun: ['syntax', 'compile', 'eval', 'ext', 'deliver'],
  // The converter reads the rc file as the front end does and never runs it; from ext only the `@` line grammar and list-file format.
  sieve: ['syntax', 'compile', 'ext'],
  // The LMTP service runs the delivery agent (src/deliver), never the other way round.
  lmtp: ['eval', 'deliver'],
  cli: ['syntax', 'compile', 'eval', 'ext', 'deliver', 'dryrun', 'sieve', 'lmtp'],
};

describe('architecture', () => {
  it('imports flow one way: syntax → compile → eval → deliver / dryrun → lmtp → cli', () => {
    const wrong: string[] = [];
    for (const f of files(SRC)) {
      const stage = relative(SRC, f).split('/')[0]!;
      const allowed = ALLOWED[stage];
      if (allowed === undefined) continue;
      for (const spec of imports(f)) {
        const to = stageOf(f, spec);
        if (to === null || to === stage || SHARED.has(to)) continue;
        if (!allowed.includes(to)) wrong.push(`${relative(SRC, f)} imports ${spec}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('src/eval does no IO and reads no clock or environment', () => {
    const wrong: string[] = [];
    for (const f of files(join(SRC, 'eval'))) {
      const text = readFileSync(f, 'utf8');
      for (const spec of imports(f)) {
        if (spec.startsWith('node:') || spec === 'nodemailer' || spec.startsWith('nodemailer/')) wrong.push(`${relative(SRC, f)} imports ${spec}`);
      }
      const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
      for (const banned of [/\bprocess\./, /\bDate\.now\b/, /\bnew Date\b/, /\bperformance\./, /\brequire\(/]) {
        if (banned.test(code)) wrong.push(`${relative(SRC, f)} uses ${banned.source}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('answerers read no setting from the variable map: requests carry them resolved', () => {
    // The answerers (src/deliver, src/dryrun, and src/ext/answer.ts for the
    // extensions) get the variables only as a child's environment, to pass on
    // whole; reading one by name there would decide a setting twice, and the
    // two answerers could drift (VERBOSE, SHELLFLAGS, MSGPREFIX…).
    const answerers = [...files(join(SRC, 'deliver')), ...files(join(SRC, 'dryrun')), join(SRC, 'ext', 'answer.ts')];
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

  it('uses named exports only (the generated grammar is the exception)', () => {
    const wrong = files(SRC)
      .filter((f) => !f.endsWith('grammar.generated.ts'))
      .filter((f) => /^export default\b/m.test(readFileSync(f, 'utf8')))
      .map((f) => relative(SRC, f));
    expect(wrong).toEqual([]);
  });
});
