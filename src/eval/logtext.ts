/**
 * procmail's own log and VERBOSE lines (docs/procmail-semantics.md §8.2, §8.3), with the
 * `procmail: ` prefix and trailing newline, so existing log parsers keep
 * working. Only the texts live here; evaluate.ts decides when to log them.
 */

const PREFIX = 'procmail: ';

/** `procmail: <text>\n` */
export function line(text: string): string {
  return `${PREFIX}${text}\n`;
}

/** `procmail: <what> "<arg>"\n` — procmail's nlog + logqnl. */
export function quoted(what: string, arg: string): string {
  return `${PREFIX}${what} "${arg}"\n`;
}

export const logtext = {
  skipped: (text: string) => quoted('Skipped', text),
  couldntRead: (path: string) => quoted("Couldn't read", path),
  couldntChdir: (dir: string) => quoted("Couldn't chdir to", dir),
  badSubstitution: (name: string) => quoted('Bad substitution of', name),
  invalidRegexp: (re: string) => quoted('Invalid regexp', re),
  hostMismatched: (host: string) => quoted('HOST mismatched', host),
  assigning: (assignment: string) => quoted('Assigning', assignment),
  rcfile: (path: string) => quoted('Rcfile', path),
  match: (held: boolean, negate: boolean, text: string) =>
    `${PREFIX}${held ? 'Match on' : 'No match on'}${negate ? ' !' : ''} "${text}"\n`,
  score: (added: number, total: number, negate: boolean, text: string) =>
    `${PREFIX}Score: ${padLong(Math.trunc(added))} ${scoreTotal(total)}${negate ? ' !' : ''} "${text}"\n`,
  matched: (text: string) => quoted('Matched', text),
  executing: (text: string) => quoted('Executing', text),
  programFailure: (code: number, cmd: string) => quoted(`Program failure (${code}) of`, cmd),
  nonZeroExitcode: (code: number, cmd: string) => quoted(`Non-zero exitcode (${code}) from`, cmd),
  rescue: (ok: boolean) => line(`Rescue of unfiltered data ${ok ? 'succeeded' : 'failed'}`),
  extraneous: (what: string) => line(`Extraneous ${what} ignored`),
  conflicting: (what: string) => line(`Conflicting ${what} suppressed`),
  missingAction: () => line('Missing action'),
  implicitLock: (cmd: string) => quoted("Couldn't determine implicit lockfile from", cmd),
  deadlock: (lock: string) => quoted('Deadlock attempted on', lock),
  forking: () => quoted('Forking', 'procmail'),
  limit: (what: string) => line(`Limit exceeded: ${what}`),
  errorWriting: (target: string) => quoted('Error while writing to', target),
};

function padLong(n: number): string {
  return String(n).padStart(7, ' ');
}

/** `%7ld` of the total, but `+0` for totals in (0,1) (misc.c conditions). */
function scoreTotal(total: number): string {
  const i = Math.trunc(total);
  const s = padLong(i);
  if (i === 0 && total > 0) return s.slice(0, 5) + '+0';
  return s;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * ctime(3) without the newline: `Sat Nov 21 07:36:46 2026`, in the zone
 * named by `tz` (procmail keeps TZ from its environment, docs/procmail-semantics.md §5.1)
 * when Intl knows it, else in the runtime's zone. `ms` is given by the
 * caller: nothing here reads the clock.
 */
export function ctime(ms: number, tz: string | undefined): string {
  let fmt: Intl.DateTimeFormat;
  const opts: Intl.DateTimeFormatOptions = {
    hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', weekday: 'short',
  };
  try {
    fmt = new Intl.DateTimeFormat('en-US', tz ? { ...opts, timeZone: tz.replace(/^:/, '') } : opts);
  } catch {
    fmt = new Intl.DateTimeFormat('en-US', opts);
  }
  const p: Record<string, string> = {};
  for (const part of fmt.formatToParts(ms)) p[part.type] = part.value;
  const two = (v: string | undefined) => (v ?? '0').padStart(2, '0');
  const day = DAYS.indexOf(p.weekday ?? '') >= 0 ? p.weekday! : '???';
  const month = MONTHS[Number(p.month ?? '1') - 1] ?? '???';
  return `${day} ${month} ${(p.day ?? '').padStart(2, ' ')} ${two(p.hour)}:${two(p.minute)}:${two(p.second)} ${p.year ?? ''}`;
}
