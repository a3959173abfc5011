import { describe, expect, it } from 'vitest';
import { compileRc } from '../../src/compile/compile.js';
import { driveSync } from '../../src/eval/drive.js';
import { evaluate } from '../../src/eval/evaluate.js';
import { ScriptedAnswerer } from '../helpers/scripted-answerer.js';
import { forAll, type Rng } from './prng.js';

/**
 * No pattern and no message may hang delivery (docs/architecture.md §4.8), as a property:
 * messages of 1–5 MB with long lines and many `From ` lines, rc files of
 * catastrophic-backtracking conditions and weighted scoring over every
 * line. Each condition may take up to BOUND_MS on such a message (the
 * slowest measured, `(.*a){12}`, takes 2 s on 5 MB alone and up to 4 s with
 * the other test worker busy: linear, but 30 times procmail's 0.07 s), so an
 * evaluation must finish under BOUND_MS per condition and deliver the
 * message. A super-linear path blows far past it (the searchText bug below:
 * 82 s for one condition on 5 MB). Each message is evaluated twice, the
 * second time from a copy: equal text in a new string must not be slower
 * (it was quadratic in the number of scoring matches: src/eval/regex-search.ts
 * searchText).
 */

const BOUND_MS = 4_000;

const CONDITIONS = [
  '* (a+)+$',
  '* B ?? (a+)+$',
  '* (.*)*x',
  '* HB ?? (.*)*x',
  '* 1^1 ^.*$',
  '* 1^1 B ?? ^.*$',
  '* -1^1 B ?? ^From ',
  '* 2^0.5 B ?? (a|aa)+$',
  '* 1^0 B ?? ((a+)+)+b',
  '* B ?? ^\\/(a+)+',
  '* HB ?? ^(([a-z])+.)+[A-Z]([a-z])+$',
  '* B ?? (x+x+)+y',
  '* ! B ?? (.*a){12}',
  '* 9876543210^1 B ?? a',
  '* B ?? ^From .*(.*)*$',
];

function rc(rng: Rng): string {
  const out: string[] = [];
  const n = rng.int(1, 3);
  for (let i = 0; i < n; i++) {
    out.push(`:0${rng.pick(['', 'B', 'HB', 'D'])}`);
    for (let k = rng.int(1, 2); k > 0; k--) out.push(rng.pick(CONDITIONS));
    out.push(`box${i}`);
  }
  return `${out.join('\n')}\n`;
}

/** 1–5 MB: a header, then long lines of a's (with a b or not), many From_ lines, and line noise. */
function message(rng: Rng): Buffer {
  const target = rng.int(1, 5) * 1024 * 1024;
  const parts: string[] = ['From attacker  Mon Jan  1 00:00:00 2001\n', 'Subject: ', 'a'.repeat(rng.int(100, 20_000)), '\n\n'];
  let size = parts.reduce((s, p) => s + p.length, 0);
  while (size < target) {
    let line: string;
    switch (rng.int(0, 4)) {
      case 0:
        line = 'a'.repeat(rng.int(1_000, 200_000)) + rng.pick(['', 'b', '!']);
        break;
      case 1:
        line = `From ${'x'.repeat(rng.int(0, 50))} ${'a'.repeat(rng.int(0, 500))}`;
        break;
      case 2:
        line = 'x'.repeat(rng.int(1, 5_000));
        break;
      default:
        line = ('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab\n').repeat(rng.int(1, 2_000)).slice(0, -1);
    }
    parts.push(line, '\n');
    size += line.length + 1;
  }
  return Buffer.from(parts.join(''), 'latin1');
}

describe('hostile input finishes in bounded time', () => {
  it(`1–5 MB messages and backtracking conditions: each evaluation under ${BOUND_MS} ms per condition`, () => {
    const times: number[] = [];
    const n = forAll(
      'hostile',
      0x0bad0001,
      5,
      (rng) => ({ rc: rc(rng), message: message(rng), berkeley: rng.chance(0.5) }),
      ({ rc: text, message: original, berkeley }) => {
        const bound = BOUND_MS * (text.match(/^\* /gm) ?? []).length;
        for (const msg of [original, Buffer.from(original)]) {
          const a = new ScriptedAnswerer();
          const t0 = performance.now();
          const out = driveSync(
            evaluate({
              rcfiles: [compileRc(text, 'hostile.rc')],
              message: msg,
              berkeley,
              env: { DEFAULT: 'DEFAULT', LOCKEXT: '.lock', SHELLMETAS: '&|<>~;?*[', SHELL: '/bin/sh', SHELLFLAGS: '-c' },
              args: [],
              argv0: 'procmail',
              hostname: 'vm',
              pid: 1,
              tempfail: false,
              filterMode: false,
            }),
            a,
          );
          const ms = performance.now() - t0;
          times.push(ms);
          if (ms > bound) throw new Error(`evaluation took ${ms.toFixed(0)} ms on ${msg.length} bytes (bound ${bound} ms)`);
          if (out.exitCode !== 0) throw new Error(`exit ${out.exitCode}`);
          const d = a.of('deliver');
          if (d.length !== 1 || d[0]!.data.length !== msg.length) throw new Error(`delivered ${d.map((x) => `${x.folders.join(' ')}:${x.data.length}`).join(', ')}`);
        }
      },
    );
    if (process.env.FUZZ_STATS) console.log(`hostile: ${times.map((t) => t.toFixed(0)).join(' ')} ms`);
    expect(n).toBeGreaterThan(0);
  });
});
