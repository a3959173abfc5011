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

/** The parts of nearley's (unexported) chart State that releaseBuiltStates() touches. */
interface ChartState {
  isComplete: boolean;
  left: ChartState | undefined;
  nextState(child: unknown): ChartState;
}

const RELEASED = Symbol.for('mailrules.releaseBuiltStates');

/**
 * nearley keeps the `left` link of a completed state after build() has
 * collected its children through it, and nothing reads it again. With a
 * left-recursive list that link chains every state of the parse back to the
 * first token, so the whole chart stays reachable and each young-generation
 * GC copies it: about a quarter of the GC work of checking a big rc file
 * (bench/parse.mjs). The link is dropped once the state is built. State is
 * not exported; its prototype is reached through a parser's first state.
 */
function releaseBuiltStates(): void {
  const probe = new nearley.Parser(compiled) as unknown as { table: { states: ChartState[] }[] };
  const proto = Object.getPrototypeOf(probe.table[0]!.states[0]!) as ChartState & { [RELEASED]?: true };
  // Once per nearley instance, however often this module is evaluated (test runners re-evaluate it).
  if (proto[RELEASED]) return;
  proto[RELEASED] = true;
  const nextState = proto.nextState;
  proto.nextState = function (this: ChartState, child: unknown): ChartState {
    const state = nextState.call(this, child);
    if (state.isComplete) state.left = undefined;
    return state;
  };
}
releaseBuiltStates();

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
