// Differential suite: every case in cases/ is run through the built mailrules
// LDA (dist/deliver.cjs of a build made from the current sources,
// test/helpers/fresh-build.ts; same procmail command line, same sandbox) and the
// normalised outcome must equal the golden recorded from real procmail 3.22
// by scripts/record-procmail.mjs (docs/procmail-semantics.md §12–§13). Goldens are committed,
// so this runs anywhere; procmail is only needed to re-record.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freshBuild } from '../helpers/fresh-build.js';
import { golden, readGolden } from '../helpers/golden.js';
import { HERE, listCases, loadCase, runCase } from './harness.mjs';

const REPO = path.resolve(HERE, '..', '..');
const KNOWN = path.join(HERE, 'known-differences.txt');
/**
 * MAILRULES_LDA (space-separated argv) replaces the bundle, e.g.
 * MAILRULES_LDA=/usr/bin/procmail validates the goldens and the harness.
 */
const OVERRIDE = process.env.MAILRULES_LDA?.trim() ? process.env.MAILRULES_LDA.trim().split(/\s+/) : null;
const COMMAND = OVERRIDE ?? [process.execPath, freshBuild().deliver];

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
});

describe.concurrent('mailrules vs procmail 3.22', () => {
  for (const name of cases) {
    it(name, { timeout: 60_000 }, async () => {
      const c = loadCase(name);
      const recordedBy = `node scripts/record-procmail.mjs ${name}`;
      const { text } = await runCase(c, COMMAND);
      const reason = known.get(name);
      if (reason !== undefined) {
        expect(
          text,
          `${name} is listed in known-differences.txt (${reason}) but now matches procmail: remove the entry`,
        ).not.toBe(readGolden(c.expectedFile, { recordedBy }));
      } else {
        golden(c.expectedFile, text, { recordedBy, differs: `${name}: mailrules differs from procmail (rc: ${path.relative(REPO, c.dir)}/rc)` });
      }
    });
  }
});
