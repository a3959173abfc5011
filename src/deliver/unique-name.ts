import { ultoan } from './ultoan.js';
import { UNIQUE_SERIAL_COUNT } from '../limits.js';

/**
 * procmail's process-wide serial for unique file names (exopen.c:unique),
 * shared by lockfile temp names and maildir names, so it cycles 0–3.
 */
export class UniqueNames {
  private serial = 0;

  constructor(
    private readonly pid: number,
    private readonly hostname: string,
  ) {}

  next(): number {
    const s = this.serial;
    this.serial = (this.serial + 1) % UNIQUE_SERIAL_COUNT;
    return s;
  }

  /** Temp-file name `_<ultoan(pid)><one of .,+%><ultoan(time)>.<host>` (docs/procmail-semantics.md §7.4). */
  tempName(nowSeconds: number): string {
    return `_${ultoan(this.pid)}${'.,+%'[this.next()]}${ultoan(nowSeconds)}.${this.hostname}`;
  }

  /** Maildir name `<time>.<pid>_<serial>.<host>`, with `/`, `:` and `\` in the host as \ooo (docs/procmail-semantics.md §7.3). */
  maildirName(nowSeconds: number): string {
    return `${nowSeconds}.${this.pid}_${this.next()}.${maildirHost(this.hostname)}`;
  }
}

export function maildirHost(host: string): string {
  return host.replace(/[/:\\]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
}
