# The procmail rc file's block structure (procmailrc(5); docs/procmail-semantics.md §1).
# The lexer (src/syntax/lexer.ts) reads each statement whole: an assignment,
# a comment, a skipped line, or a recipe (header, conditions and action).
# A recipe whose action is a `{ }` block is the one thing that nests: %head
# is its header, conditions and `{`, and the items up to the matching %close
# are its block. Nesting is the grammar's job. nearley's cost is per token, so
# each %head and %close also carries the run of statements before it, and
# %statements is the run left at the end of the file.
# Lists are left-recursive with a mutating push: EBNF `:*` and right
# recursion are quadratic (docs/node-runtime.md §4). The grammar must stay
# unambiguous: test/syntax asserts exactly one parse.

@preprocessor typescript

@{%
import { grammarLexer } from './lexer.js';
import { pushedBlock, pushedValues } from './build.js';
%}

@lexer grammarLexer

items   -> null                         {% () => [] %}
         | items %statements            {% pushedValues %}
         | items %head items %close     {% pushedBlock %}
