/**
 * The text a `* @decoded REGEX` condition searches: the message decoded
 * (src/eval/mail/decoded-header.ts, src/eval/mail/decoded-body.ts) in place of the raw
 * header or body. The area follows the recipe's H and B flags as a regex
 * condition's does (procmailrc(5), "Flags" H and B): the header alone by default, the
 * text parts with B, both with HB; where the header ends is MIME's rule
 * (a CRLF message has a body too). Computed once per message (and again
 * after a filter changes it); the changes the trace shows only when there
 * is a trace.
 */
import type { Area, CompiledRecipe } from '../compile/compiled-rc.js';
import { decodedBody, mimeBodyStart } from './mail/decoded-body.js';
import { decodedHeader } from './mail/decoded-header.js';
import type { DecodedText } from './mail/decoded-text.js';
import type { State } from './state.js';

export interface DecodedArea extends DecodedText {
  /** What was searched, as the trace says it. */
  readonly name: string;
}

export function decodedArea(st: State, r: CompiledRecipe, area: Area | null): DecodedArea {
  const m = st.message;
  const explain = st.input.trace !== undefined;
  const kind = area !== null && area.kind !== 'var' ? area.kind : r.flags.B ? (r.flags.H ? 'HB' : 'B') : 'H';
  // MIME's split of header and body, which unlike procmail's knows CRLF (src/eval/mail/decoded-body.ts).
  const split = (): number => m.derived('mime-body-start', () => mimeBodyStart(m.whole));
  const iconv = st.input.charsetFallback;
  const header = (): DecodedText => m.derived(`decoded-header ${explain}`, () => decodedHeader(m.whole.slice(0, split()), explain, iconv));
  const body = (): DecodedText => m.derived(`decoded-body ${explain}`, () => decodedBody(m.whole, split(), explain, iconv));
  switch (kind) {
    case 'H':
      return { name: 'header', ...header() };
    case 'B':
      return { name: 'text parts', ...body() };
    default: {
      const h = header();
      const b = body();
      return { name: 'header and text parts', text: h.text + b.text, changes: [...h.changes, ...b.changes] };
    }
  }
}
