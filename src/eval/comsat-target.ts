import { renvint } from '../compile/renvint.js';

/**
 * Where procmail sends its comsat/biff notice (comsat.c setcomsat), from the
 * value of COMSAT: resolved by the engine, which asks for the notice with a
 * `comsat` request (requests.ts).
 */
export interface ComsatTarget {
  readonly host: string;
  readonly port: number;
}

/** The biff/comsat service (/etc/services: `biff 512/udp comsat`). */
export const BIFF_PORT = 512;
/** procmail's COMSAThost; Debian builds with IP_localhost, i.e. the loopback address without a lookup. */
const LOOPBACK = '127.0.0.1';
const SERVICES: Readonly<Record<string, number>> = { biff: BIFF_PORT, comsat: BIFF_PORT };

/**
 * Where to send, from COMSAT's value (comsat.c:setcomsat): `no`/`off`…
 * (renvint false, no `@`) turns it off; `service@host`, `@host`,
 * `service@` select the target; anything else without `@` means the
 * default. `undefined` (never assigned) is `defaultOn`. An unknown service
 * name turns it off, as getservbyname failing does.
 */
export function comsatTarget(value: string | undefined, defaultOn: boolean): ComsatTarget | null {
  if (value === undefined) return defaultOn ? { host: LOOPBACK, port: BIFF_PORT } : null;
  const at = value.indexOf('@');
  if (at < 0 && renvint(-1, value) === 0) return null;
  const service = at < 0 ? '' : value.slice(0, at);
  const hostPart = at < 0 ? '' : value.slice(at + 1);
  const host = hostPart === '' || hostPart === 'localhost' ? LOOPBACK : hostPart;
  let port: number;
  if (service === '') port = BIFF_PORT;
  else if (/^[0-9]+/.test(service)) port = Number(/^[0-9]+/.exec(service)![0]) & 0xffff;
  else if (SERVICES[service] !== undefined) port = SERVICES[service]!;
  else return null;
  return { host, port };
}

