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
  /**
   * procmail's setlastfolder(): VERBOSE `Assigning "LASTFOLDER=x"`, and the
   * folder comsat reports. Files, MH and directory messages get it just
   * before they are opened, maildir messages once renamed into new/
   * (verified order, docs/procmail-semantics.md §8.2).
   */
  lastFolder(name: string): void;
  /** opena(): lastFolder(name), then VERBOSE `Opening "x"`. */
  opening(name: string): void;
  /** dump()'s lasttell: where the message starts in its file, -1 when it never got opened. */
  tell(offset: number): void;
  /** A signal asked the agent to stop: a write in progress fails and is taken back (dump.ts). */
  stopped(): boolean;
}
