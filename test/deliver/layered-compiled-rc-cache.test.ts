import { describe, expect, it } from 'vitest';
import { compileRc } from '../../src/compile/compile.js';
import type { CompiledRcCache } from '../../src/deliver/compiled-rc-cache.js';
import { layeredCompiledRcCache } from '../../src/deliver/layered-compiled-rc-cache.js';
import { memoryCompiledRcCache } from '../../src/deliver/memory-compiled-rc-cache.js';

const RC = ':0\n* ^Subject:.*lunch\nlunch/\n';

/** A memory cache that counts what it is asked. */
function counted(): { cache: CompiledRcCache; gets: number; puts: number } {
  const inner = memoryCompiledRcCache(4);
  const c = {
    gets: 0,
    puts: 0,
    cache: {
      get: (rc: string, file: string, text: string) => (c.gets++, inner.get(rc, file, text)),
      put: (rc: string, compiled: ReturnType<typeof compileRc>) => (c.puts++, inner.put(rc, compiled)),
    },
  };
  return c;
}

describe('layered compiled-rc cache', () => {
  it('asks the far cache only on a near miss, keeps its hit near, and puts into both', () => {
    const near = counted();
    const far = counted();
    const compiled = compileRc(RC, '.procmailrc');
    far.cache.put('/h/.procmailrc', compiled);
    const layered = layeredCompiledRcCache(near.cache, () => far.cache);
    expect(layered.get('/h/.procmailrc', '.procmailrc', RC)).toBe(compiled);
    expect(far.gets).toBe(1);
    expect(layered.get('/h/.procmailrc', '.procmailrc', RC)).toBe(compiled);
    expect(far.gets).toBe(1);
    const other = compileRc(`${RC}:0\nrest/\n`, '.procmailrc');
    layered.put('/h/other', other);
    expect(far.cache.get('/h/other', '.procmailrc', other.text)).toBe(other);
    expect(near.cache.get('/h/other', '.procmailrc', other.text)).toBe(other);
  });

  it('an edited rcfile misses in both layers', () => {
    const near = memoryCompiledRcCache(4);
    const far = memoryCompiledRcCache(4);
    const layered = layeredCompiledRcCache(near, () => far);
    layered.put('/h/.procmailrc', compileRc(RC, '.procmailrc'));
    expect(layered.get('/h/.procmailrc', '.procmailrc', RC.replace('lunch/', 'lnuch/'))).toBe(null);
  });

  it('works without a far cache (none yet, or none for this user)', () => {
    const layered = layeredCompiledRcCache(memoryCompiledRcCache(4), () => null);
    const compiled = compileRc(RC, '.procmailrc');
    layered.put('/h/.procmailrc', compiled);
    expect(layered.get('/h/.procmailrc', '.procmailrc', RC)).toBe(compiled);
  });
});
