import type { Clock, DeliveryFs } from './seams.js';
import type { DeliveryLog } from './logfile.js';
import type { UniqueNames } from './unique-name.js';
import type { KernelLocker } from './kernel-lock.js';

/**
 * What every folder writer needs. Folder names stay as the rc file wrote
 * them (they appear verbatim in log lines and LASTFOLDER); `resolve` turns
 * them into paths against the current MAILDIR, because the process never
 * chdir()s (vitest workers can't, and the answerer must not depend on it).
 */
export interface FolderContext {
  readonly fs: DeliveryFs;
  readonly clock: Clock;
  readonly log: DeliveryLog;
  readonly names: UniqueNames;
  readonly kernel: KernelLocker;
  resolve(name: string): string;
  umask(): number;
  verbose(): boolean;
  /** MSGPREFIX for plain-directory folders. */
  msgPrefix(): string;
  /** LOGFILE open or VERBOSE on: procmail only then reports `Truncated file to former size`. */
  chatty(): boolean;
}
