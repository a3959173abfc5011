import { describe, expect, it } from 'vitest';
import { routeOf, suggestionFor, unknownCommand } from '../../src/cli/subcommands.js';

const none = () => false;

describe('which program bin/mailrules runs (src/cli/subcommands.ts)', () => {
  it('subcommands and the CLI options go to the CLI', () => {
    for (const a of ['check', 'test', 'help', '--help', '--version']) expect(routeOf(a, none), a).toBe('cli');
  });
  it("procmail's command lines go to the delivery agent", () => {
    for (const a of [undefined, '-d', '-t', '-a', '-m', '--', 'DEFAULT=x', '/etc/rules.rc', './rules', 'rules.rc', 'myrules', 'procmailrc']) {
      expect(routeOf(a, none), String(a)).toBe('deliver');
    }
  });
  it('a mistyped subcommand or any long option goes to the CLI, to be refused before stdin is read', () => {
    for (const a of ['chek', 'tset', 'tets', 'hepl', '--tset', '--bogus', '--hlep']) expect(routeOf(a, none), a).toBe('cli');
  });
  it('unless it is a readable file, which procmail would read as the rcfile', () => {
    expect(routeOf('chek', (w) => w === 'chek')).toBe('deliver');
    expect(routeOf('--bogus', (w) => w === '--bogus')).toBe('deliver');
  });
});

describe('suggestions', () => {
  it('one edit (or a swap) from a short name, more for long ones; options for a long option', () => {
    expect(suggestionFor('chek')).toBe('check');
    expect(suggestionFor('tset')).toBe('test');
    expect(suggestionFor('--tset')).toBe('test');
    expect(suggestionFor('--hlep')).toBe('--help');
    expect(suggestionFor('--verison')).toBe('--version');
    expect(suggestionFor('--bogus')).toBeNull();
    expect(suggestionFor('myrules')).toBeNull();
  });
  it('words the message', () => {
    expect(unknownCommand('chek')).toBe("unknown command 'chek' (did you mean check?)");
    expect(unknownCommand('--bogus')).toBe("unknown command '--bogus'");
  });
});
