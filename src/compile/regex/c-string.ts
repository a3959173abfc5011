/** procmail works on C strings: the pattern ends at a NUL. */
export function cString(pattern: string): string {
  const nul = pattern.indexOf('\0');
  return nul >= 0 ? pattern.slice(0, nul) : pattern;
}
