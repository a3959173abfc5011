// Types for harness.mjs (plain JS so that scripts/record-procmail.mjs can run it with node).
export declare const HERE: string;
export declare const CASES_DIR: string;
export declare const MESSAGES_DIR: string;
export declare const CLEAN_ENV: Readonly<Record<string, string>>;
export declare const CASE_TIMEOUT_MS: number;
export declare const LINGER_MS: number;

export interface DiffCase {
  name: string;
  dir: string;
  rc: Buffer;
  message: Buffer;
  args: string[];
  rcargs: string[];
  setup: string | null;
  filesDir: string | null;
  expectedFile: string;
}

export declare function listCases(filter?: string[]): string[];
export declare function loadCase(name: string): DiffCase;
export declare function runCase(
  c: DiffCase,
  command: string[],
  opts?: { timeoutMs?: number; keep?: boolean },
): Promise<{ text: string; elapsedMs: number }>;
export declare function escapeBytes(buf: Buffer): string;
export declare function prepareSandbox(c: DiffCase): Promise<{ root: string; sb: string; cleanup: () => void }>;
export declare function sandboxAssignments(root: string, sb: string): string[];
export interface ExpectedFile {
  name: string;
  mode: string;
  links: number;
  /** null when the harness replaced run-dependent names in it. */
  size: number | null;
  content: string;
}
export declare function parseExpected(text: string): { exit: string; files: ExpectedFile[]; forwards: string[][] };
export declare function stableName(shown: string): string;
