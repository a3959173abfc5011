import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * Every reference in the code must be one a clone of the repository can
 * follow (docs/architecture.md §4.7): procmail's manual pages, its C
 * functions, RFCs, or a page of docs/ by section. This test reads the
 * comments of src/, test/, scripts/, bench/, grammar/ and bin/ (with the
 * TypeScript scanner, so a `//` inside a string or a regex is not taken for a
 * comment), their string literals for document names, and every Markdown
 * file, and fails on
 *  - a document that is not in the repository (the research notes the code
 *    was first written from), or a tracker, guide or review-round reference;
 *  - `docs/PAGE.md §N` where PAGE or its section N does not exist;
 *  - a bare `§N` in a comment that names no document or RFC before it;
 *  - a repository path written in docs/ that does not exist.
 */
const ROOT = join(__dirname, '..');
const SELF = 'test/docs-citations.test.ts';
const CODE_DIRS = ['src', 'test', 'scripts', 'bench', 'grammar', 'bin', '.ci'];
const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', 'build', 'coverage']);

function walk(dir: string): string[] {
  if (!existsSync(join(ROOT, dir))) return [];
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return SKIP_DIRS.has(e.name) ? [] : walk(rel);
    return e.isFile() ? [rel] : [];
  });
}

/** A comment (or, for strings and Markdown, a piece of text) and where it starts. */
interface Text {
  readonly file: string;
  readonly at: number;
  readonly text: string;
}

interface Source {
  readonly file: string;
  readonly content: string;
  readonly comments: Text[];
  readonly strings: Text[];
}

const JS_LIKE = /\.(?:ts|mts|cts|js|mjs|cjs)$/;
const HASH_COMMENTS = /\.sh$|^\.ci\//;

function isJsDoc(node: ts.Node): boolean {
  return node.kind >= ts.SyntaxKind.FirstJSDocNode && node.kind <= ts.SyntaxKind.LastJSDocNode;
}

/** Comments and string literals of a JS/TS file, found by the TypeScript parser. Runs of `//` lines become one comment. */
function scanScript(file: string, content: string): Source {
  const kind = /\.[cm]?js$|^bin\//.test(file) ? ts.ScriptKind.JS : ts.ScriptKind.TS;
  const sf = ts.createSourceFile(file, content, ts.ScriptTarget.Latest, true, kind);
  const ranges = new Map<number, ts.CommentRange>();
  const strings: Text[] = [];
  const visit = (node: ts.Node): void => {
    if (isJsDoc(node)) return;
    for (const r of ts.getLeadingCommentRanges(content, node.pos) ?? []) ranges.set(r.pos, r);
    if (ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node)) {
      strings.push({ file, at: node.getStart(sf), text: node.text });
    }
    for (const child of node.getChildren(sf)) visit(child);
  };
  visit(sf);
  const sorted = [...ranges.values()].sort((a, b) => a.pos - b.pos);
  const comments: Text[] = [];
  for (const r of sorted) {
    const text = content.slice(r.pos, r.end);
    const prev = comments[comments.length - 1];
    const gap = prev ? content.slice(prev.at + prev.text.length, r.pos) : '';
    if (prev && r.kind === ts.SyntaxKind.SingleLineCommentTrivia && prev.text.startsWith('//') && /^[ \t]*\n[ \t]*$/.test(gap)) {
      comments[comments.length - 1] = { file, at: prev.at, text: prev.text + gap + text };
    } else comments.push({ file, at: r.pos, text });
  }
  return { file, content, comments, strings };
}

/**
 * `#` comments (shell): a whole line from its `#` (runs of such lines as
 * one comment), or the end of a line after ` # `.
 */
