/**
 * procmail's "ultoan" number encoding (sublib.c): little-endian base 64 with
 * the digits A–Z a–z 0–9 - _. Used for plain-directory file names
 * (`msg.fDMI` is inode 2146527, docs/procmail-semantics.md §7.4) and temp-file names.
 */
const DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

export function ultoan(value: number): string {
  let v = Math.max(0, Math.floor(value));
  let out = '';
  do {
    out += DIGITS[v % 64];
    v = Math.floor(v / 64);
  } while (v > 0);
  return out;
}
