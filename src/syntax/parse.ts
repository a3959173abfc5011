/**
 * Parse an rc file: the line lexer feeds the nearley grammar, which builds
 * the AST (grammar/README.md). Never throws: every problem is a Diagnostic.
 */
import nearley from 'nearley';
import { diagnostic, type Diagnostic } from '../source/diagnostic.js';
import type { RcFile } from './ast.js';
import grammar from './grammar.generated.js';
import { RcLexer } from './lexer.js';

const compiled = nearley.Grammar.fromCompiled(grammar as unknown as nearley.CompiledRules);

export interface ParseResult {
  readonly ast: RcFile;
  readonly diagnostics: Diagnostic[];
  /** How many parses nearley found; always 1 unless the grammar became ambiguous (a bug). */
  readonly parses: number;
}

export function parseRc(text: string, file: string): ParseResult {
  const lexer = new RcLexer(file);
  const parser = new nearley.Parser(compiled, { lexer: lexer as unknown as nearley.Lexer });
  // The whole file: line 1, column 1 (no need to index lines for that).
  const span = { file, line: 1, col: 1, start: 0, end: text.length };
  try {
    parser.feed(text);
  } catch (err) {
    // The lexer balances braces and decides every recipe's end, so the grammar
    // cannot reject a token stream; reaching here is a bug in this module.
    const message = err instanceof Error ? err.message.split('\n')[0]! : String(err);
    const d = diagnostic('error', 'internal', `internal parser error: ${message}`, span);
    return { ast: { kind: 'rcfile', span, raw: text, items: [] }, diagnostics: [...lexer.diagnostics, d], parses: 0 };
  }
  const results = parser.results as RcFile['items'][];
  const items = results[0] ?? [];
  const diagnostics = [...lexer.diagnostics];
  if (results.length !== 1) {
    diagnostics.push(diagnostic('error', 'internal', `internal parser error: ${results.length} parses`, span));
  }
  return { ast: { kind: 'rcfile', span, raw: text, items, trail: lexer.trail }, diagnostics, parses: results.length };
}
