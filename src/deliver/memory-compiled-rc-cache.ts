import type { CompiledRc } from '../compile/compiled-rc.js';
import { BoundedMap } from '../bounded-map.js';
import type { CompiledRcCache } from './compiled-rc-cache.js';

/**
 * Compiled rcfiles kept in memory by a long-lived process (an LMTP
 * worker): the rcfile is still read for every delivery, and its compiled
 * form is reused only while the text is the same, so an edit takes effect
 * with the next message. The trust rules are the caller's, as with the
 * on-disk cache (compiled-rc-cache.ts): only rcfiles the user owns are
 * offered.
 */
export function memoryCompiledRcCache(limit: number): CompiledRcCache {
  const kept = new BoundedMap<string, CompiledRc>(limit);
  return {
    get(rc, file, text) {
      const p = kept.get(rc);
      return p !== undefined && p.text === text && p.file === file ? p : null;
    },
    put(rc, compiled) {
      // Deleted first so the newest is last to go.
      kept.delete(rc);
      kept.set(rc, compiled);
    },
  };
}
