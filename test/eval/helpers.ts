import type { EngineInput } from '../../src/eval/input.js';
import { runEngine, type EngineRun, type Script } from '../helpers/scripted-answerer.js';

/** The message the engine tests below read, as differential cases 340–348 gave it to procmail 3.22. */
export const MSG = 'From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: Hello there\nDate: Mon, 01 Jan 2001\n\nbody\n';

/** Runs `rc` on MSG with procmail's usual environment (TZ=UTC, HOST=vm), answered by `script`. */
export function runRc(rc: string, script: Script = {}, over: Partial<EngineInput> = {}): EngineRun {
  const env = { DEFAULT: 'DEFAULT', LOCKEXT: '.lock', SHELLMETAS: '&|<>~;?*[', SHELL: '/bin/sh', HOST: 'vm', TZ: 'UTC' };
  return runEngine(rc, { message: MSG, env, script, name: 'rc', over });
}
