import { join, relative } from 'node:path';
import { defaultTestIo, runTest, type TestIo, type TestOptions } from '../../src/cli/test-command.js';
import { nodeSourceFs } from '../../src/dryrun/sources.js';
import { golden } from '../helpers/golden.js';

/** The repository root (tests run from it). */
export const ROOT = process.cwd();

export interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `mailrules test` in-process with a fixed user and host, so reports
 * do not depend on who runs the tests. `stdin` feeds `-`.
 */
export async function runDry(rc: string, inputs: string[], opts: TestOptions = {}, extra: Partial<TestIo> & { stdin?: Buffer } = {}): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const base = defaultTestIo();
  let pos = 0;
  const stdin = extra.stdin;
  const io: TestIo = {
    ...base,
    stdout: (s) => {
      stdout += s;
    },
    stderr: (s) => {
      stderr += s;
    },
    stderrIsTTY: false,
    user: { logname: 'tester', home: '/home/tester', shell: '/bin/sh', hostname: 'testhost' },
    pid: 4242,
    sourceFs:
      stdin === undefined
        ? nodeSourceFs
        : {
            ...nodeSourceFs,
            read(fd, buf, off, len) {
              if (fd !== 0) return nodeSourceFs.read(fd, buf, off, len);
              const n = Math.min(len, stdin.length - pos);
              stdin.copy(buf, off, pos, pos + n);
              pos += n;
              return n;
            },
          },
    ...extra,
  };
  const code = await runTest(rc, inputs, opts, io);
  return { code, stdout, stderr };
}

export function rel(p: string): string {
  return relative(ROOT, p);
}

/** Compare `actual` with test/dryrun/golden/NAME (test/helpers/golden.ts: a missing golden fails). */
export function expectGolden(name: string, actual: string): void {
  golden(join(__dirname, 'golden', name), actual);
}
