import { describe, expect, it } from 'vitest';
import { compileRc } from '../../src/compile/compile.js';
import { parseRc } from '../../src/syntax/parse.js';
import { printRc } from '../../src/syntax/print.js';

// Minimal reproducers found by test/fuzz/frontend.test.ts.

describe('an @ action line with a carriage return', () => {
  // The lexer's `@verb args` regex used `.`, which stops at CR, so the match
  // was null and the parser threw ("internal parser error: Cannot read
  // properties of null"): an empty AST, and the round trip lost the file.
  for (const text of [':0\n@\r', ':0\n@discard\r\n', ':0\n@reject "x"\r\n', ':0\n@discard\rbox\n']) {
    it(JSON.stringify(text), () => {
      const r = parseRc(text, 'rc');
      expect(r.diagnostics.filter((d) => d.code === 'internal')).toEqual([]);
      expect(printRc(r.ast)).toBe(text);
      expect(compileRc(text, 'rc').diagnostics.every((d) => d.code !== 'internal')).toBe(true);
    });
  }

  it('keeps the CR in the line, as a condition does (procmail keeps it in names): a CRLF @discard is the folder "@discard\\r", reported, not crashed on', () => {
    const codes = compileRc(':0\n@discard\r\n', 'rc').diagnostics.map((d) => d.code);
    expect(codes).toContain('ext-not-exact');
    expect(codes).toContain('crlf');
  });
});
