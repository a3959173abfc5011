import { copyFileSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { ProgramCall } from '../eval/requests.js';
import { DRYRUN_SCRATCH_DEPTH, DRYRUN_SCRATCH_FILE_BYTES, DRYRUN_SCRATCH_TOTAL_BYTES } from '../limits.js';

/**
 * `mailrules test --scratch`: programs, delivering pipes included, run in a
 * scratch copy of the directory they would run in, so their answers are
 * real (a `formail -D 8192 msgid.cache` duplicate check sees the cache, and
 * a later message of the replay sees the IDs the earlier ones added) while
 * the files they write land in the copy. The copy is made on first use of
 * each directory and kept for the whole run, as delivery keeps its files;
 * it is removed at the end.
 *
 * What is copied: directories, and regular files up to
 * DRYRUN_SCRATCH_FILE_BYTES, DRYRUN_SCRATCH_TOTAL_BYTES in all, at most
 * DRYRUN_SCRATCH_DEPTH deep, without the messages in maildir new/, cur/ and
 * tmp/ (programs keep their state in small files; mailboxes stay where they
 * are). Variables naming the directory (MAILDIR, HOME, PWD) are pointed at
 * the copy. A program that names an absolute path elsewhere still reaches
 * it: the copy is a courtesy, not a sandbox. A pipe that runs $SENDMAIL is
 * never run: it would send mail.
 */
export class Scratch {
  private readonly copies = new Map<string, string>();
  private readonly root: string;
  private budget = DRYRUN_SCRATCH_TOTAL_BYTES;
  /** Files left out of the copies (too big, over the budget, too deep). */
  skipped = 0;

  constructor(root?: string) {
    this.root = root ?? mkdtempSync(join(tmpdir(), 'mailrules-scratch-'));
  }

  /** The copy of `dir` programs run in. */
  dirFor(dir: string): string {
    let copy = this.copies.get(dir);
    if (copy === undefined) {
      copy = join(this.root, `${this.copies.size}-${basename(dir) || 'root'}`);
      mkdirSync(copy, { recursive: true });
      this.copyTree(dir, copy, 0);
      this.copies.set(dir, copy);
    }
    return copy;
  }

  /** The call as it runs in the copy: its working directory, and every variable naming the real one (MAILDIR, HOME…) pointed at the copy. */
  callIn(call: ProgramCall, cwd: string): { call: ProgramCall; cwd: string } {
    const copy = this.dirFor(cwd);
    const real = cwd.replace(/\/+$/, '');
    const moved: Record<string, string> = {};
    for (const [k, v] of Object.entries(call.env)) moved[k] = v.replace(/\/+$/, '') === real ? copy : v;
    return { call: { ...call, env: moved }, cwd: copy };
  }

  /** Why a delivering pipe is not run even with --scratch, or null: `sendmail` is its request's SENDMAIL. */
  refuses(call: ProgramCall, sendmail: string): string | null {
    // By its path, or (in a shell's text) as the variable the shell expands.
    const runsIt = (sendmail !== '' && call.argv.some((a) => a.includes(sendmail))) || call.argv.some((a) => /\$\{?SENDMAIL\b/.test(a));
    return runsIt ? `not run with --scratch: it runs $SENDMAIL (${sendmail}), which would send mail` : null;
  }

  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
  }

  private copyTree(from: string, to: string, depth: number): void {
    let names: string[];
    try {
      names = readdirSync(from);
    } catch {
      return;
    }
    const isMaildir = ['new', 'cur', 'tmp'].every((d) => names.includes(d));
    for (const name of names) {
      const src = join(from, name);
      let st;
      try {
        st = lstatSync(src);
      } catch {
        continue;
      }
      if (st.isDirectory()) {
        mkdirSync(join(to, name), { recursive: true });
        if (isMaildir && (name === 'new' || name === 'cur' || name === 'tmp')) continue;
        if (depth + 1 < DRYRUN_SCRATCH_DEPTH) this.copyTree(src, join(to, name), depth + 1);
        else this.skipped++;
      } else if (st.isFile()) {
        if (st.size > DRYRUN_SCRATCH_FILE_BYTES || st.size > this.budget) {
          this.skipped++;
          continue;
        }
        try {
          copyFileSync(src, join(to, name));
          this.budget -= st.size;
        } catch {
          this.skipped++;
        }
      }
    }
  }
}
