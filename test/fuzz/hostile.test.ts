import { describe, expect, it } from 'vitest';
import { compileRc } from '../../src/compile/compile.js';
import { driveSync } from '../../src/eval/drive.js';
import { evaluate } from '../../src/eval/evaluate.js';
import { regexWork } from '../../src/eval/regex-dfa.js';
import { ScriptedAnswerer } from '../helpers/scripted-answerer.js';
import { forAll, type Rng } from './prng.js';

/**
 * No pattern and no message may hang delivery (docs/architecture.md §4.8), as a property:
 * messages of 1–5 MB with long lines and many `From ` lines, rc files of
 * catastrophic-backtracking conditions, `.*zz` (quadratic in a backtracking
 * engine on one long line), MATCH extractions and weighted scoring over
 * every line. Bounded by work, not by the clock (these machines are busy):
 *
 * - the regex matchers examine at most WORK_PER_BYTE characters per byte of
 *   the message for each condition (src/eval/regex-dfa.ts regexWork);
 * - the whole evaluation (the faster of two runs) takes at most SLOWDOWN
 *   times as long as sixteen evaluations of the message's first sixteenth,
 *   which read as many bytes (the median of three such batches), measured
 *   side by side. That also bounds what the matchers do not count:
 *   building the areas, lowercasing, the scoring loop. A quadratic path is
 *   sixteen times slower on the whole message than on the sixteenths (the
 *   searchText bug: 82 s for one condition on 5 MB).
 *
 * Each message is evaluated twice, the second time from a copy: equal text
 * in a new string must not be slower (it was quadratic in the number of
 * scoring matches: src/eval/regex-search.ts searchText).
 */

const WORK_PER_BYTE = 8;
// Half the sixteenfold a quadratic path costs: measured 1–4 on a busy machine, where a GC in the one big run weighs more than in sixteen small ones.
const SLOWDOWN = 8;
const SHARE = 16;

const CONDITIONS = [
  '* (a+)+$',
  '* B ?? (a+)+$',
  '* (.*)*x',
  '* HB ?? (.*)*x',
  '* B ?? .*zz',
  '* B ?? .*.*z[z]',
  '* B ?? [^q]*[^r]*z[z]',
  '* 1^1 ^.*$',
  '* 1^1 B ?? ^.*$',
  '* 1^1 B ?? x.*',
  '* -1^1 B ?? ^From ',
  '* 2^0.5 B ?? (a|aa)+$',
  '* 1^0 B ?? ((a+)+)+b',
  '* B ?? ^\\/(a+)+',
  '* B ?? ^^.*\\/x.*z[z]',
  '* 1^1 B ?? \\\\/x(x*y|)',
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

/** The message's first sixteenth, cut after a line. */
function share(msg: Buffer): Buffer {
  const nl = msg.indexOf(10, Math.floor(msg.length / SHARE));
  return nl < 0 ? msg : msg.subarray(0, nl + 1);
}

function evaluateOnce(text: string, msg: Buffer, berkeley: boolean): { ms: number; work: number; out: ReturnType<typeof driveSync>; a: ScriptedAnswerer } {
  const a = new ScriptedAnswerer();
  const work0 = regexWork.chars;
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
  return { ms: performance.now() - t0, work: regexWork.chars - work0, out, a };
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s[s.length >> 1]!;
}

describe('hostile input finishes in bounded work', () => {
  // The bounds are on work; the timeout only ends a hang (a quadratic path takes hours here).
  it(`1–5 MB messages and backtracking conditions: at most ${WORK_PER_BYTE} characters examined per byte and condition, time growing with the size`, { timeout: 600_000 }, () => {
    const stats: string[] = [];
    const n = forAll(
      'hostile',
      0x0bad0001,
      5,
      (rng) => ({ rc: rc(rng), message: message(rng), berkeley: rng.chance(0.5) }),
      ({ rc: text, message: original, berkeley }) => {
        const conditions = (text.match(/^\* /gm) ?? []).length;
        const small = share(original);
        // SHARE evaluations of the first sixteenth read as many bytes as one of the whole message.
        const batch = (): number => {
          let ms = 0;
          for (let k = 0; k < SHARE; k++) ms += evaluateOnce(text, small, berkeley).ms;
          return ms;
        };
        const base = median([batch(), batch(), batch()]);
        const growth = original.length / (SHARE * small.length);
        for (const copy of [false, true]) {
          // The faster of two runs: a busy machine only ever slows one down.
          const runs = [0, 1].map(() => evaluateOnce(text, copy ? Buffer.from(original) : original, berkeley));
          const { work, out, a } = runs[0]!;
          const ms = Math.min(runs[0]!.ms, runs[1]!.ms);
          const size = original.length;
          stats.push(`${(size / 1e6).toFixed(1)} MB${copy ? ' (copy)' : ''}: ${ms.toFixed(0)} ms (${SHARE} × 1/${SHARE}: ${base.toFixed(0)} ms), ${(work / size).toFixed(1)} chars/byte`);
          if (work > WORK_PER_BYTE * size * conditions) throw new Error(`the matchers examined ${work} characters of a ${size}-byte message for ${conditions} conditions`);
          if (ms > SLOWDOWN * growth * base) throw new Error(`evaluation took ${ms.toFixed(0)} ms on ${size} bytes, ${base.toFixed(0)} ms on its first ${small.length} ${SHARE} times`);
          if (out.exitCode !== 0) throw new Error(`exit ${out.exitCode}`);
          const d = a.of('deliver');
          if (d.length !== 1 || d[0]!.data.length !== size) throw new Error(`delivered ${d.map((x) => `${x.folders.join(' ')}:${x.data.length}`).join(', ')}`);
        }
      },
    );
    if (process.env.FUZZ_STATS) console.log(`hostile:\n${stats.join('\n')}`);
    expect(n).toBeGreaterThan(0);
  });
});
