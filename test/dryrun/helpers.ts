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

/** The process's test IO with stdout and stderr collected, and `over` on top. */
export function capturingIo(over: Partial<TestIo> = {}): { io: TestIo; stdout: () => string; stderr: () => string } {
  let stdout = '';
  let stderr = '';
  const io: TestIo = {
    ...defaultTestIo(),
    stdout: (s) => {
      stdout += s;
    },
    stderr: (s) => {
      stderr += s;
    },
    stderrIsTTY: false,
    ...over,
  };
  return { io, stdout: () => stdout, stderr: () => stderr };
}

/**
 * Runs `mailrules test` in-process with a fixed user and host, so reports
 * do not depend on who runs the tests. `stdin` feeds `-`.
 */
export async function runDry(rc: string, inputs: string[], opts: TestOptions = {}, extra: Partial<TestIo> & { stdin?: Buffer } = {}): Promise<Captured> {
  let pos = 0;
  const stdin = extra.stdin;
  const { io, stdout, stderr } = capturingIo({
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
  });
  const code = await runTest(rc, inputs, opts, io);
  return { code, stdout: stdout(), stderr: stderr() };
}

export function rel(p: string): string {
  return relative(ROOT, p);
}

/**
 * Compare `actual` with test/dryrun/golden/NAME (test/helpers/golden.ts: a
 * missing golden fails; UPDATE_GOLDEN=1 rewrites it). Absolute paths under
 * the checkout (a folder's `file` in --json) are made relative to it.
 */
export function expectGolden(name: string, report: string): void {
  golden(join(__dirname, 'golden', name), report.split(`${ROOT}/`).join(''));
}
