// The dry run's proof: every differential case runs through `mailrules test
// --json` in the case's own sandbox, and what it predicts must be what
// procmail 3.22 did (the recorded expected.txt): the exit code, the mailboxes
// that received mail (names normalised as the harness does) and the forwards.
//
// Two runs per case:
// - with --scratch, where every program runs (delivering pipes in a copy of
//   MAILDIR): the prediction must equal procmail's outcome;
// - the default one, where waited pipes are not run: the prediction must
//   equal procmail's outcome too, unless the report says it assumed a
//   program's result (`assumed: true`), which is then all it may differ by.
// A case may differ only by the files programs write (a pipe's output,
// formail's cache): known-dry-run-differences.txt names them; they are left
// out of procmail's outcome, everything else must match, and the test
// asserts procmail did write them, so an entry no longer needed fails.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSubcommandCli } from '../../src/cli/subcommand-cli.js';
import { defaultTestIo } from '../../src/cli/test-command.js';
import { capturingIo } from '../dryrun/helpers.js';
import { readGolden } from '../helpers/golden.js';
import type { MessageReport } from '../../src/dryrun/report.js';
import { CLEAN_ENV, escapeBytes, HERE, listCases, loadCase, MESSAGES_DIR, parseExpected, prepareSandbox, sandboxAssignments, stableName, type DiffCase } from './harness.mjs';

const KNOWN = path.join(HERE, 'known-dry-run-differences.txt');

function readKnown(): Map<string, { files: string[]; reason: string }> {
  const known = new Map<string, { files: string[]; reason: string }>();
  for (const raw of fs.readFileSync(KNOWN, 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\S+)\s+(\S+)\s+(.*)$/.exec(line);
    known.set(m ? m[1]! : line, { files: m ? m[2]!.split(',') : [], reason: m ? m[3]! : '' });
  }
  return known;
}

interface Fate {
  exit: string;
  mailboxes: string[];
  forwards: string[];
}

/** The file name as the harness shows it: relative to the sandbox, else under @ROOT@. */
function shown(file: string, root: string, sb: string): string {
  if (file.startsWith(`${sb}/`)) return file.slice(sb.length + 1);
  if (file.startsWith(`${root}/`)) return `@ROOT@/${file.slice(root.length + 1)}`;
  return file;
}

/** What procmail did: files it created or changed (not the logs), and its forwards. */
function recordedFate(c: DiffCase, before: Map<string, Buffer>, logs: Set<string>, root: string): Fate {
  const e = parseExpected(readGolden(c.expectedFile, { recordedBy: `node scripts/record-procmail.mjs ${c.name}` }));
  const mailboxes: string[] = [];
  for (const f of e.files) {
    if (logs.has(f.name)) continue;
    const old = before.get(f.name);
    const changed = old === undefined || f.size === null || f.size !== old.length || escapeBytes(old).split(root).join('@ROOT@') !== f.content;
    if (changed) mailboxes.push(stableName(f.name));
  }
  return { exit: e.exit, mailboxes: mailboxes.sort(), forwards: e.forwards.map((a) => a.join(' ')).sort() };
}

/** What the dry run predicts, from its JSON report. */
function predictedFate(r: MessageReport, root: string, sb: string): Fate {
  const mailboxes: string[] = [];
  const files = new Set<string>();
  const forwards: string[] = [];
  for (const d of r.deliveries) {
    // The recording sendmail keeps its arguments, not its own name; a forward
    // through another $SENDMAIL (a case may set SENDMAIL=/bin/true) runs, but
    // leaves no trace in procmail's outcome either.
    if (d.kind === 'forward' && d.argv?.[0] === `${root}/sendmail`) forwards.push(d.argv.slice(1).join(' ').split(root).join('@ROOT@'));
    if (d.kind !== 'folder' || !d.ok) continue;
    for (const f of d.folders ?? []) {
      if (f.written === false || f.type === 'null' || f.file === '|') continue;
      const name = shown(f.file, root, sb);
      // A file written twice (a `c` copy and the final delivery) is one mailbox; maildir, MH and directory deliveries are a file each.
      if (f.type === 'mbox') files.add(name);
      else mailboxes.push(stableName(f.type === 'maildir' ? name : f.type === 'directory' ? `${path.dirname(name)}/msg.@MSG@` : name));
    }
  }
  return { exit: String(r.exitCode), mailboxes: [...mailboxes, ...files].sort(), forwards: forwards.sort() };
}

