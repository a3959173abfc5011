import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { expect } from 'vitest';

/**
 * Golden files: what the code produces, compared with a committed file.
 *
 * A missing golden fails like a different one: a golden that wrote itself
 * would pass whatever the code printed. Regenerating is an explicit act,
 *
 *     UPDATE_GOLDEN=1 npx vitest run test/syntax/golden.test.ts
 *
 * which rewrites the goldens that run compares (then review `git diff`).
 * Goldens recorded from the real procmail are never rewritten from
 * mailrules' own output: they name the script that records them
 * (`recordedBy`), and a missing one says to run it.
 */
export function updatingGoldens(): boolean {
  return process.env.UPDATE_GOLDEN === '1';
}

export interface GoldenSource {
  /** The command that records this golden from the real procmail; UPDATE_GOLDEN=1 then leaves the file alone. */
  readonly recordedBy?: string;
}

export interface GoldenOptions extends GoldenSource {
  /** What a difference means, for the failure message. */
  readonly differs?: string;
}

function shown(file: string): string {
  return relative(process.cwd(), file);
}

/** How a missing or stale golden is made again. */
function remedy(src: GoldenSource): string {
  return src.recordedBy !== undefined
    ? `record it with \`${src.recordedBy}\``
    : 'run the test with UPDATE_GOLDEN=1 and review what it writes before committing';
}

/** The committed golden's text; fails the test when there is none. */
export function readGolden(file: string, src: GoldenSource = {}): string {
  if (!existsSync(file)) expect.fail(`${shown(file)} is missing: ${remedy(src)}`);
  return readFileSync(file, 'utf8');
}

/** Fails unless `actual` is exactly the golden `file` (UPDATE_GOLDEN=1 first writes it, unless procmail records it). */
export function golden(file: string, actual: string, opts: GoldenOptions = {}): void {
  if (updatingGoldens() && opts.recordedBy === undefined) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
  }
  const expected = readGolden(file, opts);
  expect(actual, opts.differs ?? `differs from ${shown(file)}: fix the code, or ${remedy(opts)}`).toBe(expected);
}
