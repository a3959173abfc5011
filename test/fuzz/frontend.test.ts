import { describe, expect, it } from 'vitest';
import { compileRc } from '../../src/compile/compile.js';
import { formatDiagnostic, type Diagnostic } from '../../src/source/diagnostic.js';
import { parseRc } from '../../src/syntax/parse.js';
import { printRc } from '../../src/syntax/print.js';
import { forAll, type Rng } from './prng.js';
import { rcText } from './rc-gen.js';

/**
 * Front-end properties over random rc files (rc-gen.ts): compileRc never
 * throws; every diagnostic's span lies in the text and its line/col agree
 * with its offset; the parser reports no internal error; printing the AST
 * gives the text back byte for byte (src/syntax/print.ts).
 */

const FILE = 'fuzz.rc';

/** 1-based line and column of `offset` (lines end at '\n' only: a CR is an ordinary character, docs/procmail-semantics.md §1.1). */
function lineCol(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, col: offset - lineStart + 1 };
}

function checkSpan(text: string, d: Diagnostic): void {
  const s = d.span;
  const where = `diagnostic ${d.code} "${d.message}" at ${s.line}:${s.col} [${s.start},${s.end})`;
  if (s.file !== FILE) throw new Error(`${where}: file ${s.file}`);
  if (!(Number.isInteger(s.start) && Number.isInteger(s.end) && 0 <= s.start && s.start <= s.end && s.end <= text.length)) {
    throw new Error(`${where}: offsets outside the text (length ${text.length})`);
  }
  const lines = text.split('\n');
  if (!(s.line >= 1 && s.line <= lines.length)) throw new Error(`${where}: line outside 1..${lines.length}`);
  const lineLen = lines[s.line - 1]!.length;
  if (!(s.col >= 1 && s.col <= lineLen + 1)) throw new Error(`${where}: column outside 1..${lineLen + 1}`);
  const at = lineCol(text, s.start);
  if (at.line !== s.line || at.col !== s.col) throw new Error(`${where}: offset ${s.start} is ${at.line}:${at.col}`);
  // The one error format must render it (the caret line included).
  formatDiagnostic(d, text);
}

function frontEnd(text: string): void {
  const parsed = parseRc(text, FILE);
  const internal = parsed.diagnostics.find((d) => d.code === 'internal');
  if (internal !== undefined) throw new Error(`internal diagnostic: ${internal.message}`);
  const printed = printRc(parsed.ast);
  if (printed !== text) {
    let i = 0;
    while (i < text.length && printed[i] === text[i]) i++;
    throw new Error(`round trip differs at offset ${i}: ${JSON.stringify(text.slice(i, i + 40))} printed as ${JSON.stringify(printed.slice(i, i + 40))}`);
  }
  const program = compileRc(text, FILE);
  if (!Array.isArray(program.diagnostics)) throw new Error('no diagnostics array');
  for (const d of program.diagnostics) {
    if (d.severity !== 'error' && d.severity !== 'warning') throw new Error(`severity ${String(d.severity)}`);
    checkSpan(text, d);
  }
  for (const d of parsed.diagnostics) checkSpan(text, d);
}

/** Byte-level mutations of a generated rc: the parser must survive any text. */
function mutate(rng: Rng, text: string): string {
  let s = text;
  const n = rng.int(1, 6);
  for (let k = 0; k < n; k++) {
    const at = rng.int(0, s.length);
    switch (rng.int(0, 4)) {
      case 0:
        s = s.slice(0, at) + rng.pick(['{', '}', '\\', '\n', '\r', '\0', '*', ':0', '"', "'", '`', '$', '@', '\t', '\\\n']) + s.slice(at);
        break;
      case 1:
        s = s.slice(0, at) + s.slice(at + rng.int(1, 10));
        break;
      case 2:
        s = s.slice(0, at) + rng.chars(rng.int(1, 8)) + s.slice(at);
        break;
      case 3: {
        const from = rng.int(0, s.length);
        s = s.slice(0, at) + s.slice(from, from + rng.int(1, 60)) + s.slice(at);
        break;
      }
      default:
        s = s.slice(0, at);
    }
  }
  return s;
}

describe('front end properties (random rc files)', () => {
  it('spliced fragments: compileRc never throws, spans are valid, no internal error, exact round trip', () => {
    const n = forAll('frontend/spliced', 0x5eed0001, 1500, (rng) => rcText(rng), (text) => frontEnd(text));
    expect(n).toBeGreaterThan(0);
  });

  it('byte-mutated fragments: the same properties', () => {
    const n = forAll('frontend/mutated', 0x5eed0002, 800, (rng) => mutate(rng, rcText(rng, 8)), (text) => frontEnd(text));
    expect(n).toBeGreaterThan(0);
  });

  it('pure garbage bytes and degenerate files', () => {
    const fixed = ['', '\n', '\r', '\0', '{', '}', ':0', ':0\n', ':0\n{', '}\n}\n', '\\', '\\\n', '*', ':0\n*', 'A=', 'A="', 'A=`', ':0\n@', '@'];
    for (const t of fixed) frontEnd(t);
    const n = forAll('frontend/garbage', 0x5eed0003, 300, (rng) => rng.chars(rng.int(0, 400)), (text) => frontEnd(text));
    expect(n).toBeGreaterThan(0);
  });

  it('the span checker rejects a wrong span (the property can fail)', () => {
    const text = ':0\n* ^(\nbox\n';
    const good = compileRc(text, FILE).diagnostics;
    expect(good.length).toBeGreaterThan(0);
    const bad: Diagnostic = { ...good[0]!, span: { ...good[0]!.span, col: good[0]!.span.col + 1 } };
    expect(() => checkSpan(text, bad)).toThrow(/offset/);
  });
});
