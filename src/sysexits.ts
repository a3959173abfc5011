/**
 * sysexits(3) codes as procmail uses them (docs/procmail-semantics.md §6.3). Postfix defers
 * only on 75 and 71 and bounces on every other non-zero code, so anything
 * unexpected must map to EX_TEMPFAIL, never to 1.
 */
export const EX_OK = 0;
export const EX_USAGE = 64;
export const EX_DATAERR = 65;
export const EX_NOINPUT = 66;
export const EX_NOUSER = 67;
export const EX_UNAVAILABLE = 69;
export const EX_SOFTWARE = 70;
export const EX_OSERR = 71;
export const EX_OSFILE = 72;
export const EX_CANTCREAT = 73;
export const EX_TEMPFAIL = 75;
export const EX_NOPERM = 77;
export const EX_CONFIG = 78;
