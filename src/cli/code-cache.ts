/**
 * The header of dist/deliver-body.cache (src/cli/bin-entry.ts): it
 * ties the V8 code cache to one exact build of the body. V8 itself checks
 * only the source length, its version and its flags, so an edited body of
 * the same length could otherwise run with stale bytecode. scripts/build.mjs
 * starts the body with a fresh build id (BUILD_ID_PREFIX + id), and the
 * cache records it: copying the files keeps the pair valid (npm resets
 * mtimes), and any rebuild invalidates the old cache.
 */
export const BUILD_ID_PREFIX = '// mailrules-build ';
const MAGIC = 'mailrules-code-cache-2 ';

/** The header for a body's source, or null when the source carries no build id (no cache then). */
export function cacheHeader(source: string): string | null {
  if (!source.startsWith(BUILD_ID_PREFIX)) return null;
  const eol = source.indexOf('\n');
  if (eol < 0) return null;
  return `${MAGIC}${source.slice(BUILD_ID_PREFIX.length, eol)} ${source.length}\n`;
}

/** The cached data in `cache`, when its header matches the body's; else undefined. */
export function cachedDataFor(cache: Buffer, header: string): Buffer | undefined {
  if (cache.length <= header.length || cache.toString('latin1', 0, header.length) !== header) return undefined;
  return cache.subarray(header.length);
}
