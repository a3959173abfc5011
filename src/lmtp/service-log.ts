import type { TextSink } from '../deliver/seams.js';

/**
 * The service's log: one line per event on stderr, `key=value` fields,
 * no timestamp and no colour, so journald or a syslog daemon can take the
 * lines as they are (they add the time and the program name). Values with
 * spaces or quotes are quoted; control characters never reach the log.
 */
export interface ServiceLog {
  info(event: string, fields?: Record<string, string | number | null>): void;
  /** --verbose only. */
  debug(event: string, fields?: Record<string, string | number | null>): void;
  readonly verbose: boolean;
}

export function serviceLog(sink: TextSink, verbose: boolean): ServiceLog {
  const line = (event: string, fields: Record<string, string | number | null> = {}): void => {
    let out = event;
    for (const [k, v] of Object.entries(fields)) {
      if (v === null) continue;
      out += ` ${k}=${quote(String(v))}`;
    }
    sink.write(`${out}\n`);
  };
  return {
    verbose,
    info: line,
    debug: (event, fields) => {
      if (verbose) line(event, fields);
    },
  };
}

/** Printable ASCII but space, `"` and `\`: such a value is written as it is (most of a delivery line's are). */
const BARE = /^[!#-[\]-~]+$/;

export function quote(value: string): string {
  if (BARE.test(value)) return value;
  const clean = value.replace(/[\x00-\x1f\x7f]/g, ' ');
  return clean === '' || /[\s"\\]/.test(clean) ? `"${clean.replace(/["\\]/g, (c) => `\\${c}`)}"` : clean;
}
