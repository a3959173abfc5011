import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deliverFromCommandLine } from '../../src/deliver/command-line.js';
import { testLdaIo } from '../helpers/lda-io.js';

// Minimal reproducer found while writing test/fuzz (the engine property on EXITCODE).

describe('EXITCODE beyond 255 (docs/procmail-semantics.md §6.4)', () => {
  // deliverFromCommandLine() returned 257 as is; the process then exits with its low byte, 1,
  // which Postfix takes as a bounce. The low byte is what the MTA sees, and a
  // 1 is turned into EX_TEMPFAIL like any other.
  for (const [value, want] of [['257', 75], ['513', 75], ['256', 0], ['323', 67], ['1', 75], ['42', 42]] as const) {
    it(`EXITCODE=${value} exits ${want}`, async () => {
      const dir = fs.mkdtempSync(join(tmpdir(), 'mailrules-exitcode-'));
      fs.writeFileSync(join(dir, 'rc'), `EXITCODE=${value}\n:0\n/dev/null\n`, { mode: 0o644 });
      expect(await deliverFromCommandLine(['-m', './rc'], testLdaIo(dir, 'Subject: x\n\nbody\n'))).toBe(want);
      fs.rmSync(dir, { recursive: true, force: true });
    });
  }
});
