/**
 * procmail's variable store and the internal values behind its special
 * variables (procmailrc(5) "Environment variable defaults"; docs/procmail-semantics.md §5).
 *
 * Every procmail variable lives in the environment, so the store is a plain
 * ordered map that becomes `Request.vars` verbatim. Some variables also have
 * an internal value that survives an unset (docs/procmail-semantics.md §5.2: "Unsetting a
 * numeric variable keeps its old internal value"), kept in `Internals`.
 */
import { DEFAULT_STRINGS, type InternalStrings } from './defaults.js';
import {
  DEFAULT_LINEBUF,
  DEFAULT_LOCKSLEEP,
  DEFAULT_LOCKTIMEOUT,
  DEFAULT_SUSPEND,
  DEFAULT_TIMEOUT,
} from '../limits.js';

export class VarStore {
  private readonly map: Map<string, string>;
  /**
   * The last snapshot, valid until the next set/unset. Every request carries
   * `vars`, and most requests come between two assignments, so rebuilding
   * the object each time was a measurable share of a dry-run replay.
   */
  private snap: Readonly<Record<string, string>> | null = null;

  constructor(initial: Readonly<Record<string, string>> = {}) {
    // The engine builds a store per message from the same env object: copy a
    // cached Map of it (cheaper than walking Object.entries each time) and
    // start from the env's own snapshot, which has the same keys in the same order.
    let seed = seeds.get(initial);
    if (seed === undefined) {
      const map = new Map(Object.entries(initial));
      seed = { map, snap: toObject(map) };
      seeds.set(initial, seed);
    }
    this.map = new Map(seed.map);
    this.snap = seed.snap;
  }

  get(name: string): string | undefined {
    return this.map.get(name);
  }

  /** The value, or '' when unset (procmail's tgetenv). */
  str(name: string): string {
    return this.map.get(name) ?? '';
  }

  has(name: string): boolean {
    return this.map.has(name);
  }

  set(name: string, value: string): void {
    // procmail's sputenv removes and re-appends, so a reassigned variable
    // moves to the end of the environment; keep the same order.
    this.map.delete(name);
    this.map.set(name, value);
    this.snap = null;
  }

  unset(name: string): void {
    if (this.map.delete(name)) this.snap = null;
  }

  /** The variables as a plain object. Shared until the next change: callers must not modify it. */
  snapshot(): Readonly<Record<string, string>> {
    return (this.snap ??= toObject(this.map));
  }

  clone(): VarStore {
    const c = new VarStore();
    c.map.clear();
    for (const [k, v] of this.map) c.map.set(k, v);
    c.snap = this.snap;
    return c;
  }
}

/** The map as an object; a plain loop builds it several times faster than Object.fromEntries. */
function toObject(map: ReadonlyMap<string, string>): Record<string, string> {
  const o: Record<string, string> = {};
  for (const [k, v] of map) {
    // `__proto__=x` is a valid procmail variable: keep it an own property, as fromEntries would.
    if (k === '__proto__') Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
    else o[k] = v;
  }
  return o;
}

/** Per env object: its entries as a Map and as a snapshot (see the VarStore constructor). */
const seeds = new WeakMap<object, { map: Map<string, string>; snap: Readonly<Record<string, string>> }>();

/**
 * The internal numeric settings of procmail (variables.c strenvvar and the
 * few others with their own handling). They are not in the environment until
 * the rc assigns them, yet they act (docs/procmail-semantics.md §5.1).
 */
export interface Internals {
  verbose: number;
  /** -1: only into a LOGFILE (or with VERBOSE); 0 off; 1 yes; 2 all. */
  logabstract: number;
  locksleep: number;
  locktimeout: number;
  timeout: number;
  suspend: number;
  linebuf: number;
  umask: number;
  /** Whether EXITCODE was ever assigned (setxit in variables.c). */
  exitcodeArmed: boolean;
  /**
   * The string settings procmail keeps internally (misc.c strenstr): they
   * start at procmail's defaults and change only when assigned (an unset
   * makes them empty), so under `-p -m`, where the variables are absent from
   * the environment, the defaults still act (docs/procmail-semantics.md §5.1).
   */
  strings: InternalStrings;
}

export function isInternalString(name: string): name is keyof InternalStrings {
  return Object.prototype.hasOwnProperty.call(DEFAULT_STRINGS, name);
}

export function defaultInternals(): Internals {
  return {
    verbose: 0,
    logabstract: -1,
    locksleep: DEFAULT_LOCKSLEEP,
    locktimeout: DEFAULT_LOCKTIMEOUT,
    timeout: DEFAULT_TIMEOUT,
    suspend: DEFAULT_SUSPEND,
    linebuf: DEFAULT_LINEBUF,
    umask: 0o077,
    exitcodeArmed: false,
    strings: { ...DEFAULT_STRINGS },
  };
}

export { linebufValue } from '../compile/renvint.js';

/** UMASK: strtol(value, 8); junk gives 0, as in procmail. */
export function parseUmask(value: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?[0-7]+)/.exec(value);
  if (!m) return 0;
  return Number.parseInt(m[1]!, 8) & 0o777;
}

/** Names whose assignment does something beyond storing the value (docs/procmail-semantics.md §5.2). */
export const NUMERIC_SETTINGS: Readonly<Record<string, keyof Internals>> = {
  VERBOSE: 'verbose',
  LOGABSTRACT: 'logabstract',
  LOCKSLEEP: 'locksleep',
  LOCKTIMEOUT: 'locktimeout',
  TIMEOUT: 'timeout',
  SUSPEND: 'suspend',
};
