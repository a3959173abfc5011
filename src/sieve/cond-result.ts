import type { Span } from '../source/span.js';
import type { Flags } from '../compile/compiled-rc.js';
import type { ListFiles } from './lists.js';
import type { Reason } from './report.js';
import { str, tag, type Command, type Test } from './script.js';
import type { Vars } from './values.js';

/** What translating a condition needs and gives (conditions.ts, special-conditions.ts). */
export interface CondContext {
  readonly vars: Vars;
  readonly flags: Flags;
  readonly allowPipe: boolean;
  readonly lists: ListFiles;
  /** A fresh Sieve variable name for the converter's own use. */
  temp(purpose: string): string;
}

export interface CondTest {
  readonly test: Test;
  /** Commands that must run before the test (`set :quoteregex`, `set :length`). */
  readonly prelude: readonly Command[];
  /** The regex group of the test that holds MATCH, when `\/` sets it. */
  readonly matchGroup: number | null;
  /** `\/` sets MATCH in procmail where Sieve's test cannot say to what (a body test): MATCH is unknown after the recipe. */
  readonly losesMatch?: boolean;
  readonly reasons: readonly Reason[];
}

export type CondResult = { readonly ok: true; readonly cond: CondTest } | { readonly ok: false; readonly reasons: readonly Reason[] };

/** A condition that cannot be converted, and why. */
export const fail = (code: string, message: string, span: Span): CondResult => ({ ok: false, reasons: [{ severity: 'error', code, message, span }] });

/** Pigeonhole's `string` test compares with i;octet unless told otherwise (measured), so it is always told. */
export function stringComparator(fold: boolean): ReturnType<typeof tag | typeof str>[] {
  return [tag('comparator'), str(fold ? 'i;ascii-casemap' : 'i;octet')];
}
