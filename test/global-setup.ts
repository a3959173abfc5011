import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where test/helpers/fresh-build.ts puts this run's builds. */
    freshBuildsDir: string;
  }
}

/**
 * Once per run, before any test: makes the folder the run's builds of the
 * product go to (test/helpers/fresh-build.ts), removed afterwards.
 */
export default function setup(project: TestProject): () => void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailrules-builds-'));
  // Readable by every user, as a checkout is: end-to-end tests deliver as other users.
  fs.chmodSync(dir, 0o755);
  project.provide('freshBuildsDir', dir);
  return () => fs.rmSync(dir, { recursive: true, force: true });
}
