import { accessSync, constants, readFileSync, readdirSync, statSync } from 'node:fs';
import { errnoOf } from '../deliver/seams.js';

/**
 * The dry run's view of the file system: read-only (stat, read, list). It
 * looks at folders, their parents and lockfiles to predict what delivery
 * would do, and reads rc files, lists and caches; it never writes.
 */
export interface DryRunFs {
  isDirectory(path: string): boolean;
  readText(path: string): string | null;
  readdir(path: string): string[] | null;
  /**
   * Size and mtime, or the error code (`ENOENT`, `EACCES`, `EISDIR`): list
   * files go through src/deliver/ext-answers.ts's answerLookup, which says why a list
   * could not be read. Optional for fakes; without it a file readText cannot
   * read is `ENOENT`.
   */
  stat?(path: string): { size: number; mtimeMs: number } | { error: string };
  /** What is at a path (see Looked); optional for fakes, which are then read through isDirectory and readText. */
  look?(path: string): Looked;
  /** access(W_OK): whether this user may write there (create in a directory, append to a file); optional, true for fakes. */
  writable?(path: string): boolean;
}

/**
 * What is at a path, as far as a write there would go: a directory, a
 * regular file, nothing (ENOENT), `full` for Linux's /dev/full (every write
 * fails with ENOSPC, by definition of that device), anything else that
 * exists (devices, FIFOs), or `unreachable` (EACCES, ENOTDIR, …).
 */
export type Looked = 'dir' | 'file' | 'missing' | 'full' | 'other' | 'unreachable';

/** /dev/full's device number on Linux: major 1, minor 7 (Documentation/admin-guide/devices.txt). */
const DEV_FULL_RDEV = (1 << 8) | 7;

export function lookPath(fs: DryRunFs, path: string): Looked {
  if (fs.look !== undefined) return fs.look(path);
  if (fs.isDirectory(path)) return 'dir';
  return fs.readText(path) !== null ? 'file' : 'missing';
}

export const nodeDryRunFs: DryRunFs = {
  isDirectory(path) {
    try {
      return statSync(path).isDirectory();
    } catch {
      return false;
    }
  },
  readText(path) {
    try {
      return readFileSync(path, 'latin1');
    } catch {
      return null;
    }
  },
  readdir(path) {
    try {
      return readdirSync(path);
    } catch {
      return null;
    }
  },
  stat(path) {
    try {
      const st = statSync(path);
      // readFileSync would fail with EISDIR; say so before trying.
      return st.isDirectory() ? { error: 'EISDIR' } : { size: st.size, mtimeMs: st.mtimeMs };
    } catch (e) {
      return { error: errnoOf(e) || String(e) };
    }
  },
  look(path) {
    try {
      const st = statSync(path);
      if (st.isDirectory()) return 'dir';
      if (st.isFile()) return 'file';
      if (st.isCharacterDevice() && st.rdev === DEV_FULL_RDEV) return 'full';
      return 'other';
    } catch (e) {
      return errnoOf(e) === 'ENOENT' ? 'missing' : 'unreachable';
    }
  },
  writable(path) {
    try {
      accessSync(path, constants.W_OK);
      return true;
    } catch {
      return false;
    }
  },
};
