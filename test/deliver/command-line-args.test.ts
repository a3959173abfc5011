import { describe, expect, it } from 'vitest';
import { parseLdaArgs } from '../../src/deliver/command-line-args.js';

describe('procmail option scanning (docs/procmail-semantics.md §6.1)', () => {
  it('combined flags, -f-, repeatable -a that may be empty or start with -', () => {
    const a = parseLdaArgs(['-tY', '-f-', '-a', '', '-a', '-foo', '-axyz', 'X=1', 'rc']);
    expect(a).toMatchObject({ tempfail: true, berkeley: true, from: '-', args: ['', '-foo', 'xyz'], assignments: ['X=1'], rcfiles: ['rc'] });
  });
  it('options end at the first non-option and at --', () => {
    expect(parseLdaArgs(['X=1', '-t']).tempfail).toBe(false);
    expect(parseLdaArgs(['X=1', '-t']).rcfiles).toEqual(['-t']);
    expect(parseLdaArgs(['--', '-t']).rcfiles).toEqual(['-t']);
  });
  it('-m: assignments, then the rcfile, then $1… even if they look like options', () => {
    const a = parseLdaArgs(['-a', 'ignored', '-m', 'A=1', 'test', '-t', 'B=2']);
    expect(a).toMatchObject({ filter: true, assignments: ['A=1'], rcfiles: ['test'], args: ['-t', 'B=2'], tempfail: false });
  });
  it('-d takes every remaining argument', () => {
    expect(parseLdaArgs(['-Y', '-a', 'ext', '-d', 'bob', 'alice']).recipients).toEqual(['bob', 'alice']);
    expect(parseLdaArgs(['-dbob']).recipients).toEqual(['bob']);
    expect(parseLdaArgs(['-d'])).toMatchObject({ recipients: null, warnings: ['Missing recipient'] });
  });
  it('-v, -h, unknown options, missing -f name', () => {
    expect(parseLdaArgs(['-v']).action).toBe('version');
    expect(parseLdaArgs(['-h']).action).toBe('usage');
    expect(parseLdaArgs(['-?']).action).toBe('usage');
    expect(parseLdaArgs(['-xq']).warnings).toEqual(['Unrecognised options: "xq"']);
    expect(parseLdaArgs(['-f']).warnings).toEqual(['Missing name']);
  });
  it('a - inside a word ends its options, and what follows is unrecognised (verified against procmail)', () => {
    expect(parseLdaArgs(['--tset']).warnings).toEqual(['Unrecognised options: "tset"']);
    expect(parseLdaArgs(['--tset']).tempfail).toBe(false);
    expect(parseLdaArgs(['-t--x']).warnings).toEqual(['Unrecognised options: "-x"']);
    expect(parseLdaArgs(['-t--x']).tempfail).toBe(true);
    expect(parseLdaArgs(['---']).warnings).toEqual(['Unrecognised options: "-"']);
    expect(parseLdaArgs(['--=x']).warnings).toEqual(['Unrecognised options: "=x"']);
    expect(parseLdaArgs(['-t-']).warnings).toEqual([]);
    expect(parseLdaArgs(['-Zq-x']).warnings).toEqual(['Unrecognised options: "Zqx"']);
  });
});
