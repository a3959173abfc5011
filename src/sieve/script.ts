/**
 * A Sieve script as the converter builds it, and its printer (RFC 5228 §8
 * grammar: commands, tests, tagged arguments, strings and string lists).
 * Builders record the capability each construct needs, so the `require`
 * line is derived from what the script uses and never goes stale.
 *
 * Strings here are Sieve string *values*: `${name}` is a variable
 * reference (RFC 5229 §3) and `${hex:0a}` an encoded character (RFC 5228
 * §2.4.2.4). printString() adds the quoting; lit() makes a value that
 * means its text literally.
 */

export type Arg =
  | { readonly kind: 'tag'; readonly tag: string }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'list'; readonly values: readonly string[] }
  | { readonly kind: 'number'; readonly value: number };

export type Test =
  | { readonly kind: 'true' }
  | { readonly kind: 'false' }
  | { readonly kind: 'not'; readonly test: Test }
  | { readonly kind: 'allof' | 'anyof'; readonly tests: readonly Test[] }
  | { readonly kind: 'test'; readonly name: string; readonly args: readonly Arg[]; readonly requires: readonly string[] };

export type Command =
  | { readonly kind: 'if'; readonly branches: readonly { readonly test: Test; readonly body: readonly Command[] }[]; readonly otherwise: readonly Command[] | null }
  | { readonly kind: 'command'; readonly name: string; readonly args: readonly Arg[]; readonly requires: readonly string[] }
  | { readonly kind: 'comment'; readonly lines: readonly string[] }
  | { readonly kind: 'blank' };

export const TRUE: Test = { kind: 'true' };
export const FALSE: Test = { kind: 'false' };

export function tag(t: string): Arg {
  return { kind: 'tag', tag: t };
}

export function str(value: string): Arg {
  return { kind: 'string', value };
}

export function list(values: readonly string[]): Arg {
  return values.length === 1 ? { kind: 'string', value: values[0]! } : { kind: 'list', values };
}

export function num(value: number): Arg {
  return { kind: 'number', value };
}

export function test(name: string, args: readonly Arg[], requires: readonly string[] = []): Test {
  return { kind: 'test', name, args, requires };
}

export function command(name: string, args: readonly Arg[] = [], requires: readonly string[] = []): Command {
  return { kind: 'command', name, args, requires };
}

/** `set "NAME" "value"` (RFC 5229). */
export function setVar(name: string, value: string): Command {
  return command('set', [str(name), str(value)], ['variables']);
}

export function comment(...lines: string[]): Command {
  return { kind: 'comment', lines };
}

/** Lines of a recipe quoted in a comment: the first few (the rc file has the rest). */
const QUOTED_LINES = 12;

export function quoted(raw: string): string[] {
  const lines = raw.split('\n');
  const shown = lines.slice(0, QUOTED_LINES).map((l) => '  ' + l);
  return lines.length > QUOTED_LINES ? [...shown, `  ... (${lines.length - QUOTED_LINES} more lines)`] : shown;
}

export function not(t: Test): Test {
  if (t.kind === 'true') return FALSE;
  if (t.kind === 'false') return TRUE;
  if (t.kind === 'not') return t.test;
  return { kind: 'not', test: t };
}

/** allof() with the constant and single-test cases folded. */
export function allof(tests: readonly Test[]): Test {
  const kept: Test[] = [];
  for (const t of tests) {
    if (t.kind === 'false') return FALSE;
    if (t.kind === 'true') continue;
    if (t.kind === 'allof') kept.push(...t.tests);
    else kept.push(t);
  }
  if (kept.length === 0) return TRUE;
  return kept.length === 1 ? kept[0]! : { kind: 'allof', tests: kept };
}

/** anyof() with the constant and single-test cases folded. */
export function anyof(tests: readonly Test[]): Test {
  const kept: Test[] = [];
  for (const t of tests) {
    if (t.kind === 'true') return TRUE;
    if (t.kind === 'false') continue;
    if (t.kind === 'anyof') kept.push(...t.tests);
    else kept.push(t);
  }
  if (kept.length === 0) return FALSE;
  return kept.length === 1 ? kept[0]! : { kind: 'anyof', tests: kept };
}

/**
 * `if TEST { BODY }`, folding constant tests: a true test is the body
 * itself (wrapped in nothing), a false one nothing.
 */
export function ifThen(t: Test, body: readonly Command[], otherwise: readonly Command[] | null = null): Command[] {
  if (t.kind === 'true') return [...body];
  if (t.kind === 'false') return otherwise === null ? [] : [...otherwise];
  return [{ kind: 'if', branches: [{ test: t, body }], otherwise }];
}

/**
 * A Sieve string value that means `text` literally. Only `${` is special
 * in a value (RFC 5229 §3); it is written with the variable that holds a
 * dollar sign (DOLLAR_VARIABLE, set at the top of any script that needs it).
 */
