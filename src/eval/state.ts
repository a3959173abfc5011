/**
 * The engine's state: procmail's per-message globals (procmail.c: the
 * lastcond/prevcond/lastsucc bookkeeping of procmail.md §2, the message,
 * the variables) and the frame stack for blocks and included rcfiles, which
 * makes the `c`-on-a-block fork a plain deep copy (blocks.ts). Every module
 * of the engine works on this one State; it holds no code.
 */
import type { Step } from '../compile/program.js';
import type { EngineInput } from './input.js';
import type { MessageView } from './message.js';
import type { Answer, Request } from './requests.js';
import type { Internals, VarStore } from './vars.js';

export type G<T> = Generator<Request, T, Answer>;

export interface Frame {
  readonly kind: 'rc' | 'include' | 'block';
  readonly steps: readonly Step[];
  i: number;
  /** The rcfile path (`$_`) in force inside this frame. */
  readonly file: string;
  /** (prevcond, lastcond) pushed on block entry, restored at `}` (procmail.c ifstack). */
  readonly saved: { readonly prevcond: boolean; readonly lastcond: boolean } | null;
  readonly depth: number;
}

export interface State {
  readonly input: EngineInput;
  vars: VarStore;
  internals: Internals;
  args: string[];
  frames: Frame[];
  /** Index of the rcfile in input.programs being run. */
  program: number;
  lastcond: boolean;
  prevcond: boolean;
  lastsucc: boolean;
  lastScore: number;
  lastExit: number;
  message: MessageView;
  delivered: boolean;
  lastBytes: number;
  logOpen: boolean;
  globalLock: string | null;
  /** procmail's fdefault: the fall-off mailbox, emptied under -m until DEFAULT is assigned. */
  fdefault: string;
  /** Shared counters, so a forked copy and its parent share the budget. */
  readonly budget: { steps: number; includes: number };
  /** A `c`-block clone (procmail's forked child). */
  readonly clone: boolean;
  /** The VERBOSE `[pid] date` line has been logged (see log()). */
  /** DELIVERED was set true: procmail's parent has told the MTA "delivered" (see terminate()). */
  deliveredEarly: boolean;
  /** terminate() has begun: a signal no longer unwinds the engine (interrupt.ts). */
  ending: boolean;
  /** A delivering action on this message failed: no extension may dispose of it afterwards (src/ext/engine.ts). */
  deliveryFailed: boolean;
}

/** 'fallback': stop here, deliver to DEFAULT/ORGMAIL, and requeue (never bounce) when that fails too. */
export type RunEnd = 'mailed' | 'eof' | 'host-mismatch' | 'limit' | 'rejected' | 'fallback' | 'interrupted';

export interface RunResult {
  readonly end: RunEnd;
  readonly reject?: string;
}
