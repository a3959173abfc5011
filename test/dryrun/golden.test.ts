import { describe, expect, it } from 'vitest';
import { expectGolden as golden, runDry } from './helpers.js';

/**
 * Golden reports for examples/whitelist (docs/architecture.md §4.5). UPDATE_GOLDEN=1 rewrites
 * them; review the diff before committing.
 */
const EX = 'examples/whitelist';
const ARGS = [`MAILDIR=${EX}`, `${EX}/messages`];

describe('whitelist example, golden reports', () => {
  it('short text report with summary', async () => {
    const r = await runDry(`${EX}/rules.rc`, ARGS);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    golden('whitelist.txt', r.stdout);
  });

  it('--trace report', async () => {
    const r = await runDry(`${EX}/rules.rc`, ARGS, { trace: true });
    expect(r.code).toBe(0);
    golden('whitelist.trace.txt', r.stdout);
  });

  it('--json report: one schema-1 object per message', async () => {
    const r = await runDry(`${EX}/rules.rc`, ARGS, { json: true });
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(7);
    for (const l of lines) expect(JSON.parse(l)).toMatchObject({ schema: 1 });
    golden('whitelist.jsonl', r.stdout);
  });

  it('--no-exec marks the grep answer as assumed (and it then whitelists everyone it reaches)', async () => {
    const r = await runDry(`${EX}/rules.rc`, ARGS, { exec: false, json: true });
    const reports = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { message: string; destination: string; assumed: boolean; programs: { source: string }[] });
    const stranger = reports.find((x) => x.message.endsWith('04-stranger.eml'))!;
    expect(stranger.destination).toBe('backup/. + inbox/');
    expect(stranger.assumed).toBe(true);
    expect(stranger.programs[0]!.source).toBe('assumed');
    golden('whitelist.no-exec.txt', (await runDry(`${EX}/rules.rc`, ARGS, { exec: false })).stdout);
  });
});
