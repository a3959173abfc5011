import type { Program } from '../compile/program.js';
import type { ProgramCache } from './program-cache.js';

/**
 * Compiled rcfiles kept in memory by a long-lived process (an LMTP
 * worker): the rcfile is still read for every delivery, and its program is
 * reused only while the text is the same, so an edit takes effect with
 * the next message. The trust rules are the caller's, as with the on-disk
 * cache (program-cache.ts): only rcfiles the user owns are offered.
 */
export function memoryProgramCache(limit: number): ProgramCache {
  const programs = new Map<string, Program>();
  return {
    get(rc, file, text) {
      const p = programs.get(rc);
      return p !== undefined && p.text === text && p.file === file ? p : null;
    },
    put(rc, program) {
      programs.delete(rc);
      programs.set(rc, program);
      if (programs.size > limit) programs.delete(programs.keys().next().value!);
    },
  };
}