function scanHash(file: string, content: string): Source {
  const comments: Text[] = [];
  let at = 0;
  let runEnd = -1;
  for (const line of content.split('\n')) {
    const whole = /^(\s*)#/.exec(line);
    const trailing = whole ? null : /\s#\s/.exec(line);
    if (whole) {
      const start = at + whole[1]!.length;
      const prev = comments[comments.length - 1];
      if (prev && runEnd === at - 1) comments[comments.length - 1] = { file, at: prev.at, text: content.slice(prev.at, at + line.length) };
      else comments.push({ file, at: start, text: line.slice(whole[1]!.length) });
      runEnd = at + line.length;
    } else if (trailing) {
      comments.push({ file, at: at + trailing.index + 1, text: line.slice(trailing.index + 1) });
    }
    at += line.length + 1;
  }
  return { file, content, comments, strings: [] };
}

function scanMarkdown(file: string, content: string): Source {
  return { file, content, comments: [{ file, at: 0, text: content }], strings: [] };
}

function load(file: string): Source | null {
  const content = readFileSync(join(ROOT, file), 'utf8');
  if (file.endsWith('.md')) return scanMarkdown(file, content);
  if (JS_LIKE.test(file) || (file.startsWith('bin/') && content.startsWith('#!') && /node/.test(content.split('\n')[0]!))) {
    return scanScript(file, content);
  }
  if (HASH_COMMENTS.test(file)) return scanHash(file, content);
  return null;
}

const markdown = [
  ...readdirSync(ROOT).filter((f) => f.endsWith('.md')),
  ...['docs', 'src', 'test', 'scripts', 'bench', 'grammar', 'rules', 'examples'].flatMap(walk).filter((f) => f.endsWith('.md')),
];
const sources: Source[] = [
  ...CODE_DIRS.flatMap(walk).filter((f) => f !== SELF && !f.endsWith('.md') && !f.includes('/cases/') && !f.endsWith('.generated.ts')),
  ...readdirSync(ROOT).filter((f) => /\.(?:mts|ts|mjs|js)$/.test(f)),
]
  .map(load)
  .filter((s): s is Source => s !== null)
  .concat([...new Set(markdown)].map((f) => scanMarkdown(f, readFileSync(join(ROOT, f), 'utf8'))));

/** `## §5.2 Title` → '5.2'. */
function headings(page: string): Set<string> | null {
  const file = join(ROOT, 'docs', page);
  if (!existsSync(file)) return null;
  const set = new Set<string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^#{1,6}\s+§(\d+(?:\.\d+)*)/.exec(line);
    if (m) set.add(m[1]!);
  }
  return set;
}

const lineOf = (s: Source, at: number): number => s.content.slice(0, at).split('\n').length;
const where = (t: Text, offset: number, s: Source): string => `${t.file}:${lineOf(s, t.at + offset)}`;

/** Documents that exist only outside the repository. */
const OUTSIDE_DOC = /(?<![\w./-])(?:procmail|node-stack|aesthetics|lmtp-and-users|peers)\.md\b|(?<![\w.-])\/work\/|shared\/research\b|\b(?:guide|common)\.md\b/g;
/** References to a tracker, the team guide or a review round, in prose. */
const OUTSIDE_REF = /\b[Ii]ssues? #?\d+\b|\b[Hh]abits? #?\d\b|\bfollow-?ups?\b(?: \d+)?|(?<![\w-])(?:the brief\b|brief:|\(brief\))/g;
/** `docs/page.md` and the sections right after it: `§7.2, §7.6`, `§7.2–§7.4`, `§12/§13`, `§13 A`. */
const DOCS_CITE = /\bdocs\/([\w-]+\.md)((?:(?:\s|\*|,|;|\/|–|-|and|or)*§\d+(?:\.\d+)*[a-z]?)*)/g;
/** What may own a section number: an RFC or a Markdown page. */
const SECTION_OWNER = /\bRFC ?\d+|[\w./-]+\.md\b/;

