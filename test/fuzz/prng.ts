/**
 * A small seeded PRNG (mulberry32) and the property runner the fuzz tests
 * share. Every case derives its own seed from (base seed, case index), so a
 * failure names one seed that reproduces it alone:
 *
 *     FUZZ_SEED=<seed> FUZZ_CASES=1 npx vitest run test/fuzz/<file>
 *
 * FUZZ_SEED changes the base seed (to try other seeds locally); FUZZ_SCALE
 * multiplies the case counts (e.g. 0.1 for a quick run, 10 for a long one).
 * FUZZ_TRACE=1 writes each case's seed to stderr before it runs, for a case
 * that crashes the worker instead of failing.
 */
import { writeSync } from 'node:fs';

export class Rng {
  private s: number;
  constructor(readonly seed: number) {
    this.s = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
  /** A string of `n` random latin1 characters drawn from `alphabet` (default: every byte). */
  chars(n: number, alphabet?: string): string {
    let out = '';
    for (let i = 0; i < n; i++) out += alphabet === undefined ? String.fromCharCode(this.int(0, 255)) : alphabet[this.int(0, alphabet.length - 1)]!;
    return out;
  }
}

/** The base seed: fixed, unless FUZZ_SEED asks for another. */
export function baseSeed(fixed: number): number {
  const env = process.env.FUZZ_SEED;
  return env !== undefined && env !== '' ? Number(env) >>> 0 : fixed;
}

/** A case count scaled by FUZZ_SCALE (at least 1). FUZZ_CASES=n forces exactly n (with FUZZ_SEED, to replay one case). */
export function cases(n: number): number {
  const forced = process.env.FUZZ_CASES;
  if (forced !== undefined && forced !== '') return Math.max(1, Number(forced));
  const scale = Number(process.env.FUZZ_SCALE ?? '1');
  return Math.max(1, Math.round(n * (Number.isFinite(scale) && scale > 0 ? scale : 1)));
}

/** The seed of case `i`: case 0 uses the base seed itself, so FUZZ_SEED=<printed seed> FUZZ_CASES=1 replays it. */
export function caseSeed(base: number, i: number): number {
  return i === 0 ? base : (Math.imul(base ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(i, 0xc2b2ae35)) >>> 0;
}

/** Shows a value for a failure message: JSON keeps CR, NUL and latin1 bytes visible; long values are cut. */
export function show(value: unknown, max = 4000): string {
  // Buffers reach the replacer already turned into {type, data} by their toJSON.
  const asBuffer = (v: unknown): Buffer | null =>
    Buffer.isBuffer(v) ? v : typeof v === 'object' && v !== null && (v as { type?: unknown }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data) ? Buffer.from((v as { data: number[] }).data) : null;
  const s = JSON.stringify(value, (_k, v: unknown) => {
    const b = asBuffer(v);
    return b === null ? v : `<Buffer ${b.length} bytes: ${JSON.stringify(b.toString('latin1').slice(0, 600))}>`;
  });
  if (s === undefined) return String(value);
  // Long runs of one character (the generators' long lines) are shown as a count.
  const short = s.replace(/(.)\1{39,}/g, (run, c: string) => `${c}…×${run.length}…`);
  return short.length > max ? `${short.slice(0, max)}… (${short.length} chars)` : short;
}

interface FuzzCase<T> {
  readonly i: number;
  readonly seed: number;
  readonly rng: Rng;
  readonly input: T;
}

/** The cases of a property in order, each with its seed, a fresh Rng and the input `gen` made from it. */
function* fuzzCases<T>(name: string, fixedSeed: number, n: number, gen: (rng: Rng) => T): Generator<FuzzCase<T>> {
  const base = baseSeed(fixedSeed);
  const count = cases(n);
  for (let i = 0; i < count; i++) {
    const seed = caseSeed(base, i);
    const rng = new Rng(seed);
    const input = gen(rng);
    if (process.env.FUZZ_TRACE) writeSync(2, `${name} case ${i} seed ${seed}\n`);
    yield { i, seed, rng, input };
  }
}

/**
 * Runs `n` cases of a property: `gen` makes each input from a fresh Rng and
 * `check` tests it; any throw (assertion or crash) is re-thrown with the
 * seed and the input. Returns how many cases ran.
 */
export function forAll<T>(name: string, fixedSeed: number, n: number, gen: (rng: Rng) => T, check: (input: T, rng: Rng) => void): number {
  let ran = 0;
  for (const c of fuzzCases(name, fixedSeed, n, gen)) {
    try {
      check(c.input, c.rng);
    } catch (e) {
      throw withContext(name, c.seed, c.i, c.input, e);
    }
    ran++;
  }
  return ran;
}

/** The async variant of forAll. */
export async function forAllAsync<T>(name: string, fixedSeed: number, n: number, gen: (rng: Rng) => T, check: (input: T, rng: Rng) => Promise<void>): Promise<number> {
  let ran = 0;
  for (const c of fuzzCases(name, fixedSeed, n, gen)) {
    try {
      await check(c.input, c.rng);
    } catch (e) {
      throw withContext(name, c.seed, c.i, c.input, e);
    }
    ran++;
  }
  return ran;
}

function withContext(name: string, seed: number, i: number, input: unknown, e: unknown): Error {
  const msg = e instanceof Error ? e.message : String(e);
  const err = new Error(
    `${name}: property failed on case ${i}, seed ${seed} (replay: FUZZ_SEED=${seed} FUZZ_CASES=1)\n` +
      `input: ${show(input)}\n` +
      `failure: ${msg}`,
  );
  if (e instanceof Error && e.stack !== undefined) err.stack = `${err.message}\n--- original ---\n${e.stack}`;
  return err;
}
