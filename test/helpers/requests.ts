/**
 * Requests for answerer tests, resolved the way the engine resolves them
 * (src/eval/settings.ts commandCall, src/eval/program-input.ts): a test
 * says what it varies (the command, the data, VERBOSE, TIMEOUT…) and gets
 * procmail's defaults for the rest.
 */
import { DEFAULT_MSGPREFIX } from '../../src/eval/defaults.js';
import { programInput, withTrailingNewline } from '../../src/eval/program-input.js';
import type {
  CaptureRequest,
  Command,
  DeliverRequest,
  Feed,
  FilterRequest,
  ForwardRequest,
  LockTiming,
  LogSettings,
  Origin,
  PipeRequest,
  ProgramCall,
  RunConditionRequest,
  SendRequest,
  TrapRequest,
  Vars,
} from '../../src/eval/requests.js';
import { commandCall } from '../../src/eval/settings.js';
import { DEFAULT_LOCKSLEEP, DEFAULT_LOCKTIMEOUT, DEFAULT_SUSPEND, DEFAULT_TIMEOUT } from '../../src/limits.js';

export const origin: Origin = { span: null, conditions: [], reason: 'test' };
export const fullFeed: Feed = { header: true, body: true, raw: false, ignoreWriteErrors: false };
export const quiet: LogSettings = { verbose: false, tz: null };
export const verbose: LogSettings = { verbose: true, tz: null };
export const defaultLock: LockTiming = { sleepSec: DEFAULT_LOCKSLEEP, timeoutSec: DEFAULT_LOCKTIMEOUT, suspendSec: DEFAULT_SUSPEND };

export const sh = (text: string): Command => ({ shell: true, text });
export const direct = (...argv: string[]): Command => ({ shell: false, text: argv.join(' '), argv });

/** The variables a test's programs see (a child's environment). */
export function vars(extra: Record<string, string> = {}): Vars {
  return { SHELL: '/bin/sh', SHELLFLAGS: '-c', PATH: '/usr/bin:/bin', LOCKEXT: '.lock', MSGPREFIX: 'msg.', ...extra };
}

export interface CallOptions {
  readonly env?: Vars;
  readonly timeoutSec?: number;
  readonly feed?: Feed;
}

/** A program call for `command` fed `data` as a recipe with `feed` would feed it. */
export function call(command: Command, data: Buffer, o: CallOptions = {}): ProgramCall {
  const fed = programInput(data, o.feed ?? fullFeed);
  return commandCall(command, o.env ?? vars(), o.timeoutSec ?? DEFAULT_TIMEOUT, fed.input, fed.unterminated);
}

export function deliverReq(folders: string[], data: Buffer, over: Partial<DeliverRequest> = {}): DeliverRequest {
  return {
    kind: 'deliver',
    folders,
    lockfile: null,
    lock: defaultLock,
    timeoutSec: DEFAULT_TIMEOUT,
    msgPrefix: DEFAULT_MSGPREFIX,
    maildir: null,
    data,
    feed: fullFeed,
    fallback: false,
    origin,
    log: quiet,
    ...over,
  };
}

type ProgramOver<R> = Partial<R> & CallOptions & { data?: Buffer };

/**
 * What every program request shares, from a test's overrides: the call (fed
 * `data`, or the override's), the feed, and the rest of the overrides.
 * `input` shapes the bytes instead of the recipe's feed (conditions, TRAP).
 */
function parts<R>(command: Command, data: Buffer, over: ProgramOver<R>, input?: (d: Buffer) => Buffer): { call: ProgramCall; feed: Feed; rest: Partial<R> } {
  const { env, timeoutSec, data: d, ...rest } = over;
  const feed = over.feed ?? fullFeed;
  const bytes = d ?? data;
  const c =
    input === undefined
      ? call(command, bytes, { feed, ...(env ? { env } : {}), ...(timeoutSec !== undefined ? { timeoutSec } : {}) })
      : commandCall(command, env ?? vars(), timeoutSec ?? DEFAULT_TIMEOUT, input(bytes));
  return { call: c, feed, rest: rest as Partial<R> };
}

const base = { origin, log: quiet } as const;

export function pipeReq(command: Command, data: Buffer, over: ProgramOver<PipeRequest> = {}): PipeRequest {
  const p = parts(command, data, over);
  const common = { lockfile: null, lock: defaultLock, maildir: null, sendmail: '/usr/sbin/sendmail' };
  return { kind: 'pipe', command, call: p.call, feed: p.feed, wait: null, quiet: false, ...common, ...base, ...p.rest };
}

export function filterReq(command: Command, data: Buffer, over: ProgramOver<FilterRequest> = {}): FilterRequest {
  const p = parts(command, data, over);
  return { kind: 'filter', command, call: p.call, data, feed: p.feed, wait: 'w', lockfile: null, lock: defaultLock, ...base, ...p.rest };
}

export function captureReq(command: Command, data: Buffer, over: ProgramOver<CaptureRequest> = {}): CaptureRequest {
  const p = parts(command, data, over);
  return { kind: 'capture', command, call: p.call, feed: p.feed, form: 'backtick', ...base, ...p.rest };
}

/** A `?` condition: the search area with the trailing newline added. */
export function conditionReq(command: Command, area: Buffer, over: ProgramOver<RunConditionRequest> = {}): RunConditionRequest {
  const p = parts(command, area, over, withTrailingNewline);
  return { kind: 'run-condition', command, call: p.call, ...base, ...p.rest };
}

export function trapReq(command: Command, data: Buffer, over: ProgramOver<TrapRequest> = {}): TrapRequest {
  const p = parts(command, data, over, withTrailingNewline);
  return { kind: 'trap', command, call: p.call, decides: false, ...base, ...p.rest };
}

/** A forward: "$SENDMAIL" $SENDMAILFLAGS addresses…, the From_ line dropped from the input. */
export function forwardReq(argv: string[], addresses: string[], data: Buffer, over: ProgramOver<ForwardRequest> = {}): ForwardRequest {
  const feed = over.feed ?? fullFeed;
  const p = parts({ shell: false, text: argv.join(' '), argv }, data, over, (d) => programInput(d, feed, true).input);
  return { kind: 'forward', call: p.call, addresses, feed, wait: null, lockfile: null, lock: defaultLock, maildir: null, ...base, ...p.rest };
}

export function sendReq(over: Partial<SendRequest> = {}): SendRequest {
  return {
    kind: 'send',
    what: 'bounce',
    to: 'sender@example.org',
    text: null,
    file: null,
    data: Buffer.alloc(0),
    sendmail: ['/usr/sbin/sendmail', '-oi'],
    logname: 'me',
    replyFrom: null,
    loopId: 'me@testhost',
    env: vars(),
    timeoutSec: DEFAULT_TIMEOUT,
    origin,
    log: quiet,
    ...over,
  };
}
