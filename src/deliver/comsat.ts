import { renvint } from '../compile/renvint.js';

/**
 * comsat/biff notification (procmail.md §5.2; comsat.c): when procmail ends
 * it sends one UDP datagram `LOGNAME@offset:folder` (offset only when the
 * last delivery went to a seekable file) to biff@localhost, unless COMSAT
 * turned it off. It is on by default in -d mode and in normal mode without
 * rcfile arguments; naming an rcfile presets COMSAT=no.
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

/** `LOGNAME@offset:/abs/folder` (comsat.c:sendcomsat); `tell` is -1 when the last delivery wasn't to a file. */
export function comsatMessage(logname: string, tell: number, folder: string): string {
  return `${logname}@${tell >= 0 ? String(tell) : ''}:${folder}`;
}

/** The folder as comsat reports it: relative names get the MAILDIR of the time prepended (comsat.c:setlfcs). */
export function comsatFolder(folder: string, maildir: string): string {
  return folder.startsWith('/') ? folder : `${maildir}/${folder}`;
}