/** Every regular file of the sandbox before delivery, by the name the harness shows. */
function snapshot(root: string, sb: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (dir: string): void => {
    for (const name of fs.readdirSync(dir)) {
      const p = path.join(dir, name);
      const st = fs.lstatSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) out.set(shown(p, root, sb), fs.readFileSync(p));
    }
  };
  walk(root);
  return out;
}

async function dryRun(c: DiffCase, root: string, sb: string, scratch: boolean): Promise<{ report: MessageReport; stderr: string }> {
  const messageFile = fs.existsSync(path.join(c.dir, 'message')) ? path.join(c.dir, 'message') : path.join(MESSAGES_DIR, fs.readFileSync(path.join(c.dir, 'message.ref'), 'utf8').trim());
  const argv = ['test', '--json', '--one-message', ...(scratch ? ['--scratch'] : []), ...c.args, '-m', ...c.rcargs.flatMap((a) => ['-a', a]), `${sb}/rcfile`, ...sandboxAssignments(root, sb), messageFile];
  // The user running the tests, as procmail ran as them; the harness's clean environment.
  const { io, stdout, stderr } = capturingIo({ cwd: sb, user: { ...defaultTestIo().user, tz: CLEAN_ENV.TZ }, inherited: { ...CLEAN_ENV } });
  const code = await runSubcommandCli(argv, io);
  expect(code, `${c.name}: mailrules test exited ${code}: ${stderr()}`).toBe(0);
  return { report: JSON.parse(stdout()) as MessageReport, stderr: stderr() };
}

const cases = listCases();
const known = readKnown();

describe('the dry run predicts what procmail did', () => {
  it('lists only existing cases, each with a reason', () => {
    for (const [name, k] of known) {
      expect(cases, `known-dry-run-differences.txt names unknown case ${name}`).toContain(name);
      expect(k.reason, `known-dry-run-differences.txt: ${name} needs its files and a reason`).not.toBe('');
    }
  });

  for (const name of cases) {
    it(name, { timeout: 60_000 }, async () => {
      const c = loadCase(name);
      const { root, sb, cleanup } = await prepareSandbox(c);
      try {
        const before = snapshot(root, sb);
        const k = known.get(name);
        if (k?.files[0] === 'signals') {
          // Run, the program would signal its parent: the test runner. By default it is not run, and said so.
          expect(c.rc.toString('latin1'), `${name}: listed as signalling the delivery agent`).toContain('$PPID');
          const dflt = await dryRun(c, root, sb, false);
          expect(dflt.report.assumed, `${name}: the outcome rests on a program the dry run did not run`).toBe(true);
          return;
        }
        const full = await dryRun(c, root, sb, true);
        const dflt = await dryRun(c, root, sb, false);
        const logs = new Set(['log', ...full.report.notWritten.filter((n) => n.kind === 'open-log').map((n) => shown(path.resolve(sb, n.text.replace(/^LOGFILE /, '')), root, sb))]);
        const all = recordedFate(c, before, logs, root);
        const written = k?.files ?? [];
        for (const f of written) expect(all.mailboxes, `${name}: known-dry-run-differences.txt says a program writes ${f}, but procmail's outcome has no such file: remove it`).toContain(f);
        const recorded = { ...all, mailboxes: all.mailboxes.filter((m) => !written.includes(m)) };
        const withScratch = predictedFate(full.report, root, sb);
        expect(withScratch, `${name} (--scratch): the dry run predicts otherwise than procmail did`).toEqual(recorded);
        const byDefault = predictedFate(dflt.report, root, sb);
        if (!dflt.report.assumed) expect(byDefault, `${name}: the dry run predicts otherwise than procmail did, and assumed nothing`).toEqual(recorded);
      } finally {
        cleanup();
      }
    });
  }
});