export function lit(text: string): string {
  // Control characters other than tab are written as encoded characters: Sieve refuses a stray CR, and
  // reads a line break inside a quoted string as CRLF (RFC 5228 §2.4.2), where the value has a bare newline.
  return text
    .replace(/\$\{/g, '${' + DOLLAR_VARIABLE + '}{')
    .replace(/[\x00-\x08\x0a-\x1f\x7f]/g, (c) => '${hex:' + c.charCodeAt(0).toString(16).padStart(2, '0') + '}');
}

/** A message text (a vacation or reject reason): line breaks stay as they are, being CRLF in mail anyway. */
export function litText(text: string): string {
  return text.split('\n').map(lit).join('\n');
}

/** The variable the converter sets to `$` when a literal `${` must be written. */
export const DOLLAR_VARIABLE = 'mr_dollar';

/** Whether the value references any variable (so the script needs "variables"). */
export function usesVariables(value: string): boolean {
  return /\$\{(?!hex:|unicode:)[A-Za-z_0-9.]/i.test(value);
}

/** Whether the value uses an encoded character (RFC 5228 §2.4.2.4). */
export function usesEncodedCharacters(value: string): boolean {
  return /\$\{(hex|unicode):/i.test(value);
}

// ---------------------------------------------------------------------------
// Printing

/** A quoted string (RFC 5228 §2.4.2): only `"` and `\` are escaped. */
export function printString(value: string): string {
  return '"' + value.replace(/[\\"]/g, (c) => '\\' + c) + '"';
}

function printArg(a: Arg): string {
  switch (a.kind) {
    case 'tag':
      return ':' + a.tag;
    case 'string':
      return printString(a.value);
    case 'list':
      return '[' + a.values.map(printString).join(', ') + ']';
    case 'number':
      return String(a.value);
  }
}

function printArgs(args: readonly Arg[]): string {
  return args.map((a) => ' ' + printArg(a)).join('');
}

/** One test, on one line, or over several when it nests allof/anyof. */
export function printTest(t: Test, indent: string): string {
  switch (t.kind) {
    case 'true':
      return 'true';
    case 'false':
      return 'false';
    case 'not':
      return 'not ' + printTest(t.test, indent);
    case 'allof':
    case 'anyof': {
      const inner = indent + '    ';
      const parts = t.tests.map((x) => printTest(x, inner));
      const flat = `${t.kind}(${parts.join(', ')})`;
      if (flat.length + indent.length <= 100 && !flat.includes('\n')) return flat;
      return `${t.kind}(\n${parts.map((p) => inner + p).join(',\n')}\n${indent})`;
    }
    case 'test':
      return t.name + printArgs(t.args);
  }
}

export function printCommands(commands: readonly Command[], indent = ''): string {
  let out = '';
  for (const c of commands) {
    switch (c.kind) {
      case 'blank':
        out += '\n';
        break;
      case 'comment':
        for (const l of c.lines) out += `${indent}#${l === '' ? '' : ' ' + l}\n`;
        break;
      case 'command':
        out += `${indent}${c.name}${printArgs(c.args)};\n`;
        break;
      case 'if': {
        c.branches.forEach((b, i) => {
          const head = i === 0 ? `${indent}if ` : `${indent}} elsif `;
          out += `${head}${printTest(b.test, indent)} {\n`;
          out += printCommands(b.body, indent + '  ');
        });
        if (c.otherwise !== null) {
          out += `${indent}} else {\n`;
          out += printCommands(c.otherwise, indent + '  ');
        }
        out += `${indent}}\n`;
        break;
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Capabilities

/** What the script uses, in the order RFC 5228 §3.2 `require` lists them (sorted for stable output). */
export function capabilities(commands: readonly Command[]): string[] {
  const found = new Set<string>();
  const values = (args: readonly Arg[]): void => {
    for (const a of args) {
      const vs = a.kind === 'string' ? [a.value] : a.kind === 'list' ? a.values : [];
      for (const v of vs) {
        if (usesVariables(v)) found.add('variables');
        if (usesEncodedCharacters(v)) found.add('encoded-character');
      }
    }
  };
  const inTest = (t: Test): void => {
    if (t.kind === 'not') inTest(t.test);
    else if (t.kind === 'allof' || t.kind === 'anyof') t.tests.forEach(inTest);
    else if (t.kind === 'test') {
      t.requires.forEach((r) => found.add(r));
      values(t.args);
    }
  };
  const walk = (cs: readonly Command[]): void => {
    for (const c of cs) {
      if (c.kind === 'command') {
        c.requires.forEach((r) => found.add(r));
        values(c.args);
      } else if (c.kind === 'if') {
        for (const b of c.branches) {
          inTest(b.test);
          walk(b.body);
        }
        if (c.otherwise !== null) walk(c.otherwise);
      }
    }
  };
  walk(commands);
  return [...found].sort();
}

/** The whole script: a header comment, `require`, then the commands. */
export function printScript(header: readonly string[], commands: readonly Command[]): string {
  const caps = capabilities(commands);
  let out = header.map((l) => (l === '' ? '#\n' : `# ${l}\n`)).join('');
  if (caps.length > 0) out += `require [${caps.map(printString).join(', ')}];\n`;
  return out + '\n' + printCommands(commands);
}
