/**
 * AST-level checks for things procmail accepts silently but that rarely do
 * what the writer meant (docs/procmail-semantics.md §11). All are warnings: procmail would
 * run the file. Syntax errors come from the lexer, flag and condition
 * messages from flags.ts and condition.ts.
 */
import { diagnostic, type Diagnostic } from '../source/diagnostic.js';
import type { Item, RcFile } from '../syntax/ast.js';
import { inFileOrder } from '../syntax/walk.js';
import { literalText } from '../syntax/word.js';
// renvint is procmail's reading of a numeric/boolean setting; it is pure (no IO), shared with the engine.
import { renvint } from './renvint.js';

export function validateAst(ast: RcFile): Diagnostic[] {
  const out: Diagnostic[] = [];
  checkLineEnds(ast, out);
  checkItems(ast.items, out);
  return out;
}

/** The `crlf` warning, once per file, on the first CRLF. */
export function checkLineEnds(ast: RcFile, out: Diagnostic[]): void {
  const cr = ast.raw.indexOf('\r\n');
  if (cr >= 0) {
    const line = ast.raw.slice(0, cr).split('\n').length;
    const lineStart = ast.raw.lastIndexOf('\n', cr) + 1;
    out.push(diagnostic('warning', 'crlf',
      'CRLF line ends: procmail keeps the carriage return in flags, conditions and names (convert the file to LF)',
      { file: ast.span.file, line, col: cr - lineStart + 1, start: cr, end: cr + 1 }));
  }
}

function checkItems(items: readonly Item[], out: Diagnostic[]): void {
  for (const { item, prev } of inFileOrder(items)) checkItem(item, prev, out);
}

/**
 * The checks of one item, `prev` being the item before it in the same list.
 * A block's items are not visited: the caller checks them right after their
 * recipe (the compiler does it while it compiles them, saving a pass).
 */
export function checkItem(item: Item, prev: Item | undefined, out: Diagnostic[]): void {
  if (item.kind === 'assign' && item.value === null && prev?.kind === 'assign' && prev.value !== null && !(item.lead ?? '').includes('\n')) {
    // docs/procmail-semantics.md §1.2: the value is one word; the next word is a statement of its own.
    out.push(diagnostic('warning', 'unset-word',
      `"${item.name}" is not part of the value of ${prev.name}: it unsets variable ${item.name}; quote the value ("…") to keep the blank`,
      item.span));
  }
  if (item.kind === 'assign' && item.name === 'DELIVERED' && item.value !== null) {
    // variables.c asenv: a DELIVERED that renvint reads as true makes procmail
    // fork and its parent tell the MTA "delivered" at once (docs/procmail-semantics.md §5.2).
    const v = literalText(item.value);
    if (v !== null && renvint(0, v) !== 0) {
      out.push(diagnostic('warning', 'delivered-early',
        `DELIVERED=${v}: procmail tells the MTA at once that the mail is delivered, so a later failure loses it; mailrules instead returns the real failure, so the MTA keeps the mail`,
        item.span));
    }
  }
  if (item.kind === 'recipe' && item.action !== null) {
    const { header, action } = item;
    if (action.kind === 'block') {
      if (header.flags.includes('c')) {
        out.push(diagnostic('warning', 'copy-block',
          '"c" on a block forks: the copy runs the block and then the rest of the file, and so does the original, so mail may be delivered twice (docs/procmail-semantics.md §2)',
          header.span));
      }
    } else if (action.kind === 'folder' && header.hasLock && header.lock === null) {
      const first = action.targets[0];
      const name = first === undefined ? null : literalText(first);
      if (name !== null && (name.endsWith('/') || name.endsWith('/.'))) {
        out.push(diagnostic('warning', 'lock-on-directory',
          `"${name}" is a ${name.endsWith('/.') ? 'MH' : 'maildir'} folder: it needs no lock, and ":0:" waits for "${name.replace(/\/\.?$/, '')}/.lock", which fails while the directory does not exist; use ":0"`,
          header.span));
      }
    }
  }
}
