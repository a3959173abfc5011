/** A carriage return (CRLF files) would garble a message on a terminal; show it as `\r`. */
export function visible(s: string): string {
  return s.replace(/\r/g, '\\r');
}
