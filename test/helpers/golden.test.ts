import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { golden, readGolden } from './golden.js';

describe('golden()', () => {
  let dir = '';
  const saved = process.env.UPDATE_GOLDEN;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mailrules-golden-'));
    delete process.env.UPDATE_GOLDEN;
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    if (saved === undefined) delete process.env.UPDATE_GOLDEN;
    else process.env.UPDATE_GOLDEN = saved;
  });

  it('fails on a missing golden and does not write one', () => {
    const file = join(dir, 'report.txt');
    expect(() => golden(file, 'output\n')).toThrow(/report\.txt is missing: run the test with UPDATE_GOLDEN=1/);
    expect(existsSync(file)).toBe(false);
  });

  it('passes on the same text and fails on any other', () => {
    const file = join(dir, 'report.txt');
    writeFileSync(file, 'output\n');
    golden(file, 'output\n');
    expect(() => golden(file, 'output')).toThrow(/differs from .*report\.txt/);
  });

  it('UPDATE_GOLDEN=1 writes the golden, missing or not', () => {
    process.env.UPDATE_GOLDEN = '1';
    const file = join(dir, 'sub', 'report.txt');
    golden(file, 'first\n');
    golden(file, 'second\n');
    expect(readFileSync(file, 'utf8')).toBe('second\n');
  });

  it('never rewrites a golden procmail records: UPDATE_GOLDEN=1 still fails, naming the recorder', () => {
    process.env.UPDATE_GOLDEN = '1';
    const file = join(dir, 'expected.txt');
    const recordedBy = 'node scripts/record-procmail.mjs 001-x';
    expect(() => golden(file, 'mailrules\n', { recordedBy })).toThrow(/expected\.txt is missing: record it with `node scripts\/record-procmail\.mjs 001-x`/);
    expect(existsSync(file)).toBe(false);
    writeFileSync(file, 'procmail\n');
    expect(() => golden(file, 'mailrules\n', { recordedBy, differs: 'mailrules differs from procmail' })).toThrow(/mailrules differs from procmail/);
    expect(readGolden(file, { recordedBy })).toBe('procmail\n');
  });
});
