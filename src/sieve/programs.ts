/**
 * A procmail command line as Pigeonhole's extprograms take it (vnd.dovecot.
 * pipe/filter/execute: a program name and a list of arguments, run without
 * a shell from the configured bin directory), and the formail invocations
 * the converter recognises as Sieve commands.
 */
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
export function programArgs(command: string): ProgramArgs | string {
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

/**
 * A `? command` condition whose answer Sieve can compute without running
 * anything: `true`, `false`, `test -n "$VAR"` / `test -z "$VAR"` (also as
 * `[ … ]`), `grep -q TEXT` for a fixed text (a body test, where the body
 * is what procmail feeds it), and the whitelist idiom `grep -q…F… [-e] "$VAR" FILE` (a
 * fixed string looked up in a file, whole lines with -x, ignoring case with
 * -i; grep(1)). The words are returned for the caller to build the test.
 */
export type ConditionIdiom =
  | { readonly kind: 'const'; readonly value: boolean }
  /** `grep -q TEXT` (also -F, fgrep): whether a line of the input contains TEXT, case and all. */
  | { readonly kind: 'contains'; readonly text: string }
  | { readonly kind: 'empty'; readonly variable: string; readonly empty: boolean }
  | { readonly kind: 'grep'; readonly variable: string; readonly file: string; readonly wholeLine: boolean; readonly ignoreCase: boolean };

export function conditionIdiom(command: string): ConditionIdiom | null {
  const text = command.replace(/\\\n/g, ' ').trim();
  if (text === 'true' || text === ':') return { kind: 'const', value: true };
  if (text === 'false') return { kind: 'const', value: false };
  const VAR = String.raw`"?\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?"?`;
  // `test` runs in the shell (a builtin); /usr/bin/test and /bin/test are coreutils' test, run directly: they agree on -n and -z.
  let m = new RegExp(String.raw`^(?:(?:/usr)?/bin/test|test|\[)[ \t]+-([nz])[ \t]+${VAR}(?:[ \t]+\])?$`).exec(text);
  if (m !== null && (text.startsWith('[') === text.endsWith(']'))) {
    const quoted = /"\$/.test(text);
    // Unquoted, an empty value leaves `test -n` with one argument, which is true: only the quoted form is the idiom.
    if (!quoted) return null;
    return { kind: 'empty', variable: m[2]!, empty: m[1] === 'z' };
  }
  // A fixed text: no BRE operator (`. [ ] * ^ $ \`) unless -F, and nothing the shell or procmail would read (one
  // plain word, or single-quoted); an input line containing it is a match, and none a text without newlines spans.
  m = /^(grep|fgrep)[ \t]+-([a-zA-Z]+)[ \t]+(?:([A-Za-z0-9_@%+,:=\/][A-Za-z0-9_@%+,:=\/-]*)|'([^'\\\n]+)')$/.exec(text);
  if (m !== null) {
    const flags = m[2]!;
    const fixed = m[1] === 'fgrep' || flags.includes('F');
    const word = m[3] ?? m[4]!;
    if (flags.includes('q') && /^[qF]+$/.test(flags) && (fixed || !/[.[\]*^$\\]/.test(word))) return { kind: 'contains', text: word };
    return null;
  }
  m = new RegExp(String.raw`^grep[ \t]+-([a-zA-Z]+)(?:[ \t]+-e)?[ \t]+"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?"[ \t]+([^ \t"'$\x60;|&<>]+)$`).exec(text);
  if (m !== null) {
    const flags = m[1]!;
    if (!flags.includes('q') || !flags.includes('F') || /[^qFixs]/.test(flags)) return null;
    return { kind: 'grep', variable: m[2]!, file: m[3]!, wholeLine: flags.includes('x'), ignoreCase: flags.includes('i') };
  }
  return null;
}

/**
 * The exit status of a pipe command that reads the whole message and does
 * nothing else, or null: `cat >/dev/null` alone (0) or followed by `exit N`,
 * `true`, `false` or `:` (sh(1): `exit N` exits with N modulo 256). Such a
 * command has no effect but its status, so what procmail makes of it
 * (procmailrc(5) "w": a non-zero status fails the recipe; without `w` the
 * status is not looked at) is known without running it. It must read the
 * message: a command that exits without reading may or may not make
 * procmail's write fail, which `i` decides (docs/procmail-semantics.md §2).
 * The command goes to the shell (`;` and `>` are in SHELLMETAS).
 */
export function discardingProgramExit(command: string): number | null {
  const text = command.trim();
  const m = /^cat[ \t]*>[ \t]*\/dev\/null(?:[ \t]*;[ \t]*(exit[ \t]+([0-9]{1,3})|true|false|:))?[ \t]*;?$/.exec(text);
  if (m === null) return null;
  if (m[1] === undefined || m[1] === 'true' || m[1] === ':') return 0;
  if (m[1] === 'false') return 1;
  return Number(m[2]) % 256;
}
