/**
 * The views of the engine's state handed to its collaborators: the
 * expansion context (expand.ts: `$$`, `$?`, `$=`, `$_`, `$-`, backticks;
 * docs/procmail-semantics.md §5) and the extension context (src/eval/ext-conditions.ts), whose
 * expansion runs without backticks since an extension has no request
 * channel of its own.
 */
import type { ExtContext } from './ext-context.js';
import type { Span } from '../source/span.js';
import { ask, log, originOf } from './channel.js';
import { buildCommand } from './command.js';
import { parseDoubleQuotedText } from '../syntax/word.js';
import { backtickValue, expandString } from './expand.js';
import type { ExpandEnv } from './expand.js';
import { logtext } from './logtext.js';
import { programInput } from './program-input.js';
import { logSettings, programCall, timeoutSec } from './settings.js';
import { sendmailCommand } from './sendmail.js';
import type { Origin } from './requests.js';
import type { G, State } from './state.js';

export function expandEnv(st: State, span: Span | null): ExpandEnv {
  return {
    vars: st.vars,
    args: st.args,
    special(name: string): string {
      switch (name) {
        case '$':
          return String(st.input.pid);
        case '?':
          return String(st.lastExit);
        case '=':
          return String(st.lastScore);
        case '_':
          return st.frames[st.frames.length - 1]?.file ?? st.input.rcfiles[st.rcfile]?.file ?? '';
        case '-':
          return st.vars.str('LASTFOLDER');
        case '0':
          return st.input.argv0;
        case '#':
          return String(st.args.length);
        default:
          return '';
      }
    },
    *capture(command: string, at: Span): G<string> {
      const env = expandEnv(st, at);
      const cmd = yield* buildCommand(st, command, at, env);
      const feed = { header: true, body: true, raw: false, ignoreWriteErrors: true };
      const fed = programInput(st.message.part(feed), feed);
      const a = yield* ask(st, {
        kind: 'capture',
        command: cmd,
        call: programCall(st, cmd, fed.input, fed.unterminated),
        feed,
        form: 'backtick',
        origin: originOf(span ?? at, [], 'backtick'),
        log: logSettings(st),
      });
      if (a.exitCode !== null) st.lastExit = a.exitCode;
      return backtickValue(a.output.toString('latin1'));
    },
    *bad(text: string, at: Span): G<void> {
      yield* log(st, logtext.badSubstitution(text), 'error', originOf(at, [], 'bad substitution'));
    },
  };
}

export function syntheticOrigin(st: State): Span {
  return { file: st.frames[st.frames.length - 1]?.file ?? '', line: 0, col: 0, start: 0, end: 0 };
}

export function extContext(st: State, origin: Origin): ExtContext {
  const header = st.message.header;
  const m = /^From ([^ \t\n]+)/.exec(header);
  return {
    message: st.message.part({ header: true, body: true }),
    ...(st.input.publicSuffixes !== undefined ? { publicSuffixes: st.input.publicSuffixes } : {}),
    vars: st.vars.snapshot(),
    expand: (text: string) => expandSync(st, text, origin.span),
    origin,
    envelopeSender: m ? m[1]! : '',
    log: logSettings(st),
    timeoutSec: timeoutSec(st),
    sendmail: sendmailCommand(st.internals.strings),
  };
}

/** Expansion without backticks, for extension arguments (which have no request channel of their own). */
function expandSync(st: State, text: string, span: Span | null): string {
  const env: ExpandEnv = {
    ...expandEnv(st, span),
    // eslint-disable-next-line require-yield
    *capture() {
      return '';
    },
    // eslint-disable-next-line require-yield
    *bad() {},
  };
  const g = expandString(parseDoubleQuotedText(text, span ?? syntheticOrigin(st)), env);
  const step = g.next();
  return step.done ? step.value : '';
}
