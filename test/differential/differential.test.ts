// Differential suite: every case in cases/ is run through the built mailrules
// LDA (dist/deliver.cjs, same procmail command line, same sandbox) and the
// normalised outcome must equal the golden recorded from real procmail 3.22
// by scripts/record-procmail.mjs (docs/procmail-semantics.md §12–§13). Goldens are committed,
// so this runs anywhere; procmail is only needed to re-record.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HERE, listCases, loadCase, runCase } from './harness.mjs';

const REPO = path.resolve(HERE, '..', '..');
const BUNDLE = path.join(REPO, 'dist', 'deliver.cjs');
const KNOWN = path.join(HERE, 'known-differences.txt');
/**
 * MAILRULES_LDA (space-separated argv) replaces the bundle, e.g.
 * MAILRULES_LDA=/usr/bin/procmail validates the goldens and the harness.
 */
const OVERRIDE = process.env.MAILRULES_LDA?.trim() ? process.env.MAILRULES_LDA.trim().split(/\s+/) : null;
const COMMAND = OVERRIDE ?? [process.execPath, BUNDLE];
const RUNNABLE = OVERRIDE !== null || fs.existsSync(BUNDLE);

/** `<case> <reason>` per line; `#` comments. */
function readKnownDifferences(): Map<string, string> {
  const known = new Map<string, string>();
  if (!fs.existsSync(KNOWN)) return known;
  for (const raw of fs.readFileSync(KNOWN, 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\S+)\s+(.*)$/.exec(line);
    known.set(m ? m[1] : line, m ? m[2] : '');
  }
  return known;
}

const cases = listCases();
const known = readKnownDifferences();

describe('differential harness', () => {
  it('has the case corpus', () => {
    expect(cases.length).toBeGreaterThanOrEqual(170);
  });

  it('lists only existing cases, each with a reason, in known-differences.txt', () => {
    for (const [name, reason] of known) {
      expect(cases, `known-differences.txt names unknown case ${name}`).toContain(name);
      expect(reason, `known-differences.txt: ${name} needs a reason`).not.toBe('');
    }
  });

  it('finds the built delivery agent', () => {
    expect(
      RUNNABLE,
      `${path.relative(REPO, BUNDLE)} is missing: run \`npm run build\` first (in CI the build runs in npm ci's prepare)`,
    ).toBe(true);
  });
});

describe.runIf(RUNNABLE).concurrent('mailrules vs procmail 3.22', () => {
  for (const name of cases) {
    it(name, { timeout: 60_000 }, async () => {
      const c = loadCase(name);
      expect(
        fs.existsSync(c.expectedFile),
        `${name}: no expected.txt; record it with \`node scripts/record-procmail.mjs ${name}\``,
      ).toBe(true);
      const expected = fs.readFileSync(c.expectedFile, 'utf8');
      const { text } = await runCase(c, COMMAND);
      const reason = known.get(name);
      if (reason !== undefined) {
        expect(
          text,
          `${name} is listed in known-differences.txt (${reason}) but now matches procmail: remove the entry`,
        ).not.toBe(expected);
      } else {
        expect(text, `${name}: mailrules differs from procmail (rc: ${path.relative(REPO, c.dir)}/rc)`).toBe(expected);
      }
    });
  }
});
