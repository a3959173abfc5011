import {
  MAX_REPLY_CACHE_BYTES,
  MAX_REPLY_CACHE_ENTRIES,
  REPLY_CACHE_LOCK_RETRY_MS,
  REPLY_CACHE_LOCK_STALE_MS,
  REPLY_CACHE_LOCK_WAIT_MS,
} from '../limits.js';

/**
 * The `@reply` once-per-sender cache (RFC 3834 §2: "SHOULD NOT ... more
 * than once within a period"; procmail's equivalent is `formail -rD 8192
 * vacation.cache` under a lock, docs/procmail-semantics.md §10).
 *
 * File format, one sender per line, newest last:
 *
 *     <unix seconds of the last reply> <normalised address>
 *
 * Updates are check-and-set under an exclusive lockfile (`FILE.lock`,
 * O_EXCL, broken when older than REPLY_CACHE_LOCK_STALE_MS), and the new
 * contents are written to `FILE.tmp`, fsynced, then renamed over FILE, so a
 * crash leaves either the old or the new cache, never half of one, and two
 * deliveries at once cannot lose each other's entries. Entries older than the
 * period are dropped, and at most MAX_REPLY_CACHE_ENTRIES are kept (oldest
 * dropped first), so the file stays small.
 */

/** The synchronous fs calls used (a subset of src/deliver/seams.ts DeliveryFs and of node:fs). */
export interface CacheFs {
  readFileSync(path: string): Buffer;
  statSync(path: string): { readonly mtimeMs: number };
  openSync(path: string, flags: string, mode?: number): number;
  writeSync(fd: number, buffer: Uint8Array, offset?: number, length?: number): number;
  fsyncSync(fd: number): void;
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
  unlinkSync(path: string): void;
}

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

function errno(e: unknown): string {
  return typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string' ? (e as { code: string }).code : '';
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Take `lock` (O_EXCL). Returns null when held, or an error text. */
async function acquire(fs: CacheFs, clock: CacheClock, lock: string): Promise<string | null> {
  let waited = 0;
  for (;;) {
    try {
      fs.closeSync(fs.openSync(lock, 'wx', 0o600));
      return null;
    } catch (e) {
      if (errno(e) !== 'EEXIST') return `cannot create lock ${lock}: ${message(e)}`;
    }
    try {
      if (clock.now() - fs.statSync(lock).mtimeMs > REPLY_CACHE_LOCK_STALE_MS) {
        // Its holder died (updates take milliseconds): break it, as procmail does after LOCKTIMEOUT.
        fs.unlinkSync(lock);
        continue;
      }
    } catch (e) {
      if (errno(e) === 'ENOENT') continue; // released meanwhile
      return `cannot check lock ${lock}: ${message(e)}`;
    }
    if (waited >= REPLY_CACHE_LOCK_WAIT_MS) return `timed out waiting for lock ${lock}`;
    await clock.sleep(REPLY_CACHE_LOCK_RETRY_MS);
    waited += REPLY_CACHE_LOCK_RETRY_MS;
  }
}

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
 * delivered at once send one reply.
 */
export async function checkAndRecord(fs: CacheFs, clock: CacheClock, file: string, sender: string, days: number): Promise<CacheResult> {
  const key = cacheKey(sender);
  const lock = `${file}.lock`;
  const lockError = await acquire(fs, clock, lock);
  if (lockError !== null) return { error: lockError };
  try {
    let text = '';
    try {
      const buf = fs.readFileSync(file);
      // A cache far beyond its bound is not ours or is damaged: start afresh rather than choke.
      text = buf.length > MAX_REPLY_CACHE_BYTES ? '' : buf.toString('latin1');
    } catch (e) {
      if (errno(e) !== 'ENOENT') return { error: `cannot read ${file}: ${message(e)}` };
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
    try {
      fs.unlinkSync(lock);
    } catch {
      // A lock broken as stale by someone else is already gone.
    }
  }
}
