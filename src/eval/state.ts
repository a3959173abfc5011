/**
 * The engine's state: procmail's per-message globals (procmail.c: the
 * lastcond/prevcond/lastsucc bookkeeping of docs/procmail-semantics.md §2, the message,
 * the variables) and the frame stack for blocks and included rcfiles, which
 * makes the `c`-on-a-block fork a plain deep copy (blocks.ts). Every module
 * of the engine works on this one State; it holds no code.
 */
import type { CompiledRecipe, Step } from '../compile/compiled-rc.js';
import type { EngineInput } from './input.js';
import type { MessageView } from './message.js';
import type { Answer, Origin, Request } from './requests.js';
import type { SettingsCache } from './settings.js';
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
  /** Index of the rcfile in input.rcfiles being run. */
  rcfile: number;
  lastcond: boolean;
  prevcond: boolean;
  lastsucc: boolean;
  lastScore: number;
  lastExit: number;
  message: MessageView;
  delivered: boolean;
  /**
   * The last write's answer, whose `bytes` the log abstract shows (mailfold.c lastdump). Kept as the answer and
   * read only when an abstract is logged: a dry run works the size out only then.
   */
  lastWrite: Written;
  logOpen: boolean;
  globalLock: string | null;
  /** procmail's fdefault: the fall-off mailbox, emptied under -m until DEFAULT is assigned. */
  fdefault: string;
  /** Shared counters, so a forked copy and its parent share the budget. */
  readonly budget: { steps: number; includes: number };
  /** A `c`-block clone (procmail's forked child). */
  readonly clone: boolean;
  /** The resolved settings requests carry, rebuilt when they change (settings.ts). */
  settings: SettingsCache;
  /** DELIVERED was set true: procmail's parent has told the MTA "delivered" (see terminate()). */
  deliveredEarly: boolean;
  /** terminate() has begun: a signal no longer unwinds the engine (interrupt.ts). */
  ending: boolean;
  /** A delivering action on this message failed: no extension may dispose of it afterwards (src/eval/ext-conditions.ts). */
  deliveryFailed: boolean;
}

/** Something that says how many bytes a delivery wrote. */
export interface Written {
  readonly bytes: number;
}

/** Nothing written yet. */
export const NOTHING_WRITTEN: Written = { bytes: 0 };

/** 'fallback': stop here, deliver to DEFAULT/ORGMAIL, and requeue (never bounce) when that fails too. 'fork': see forks.ts. */
export type RunEnd = 'mailed' | 'eof' | 'host-mismatch' | 'limit' | 'rejected' | 'fallback' | 'interrupted' | 'fork';

export interface RunResult {
  readonly end: RunEnd;
  readonly reject?: string;
  /** With `fork`: the clone a `c` block made, for forks.ts runForks() to run before this state goes on. */
  readonly fork?: Fork;
}

/** A `c` block's clone and what its parent needs once the clone has ended (forks.ts). */
export interface Fork {
  readonly child: State;
  readonly recipe: CompiledRecipe;
  readonly items: readonly Step[];
  readonly origin: Origin;
}
