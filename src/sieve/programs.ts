/**
 * A procmail command line as Pigeonhole's extprograms take it (vnd.dovecot.
 * pipe/filter/execute: a program name and a list of arguments, run without
 * a shell from the configured bin directory), and the formail invocations
 * the converter recognises as Sieve commands.
 */
import type { Vars } from './values.js';

/** procmail's default SHELLMETAS (procmailrc(5)): with one of these the command goes to the shell. */
const SHELLMETAS = /[&|<>~;?*[]/;

export interface ProgramArgs {
  readonly program: string;
  readonly args: readonly string[];
}

/**
 * The words of a command procmail would run without a shell. Commands that
 * need one (metacharacters, quotes, variables) are not converted: the
 * extprograms run no shell, and their programs are looked up by name.
 */
export function programArgs(command: string, vars: Vars): ProgramArgs | string {
  void vars;
  const text = command.replace(/\\\n/g, ' ').trim();
  if (text === '') return 'an empty command';
  if (SHELLMETAS.test(text)) return `"${text}" needs a shell (it has shell metacharacters); Pigeonhole's extprograms run none`;
  if (/["'`$\\]/.test(text)) return `"${text}" has quotes, variables or escapes; Pigeonhole's extprograms take plain words`;
  const words = text.split(/[ \t\n]+/);
  const program = words[0]!;
  if (program.includes('/')) return `"${program}": Pigeonhole runs programs by name from its bin directory, not by path`;
  return { program, args: words.slice(1) };
}

/** A formail invocation, split into its options (formail(1)). */
export interface Formail {
  /** Option letters with their argument (null for flags), in order. */
  readonly options: readonly { readonly letter: string; readonly arg: string | null }[];
  /** Words after the options. */
  readonly rest: readonly string[];
}

/** formail's options that take an argument. */
const FORMAIL_ARG = new Set(['a', 'A', 'i', 'I', 'u', 'U', 'x', 'X', 'R', 'n', 'p', 's', 'm', 'D', 'l']);

/**
 * Split `formail …` as sh would split it (double and single quotes), or null
 * when it is not a lone formail command. `$NAME` and `${NAME}` stay in the
 * words for expandText(); a `$` from single quotes is doubled (`$$`), which
 * expandText() reads as a literal dollar.
 */
export function parseFormail(command: string): Formail | null {
  const words: string[] = [];
  const text = command.replace(/\\\n/g, ' ').trim();
  let i = 0;
  while (i < text.length) {
    while (text[i] === ' ' || text[i] === '\t') i++;
    if (i >= text.length) break;
    let w = '';
    while (i < text.length && text[i] !== ' ' && text[i] !== '\t') {
      const c = text[i]!;
      if (c === '"' || c === "'") {
        const close = text.indexOf(c, i + 1);
        if (close < 0) return null;
        const inner = text.slice(i + 1, close);
        // Inside "…" only `$NAME`/`${NAME}` are kept (expandText() reads them); single quotes are literal.
        if (c === '"' && (/[`\\]/.test(inner) || /\$(?![A-Za-z_]|\{[A-Za-z_])/.test(inner))) return null;
        w += c === "'" && inner.includes('$') ? inner.replace(/\$/g, '$$$$') : inner;
        i = close + 1;
      } else if (c === '$' && /^\$([A-Za-z_]|\{[A-Za-z_])/.test(text.slice(i))) {
        w += c;
        i++;
      } else if (/[|&;<>`$\\()]/.test(c)) {
        return null;
      } else {
        w += c;
        i++;
      }
    }
    words.push(w);
  }
  if (words[0] !== 'formail') return null;
  const options: { letter: string; arg: string | null }[] = [];
  let k = 1;
  for (; k < words.length; k++) {
    const w = words[k]!;
    if (!w.startsWith('-') || w === '-') break;
    for (let j = 1; j < w.length; j++) {
      const letter = w[j]!;
      if (FORMAIL_ARG.has(letter)) {
        const attached = w.slice(j + 1);
        if (attached !== '') options.push({ letter, arg: attached });
        else {
          const next = words[++k];
          if (next === undefined) return null;
          options.push({ letter, arg: next });
        }
        break;
      }
      options.push({ letter, arg: null });
    }
  }
  return { options, rest: words.slice(k) };
}
