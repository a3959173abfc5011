import {
  MAX_REPLY_CACHE_BYTES,
  MAX_REPLY_CACHE_ENTRIES,
  REPLY_CACHE_LOCK_RETRY_MS,
  REPLY_CACHE_LOCK_STALE_MS,
  REPLY_CACHE_LOCK_WAIT_MS,
} from '../limits.js';
import { acquireDotlock, releaseDotlock, type DotlockEnv, type LockFs } from './dotlock.js';
import { errnoOf, type DeliveryFs } from './seams.js';
import type { UniqueNames } from './unique-name.js';

/**
 * The `@reply` once-per-sender cache (RFC 3834 §2: "SHOULD NOT ... more
 * than once within a period"; procmail's equivalent is `formail -rD 8192
 * vacation.cache` under a lock, docs/procmail-semantics.md §10).
 *
 * File format, one sender per line, newest last:
 *
 *     <unix seconds of the last reply> <normalised address>
 *
 * Updates are check-and-set under a dotlock `FILE.lock` taken as every
 * other lock is (dotlock.ts: procmail's, NFS-safe; broken when older than
 * REPLY_CACHE_LOCK_STALE_MS), and the new
 * contents are written to `FILE.tmp`, fsynced, then renamed over FILE, so a
 * crash leaves either the old or the new cache, never half of one, and two
 * deliveries at once cannot lose each other's entries. Entries older than the
 * period are dropped, and at most MAX_REPLY_CACHE_ENTRIES are kept (oldest
 * dropped first), so the file stays small.
 */

/** The synchronous fs calls used (a part of src/deliver/seams.ts DeliveryFs and of node:fs). */
export type CacheFs = LockFs & Pick<DeliveryFs, 'readFileSync' | 'fsyncSync' | 'renameSync'>;

export interface CacheClock {
  /** Milliseconds since the epoch. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export type CacheResult = { readonly recent: boolean } | { readonly error: string };

/** Parse the cache text into address → last reply time (seconds). Malformed lines are dropped. */
export function parseCache(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const lineText of text.split('\n')) {
    const match = /^(\d{1,15}) (\S.*)$/.exec(lineText);
    if (!match) continue;
    const addr = match[2]!;
    const t = Number(match[1]);
    // Re-insert so iteration order is oldest → newest by last reply.
    if ((m.get(addr) ?? -1) <= t) {
      m.delete(addr);
      m.set(addr, t);
    }
  }
  return m;
}

export function serializeCache(entries: Map<string, number>): string {
  let out = '';
  for (const [addr, t] of entries) out += `${t} ${addr}\n`;
  return out;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * The dotlock for the cache: retried every REPLY_CACHE_LOCK_RETRY_MS, given
 * up after REPLY_CACHE_LOCK_WAIT_MS (a notice is not worth holding a
 * delivery), its complaints kept for the error instead of the LOGFILE (the
 * engine logs the one line that says why no reply went out).
 */
function lockEnv(fs: CacheFs, clock: CacheClock, names: UniqueNames): { env: DotlockEnv; timedOut(): boolean; complaints: string[] } {
  const complaints: string[] = [];
  let waited = 0;
  const env: DotlockEnv = {
    fs,
    clock: {
      now: () => clock.now(),
      sleep: async (ms) => {
        waited += ms;
        await clock.sleep(ms);
      },
    },
    names,
    log: { error: (text) => void complaints.push(text) },
    umask: () => 0o077,
    verbose: () => false,
    stopped: () => waited >= REPLY_CACHE_LOCK_WAIT_MS,
  };
  return { env, timedOut: () => waited >= REPLY_CACHE_LOCK_WAIT_MS, complaints };
}

const LOCK_TIMING = { sleepSec: REPLY_CACHE_LOCK_RETRY_MS / 1000, timeoutSec: REPLY_CACHE_LOCK_STALE_MS / 1000, suspendSec: 0 };

function writeAll(fs: CacheFs, fd: number, data: Buffer): void {
  let off = 0;
  while (off < data.length) off += fs.writeSync(fd, data, off, data.length - off);
}

/** The cache's key for a sender: one line, trimmed, lower case. */
function cacheKey(sender: string): string {
  return sender.replace(/[\r\n]/g, '').trim().toLowerCase();
}

/** Whether a reply at `last` (seconds) is within `days` of `nowSec`: the freshness rule delivery and the dry run share. */
function isRecent(last: number | undefined, nowSec: number, days: number): boolean {
  return last !== undefined && nowSec - last < days * 86_400;
}

/**
 * The answer a cache read gives, without updating it (the dry run, which
 * reads the cache and never writes it): was `sender` replied to within
 * `days` of `nowMs`? A missing or oversized cache has no entries.
 */
export function replyCacheAnswer(text: string | null, sender: string, days: number, nowMs: number): { kind: 'reply-cache'; recent: boolean } {
  const entries = text === null || text.length > MAX_REPLY_CACHE_BYTES ? new Map<string, number>() : parseCache(text);
  return { kind: 'reply-cache', recent: isRecent(entries.get(cacheKey(sender)), Math.floor(nowMs / 1000), days) };
}

/**
 * Was `sender` replied to within `days`? If not, record a reply now. The
 * check and the update happen under one lock, so two copies of a message
 * delivered at once send one reply. `names` makes the lock's temporary
 * file names (the answerer's, shared with its other locks).
 */
export async function checkAndRecord(fs: CacheFs, clock: CacheClock, file: string, sender: string, days: number, names: UniqueNames): Promise<CacheResult> {
  const key = cacheKey(sender);
  const lock = `${file}.lock`;
  const l = lockEnv(fs, clock, names);
  if (!(await acquireDotlock(l.env, lock, lock, LOCK_TIMING))) {
    return { error: l.timedOut() ? `timed out waiting for lock ${lock}` : `cannot create lock ${lock}${l.complaints.length > 0 ? ` (${l.complaints.join('; ')})` : ''}` };
  }
  try {
    let text = '';
    try {
      const buf = fs.readFileSync(file);
      // A cache far beyond its bound is not ours or is damaged: start afresh rather than choke.
      text = buf.length > MAX_REPLY_CACHE_BYTES ? '' : buf.toString('latin1');
    } catch (e) {
      if (errnoOf(e) !== 'ENOENT') return { error: `cannot read ${file}: ${message(e)}` };
    }
    const entries = parseCache(text);
    const nowSec = Math.floor(clock.now() / 1000);
    const period = days * 86_400;
    if (isRecent(entries.get(key), nowSec, days)) return { recent: true };
    entries.delete(key);
    entries.set(key, nowSec);
    for (const [addr, t] of entries) if (nowSec - t >= period && addr !== key) entries.delete(addr);
    let excess = entries.size - MAX_REPLY_CACHE_ENTRIES;
    for (const addr of entries.keys()) {
      if (excess-- <= 0) break;
      entries.delete(addr);
    }
    const tmp = `${file}.tmp`;
    try {
      const fd = fs.openSync(tmp, 'w', 0o600);
      try {
        writeAll(fs, fd, Buffer.from(serializeCache(entries), 'latin1'));
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, file);
    } catch (e) {
      try {
        fs.unlinkSync(tmp);
      } catch {
        // nothing to clean up
      }
      return { error: `cannot write ${file}: ${message(e)}` };
    }
    return { recent: false };
  } finally {
    // A lock broken as stale by someone else is already gone: nothing to say then.
    releaseDotlock(l.env, lock, lock);
  }
}
