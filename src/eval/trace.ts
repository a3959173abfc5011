import type { DecodedChange } from './mail/decoded-text.js';
import type { Span } from '../source/span.js';
import type { Answer, Request } from './requests.js';

/**
 * What the engine did and why, in order. Dry-run prints it, VERBOSE and the
 * log abstract are derived from the same facts, so the explanation a user
 * reads is the decision the engine made.
 */
export type TraceEvent =
  | AssignEvent
  | RecipeEvent
  | RequestEvent
  | NoteEvent;

export interface AssignEvent {
  readonly kind: 'assign';
  readonly span: Span;
  readonly name: string;
  /** The expanded value, or null for an unset. */
  readonly value: string | null;
}

export interface ConditionResult {
  readonly span: Span;
  /** The condition text as written. */
  readonly text: string;
  /** After `$` expansion, when it differs. */
  readonly expanded?: string;
  /** Whether the condition held (after negation). */
  readonly held: boolean;
  /** The text the regex matched (first match), when it matched. */
  readonly matched?: string;
  /** MATCH as set by `\/`, when this condition set it. */
  readonly match?: string;
  /** Score added by this condition and running total, for weighted recipes. */
  readonly added?: number;
  readonly total?: number;
  /** Exit status of a `?` program. */
  readonly exitCode?: number | null;
  /** Set when the condition was not evaluated (an earlier one failed, or the score limit was reached). */
  readonly skipped?: boolean;
  /** What an extension condition looked at (`@decoded`, `@auth`, `authenticated`). */
  readonly ext?: ExtConditionDetail;
}

/** What an extension condition looked at and what decided it, for `mailrules test --trace` and --json. */
export interface ExtConditionDetail {
  /** `@decoded`: the text searched (`header`, `text parts`, `header and text parts`) and where decoding changed it. */
  readonly decoded?: { readonly area: string; readonly changes: readonly DecodedChange[] };
  /** `@auth`, `authenticated`: the authserv-ids trusted, the fields trusted (as written, unfolded), how many others were ignored. */
  readonly trusted?: { readonly ids: readonly string[]; readonly fields: readonly string[]; readonly ignored: number };
  /** What decided: the result `@auth` found, why a listed address did or did not count. */
  readonly notes?: readonly string[];
}

/**
 * One recipe reached by the engine. `ran` says whether its action was
 * taken; `why` is a short stable reason: `conditions held`,
 * `condition failed`, `score <= 0`, `A: previous conditions failed`,
 * `a: previous action failed`, `E: previous recipe ran`,
 * `e: previous recipe did not fail`, `missing action`.
 */
export interface RecipeEvent {
  readonly kind: 'recipe';
  readonly span: Span;
  readonly flags: string;
  readonly ran: boolean;
  readonly why: string;
  readonly conditions: readonly ConditionResult[];
  /** `$=` after this recipe. */
  readonly score: number;
  /** Nesting depth (0 at top level), for indentation in reports. */
  readonly depth: number;
}

export interface RequestEvent {
  readonly kind: 'request';
  readonly request: Request;
  readonly answer: Answer;
  /** Whether this request, once answered, delivered the message (ending processing unless `c`). */
  readonly delivering: boolean;
}

/** Anything else worth telling: include/switch, HOST mismatch, `Skipped`, limit hits. */
export interface NoteEvent {
  readonly kind: 'note';
  readonly span: Span | null;
  readonly text: string;
}
