/** 1-based line and column of offset `at` in `text`, counted the slow way (to check spans against). */
export function place(text: string, at: number): { line: number; col: number } {
  const before = text.slice(0, at).split('\n');
  return { line: before.length, col: before[before.length - 1]!.length + 1 };
}