describe('citations a clone can follow', () => {
  it('no comment, string or page cites a document outside the repository', () => {
    const bad: string[] = [];
    for (const s of sources) {
      for (const t of [...s.comments, ...s.strings]) {
        for (const m of t.text.matchAll(OUTSIDE_DOC)) bad.push(`${where(t, m.index, s)}: ${m[0]}`);
      }
      for (const t of s.comments) {
        for (const m of t.text.matchAll(OUTSIDE_REF)) bad.push(`${where(t, m.index, s)}: ${m[0]}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('every docs/PAGE.md §N cited exists', () => {
    const bad: string[] = [];
    for (const s of sources) {
      for (const t of [...s.comments, ...s.strings]) {
        for (const m of t.text.matchAll(DOCS_CITE)) {
          const sections = headings(m[1]!);
          if (sections === null) {
            bad.push(`${where(t, m.index, s)}: docs/${m[1]} does not exist`);
            continue;
          }
          for (const sec of m[2]!.matchAll(/§(\d+(?:\.\d+)*)([a-z]?)/g)) {
            if (sec[2] !== '' || !sections.has(sec[1]!)) bad.push(`${where(t, m.index, s)}: docs/${m[1]} has no §${sec[1]}${sec[2]}`);
          }
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it('a § in a comment follows the document or RFC it belongs to', () => {
    const bad: string[] = [];
    for (const s of sources) {
      if (s.file.endsWith('.md')) continue;
      for (const t of s.comments) {
        for (const m of t.text.matchAll(/§\d+(?:\.\d+)*/g)) {
          if (!SECTION_OWNER.test(t.text.slice(0, m.index))) bad.push(`${where(t, m.index, s)}: ${m[0]} of which document?`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it("docs/ pages: their own § references and the repository paths they name exist", () => {
    const bad: string[] = [];
    for (const page of readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md'))) {
      const own = headings(page)!;
      const text = readFileSync(join(ROOT, 'docs', page), 'utf8');
      text.split('\n').forEach((line, i) => {
        if (/^#{1,6}\s/.test(line)) return;
        // A § after another page's name on the line belongs to that page (checked above).
        const other = /\b[\w-]+\.md\b/.exec(line);
        for (const m of line.matchAll(/(?<![\w.])§(\d+(?:\.\d+)*)(?![\w.]*\.md)/g)) {
          if (other && other.index < m.index) continue;
          if (/\bRFC ?\d+\s*$/.test(line.slice(0, m.index))) continue;
          if (!own.has(m[1]!)) bad.push(`docs/${page}:${i + 1}: §${m[1]} is not a section of this page`);
        }
        for (const m of line.matchAll(/(?<![\w./-])((?:src|test|scripts|bench|grammar|native|bin|rules|examples)\/[\w./-]*[\w/])/g)) {
          const p = m[1]!;
          if (/NNN|\*|\.generated\.ts$/.test(p)) continue;
          if (!existsSync(join(ROOT, p))) bad.push(`docs/${page}:${i + 1}: ${p} does not exist`);
        }
      });
    }
    expect(bad).toEqual([]);
  });

  it('scans what it should (a check that sees no comment can never fail)', () => {
    const files = new Set(sources.map((s) => relative(ROOT, join(ROOT, s.file))));
    for (const f of ['src/eval/evaluate.ts', 'scripts/build.mjs', '.ci/run', 'grammar/README.md', 'bin/mailrules', 'docs/procmail-semantics.md']) {
      expect(files.has(f), f).toBe(true);
    }
    const evaluate = sources.find((s) => s.file === 'src/eval/evaluate.ts')!;
    expect(evaluate.comments.some((c) => c.text.includes('pure evaluation engine'))).toBe(true);
    // A `//` inside a string or a regex is not a comment.
    const probe = scanScript('probe.ts', "const a = '// not a comment';\nconst r = /\\/\\/ nor this/;\n// this is\n");
    expect(probe.comments.map((c) => c.text)).toEqual(['// this is']);
    expect(probe.strings.map((s) => s.text)).toEqual(['// not a comment']);
  });
});
