// Shared by the benchmarks that time whole processes side by side.
import { spawnSync } from 'node:child_process';
import { median } from './options.mjs';

/** Wall time in ms of one run of argv with `input` on stdin; throws unless it exits 0. */
export function timedRun(name, argv, env, input) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { env, input, stdio: ['pipe', 'ignore', 'pipe'], maxBuffer: 1 << 26 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${name} exited ${r.status}: ${r.stderr?.toString()}`);
  return ms;
}

/**
 * Runs `once(command)` for every command in `rounds` rounds after `warmup`
 * ones, rotating the order each round so that machine noise and cache
 * effects hit all alike; returns each command's median time by name.
 */
export function interleavedMedians(commands, rounds, warmup, once) {
  const times = new Map(commands.map((c) => [c.name, []]));
  for (let round = 0; round < warmup + rounds; round++) {
    for (let k = 0; k < commands.length; k++) {
      const c = commands[(round + k) % commands.length];
      const ms = once(c);
      if (round >= warmup) times.get(c.name).push(ms);
    }
  }
  return new Map([...times].map(([name, xs]) => [name, median(xs)]));
}
