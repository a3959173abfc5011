import type { CompiledRcCache } from './compiled-rc-cache.js';

/**
 * Two compiled-rc caches as one: `near` (a worker's memory) asked first,
 * then `far` (the user's own on-disk cache, compiled-rc-cache.ts), whose
 * hit is kept in `near`; a new compiled rc goes into both. A worker that
 * was stopped to make room for other users (--max-workers) leaves the
 * compiled rc behind in the user's cache, so the next one starts without
 * compiling it. Both check the rcfile's current text, so an edit is never
 * served stale from either.
 */
export function layeredCompiledRcCache(near: CompiledRcCache, far: () => CompiledRcCache | null): CompiledRcCache {
  return {
    get(rc, file, text) {
      const hit = near.get(rc, file, text);
      if (hit !== null) return hit;
      const kept = far()?.get(rc, file, text) ?? null;
      if (kept !== null) near.put(rc, kept);
      return kept;
    },
    put(rc, compiled) {
      near.put(rc, compiled);
      far()?.put(rc, compiled);
    },
  };
}
