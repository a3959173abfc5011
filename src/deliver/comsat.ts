/**
 * comsat/biff notification (docs/procmail-semantics.md §5.2; comsat.c): when procmail ends
 * it sends one UDP datagram `LOGNAME@offset:folder` (offset only when the
 * last delivery went to a seekable file) to biff@localhost, unless COMSAT
 * turned it off. It is on by default in -d mode and in normal mode without
 * rcfile arguments; naming an rcfile presets COMSAT=no. Where to send is
 * the engine's to decide (src/eval/comsat-target.ts); this is what is sent.
 */
/** `LOGNAME@offset:/abs/folder` (comsat.c:sendcomsat); `tell` is -1 when the last delivery wasn't to a file. */
export function comsatMessage(logname: string, tell: number, folder: string): string {
  return `${logname}@${tell >= 0 ? String(tell) : ''}:${folder}`;
}

/** The folder as comsat reports it: relative names get the MAILDIR of the time prepended (comsat.c:setlfcs). */
export function comsatFolder(folder: string, maildir: string): string {
  return folder.startsWith('/') ? folder : `${maildir}/${folder}`;
}
