import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { YOUNG_SEMI_SPACE_MB } from '../../src/limits.js';
import { SUPERVISOR_YOUNG_GENERATION_FLAG } from '../../src/lmtp/supervisor-heap.js';

/**
 * The service runs under bin/mailrules' `--max-semi-space-size` (the
 * delivery agent's), and keeps its young generation at its initial size by
 * setting SUPERVISOR_YOUNG_GENERATION_FLAG at run time (src/lmtp/supervisor-heap.ts).
 * A node with those flags allocates objects of which a third survive a while,
 * as a busy service's do; its young generation's size is read afterwards.
 */
function youngGenerationAfterWork(runtimeFlag: string | null): number {
  const script = `
    const v8 = require('node:v8');
    const flag = process.argv.at(-1); if (flag) v8.setFlagsFromString(flag);
    const keep = [];
    for (let i = 0; i < 1e6; i++) { const o = { i, s: 'x' + i }; if (i % 3 === 0) keep.push(o); if (keep.length > 100000) keep.length = 0; }
    process.stdout.write(String(v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size));
  `;
  const r = spawnSync(process.execPath, [`--max-semi-space-size=${YOUNG_SEMI_SPACE_MB}`, '-e', script, '--', runtimeFlag ?? ''], { encoding: 'latin1' });
  expect(r.stderr).toBe('');
  return Number(r.stdout);
}

describe("the service's young generation", () => {
  it('stays at its initial 2 MB (two 1 MB semi-spaces) with the flag set at run time, where it grows without', () => {
    const kept = youngGenerationAfterWork(SUPERVISOR_YOUNG_GENERATION_FLAG);
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(2 * 1024 * 1024);
    expect(youngGenerationAfterWork(null)).toBeGreaterThan(4 * kept);
  });
});
