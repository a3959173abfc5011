import type { Readable, Writable } from 'node:stream';
import type { Recipient, Session, SessionOutput } from './session.js';

/**
 * Binds a session to a byte stream: a socket (both directions), or stdin
 * and stdout for --stdio. Moves bytes and nothing else; the idle timer
 * runs only while the session waits for the client, never during a
 * delivery.
 */
export interface Connection<R extends Recipient, M> {
  readonly session: Session<R, M>;
  /** Resolves when the connection is over. */
  readonly done: Promise<void>;
}

export function connect<R extends Recipient, M>(
  input: Readable,
  output: Writable,
  makeSession: (out: SessionOutput) => Session<R, M>,
  idleMs: number,
  destroy: () => void,
): Connection<R, M> {
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  let timer: NodeJS.Timeout | null = null;
  let over = false;
  const end = (): void => {
    if (over) return;
    over = true;
    if (timer !== null) clearTimeout(timer);
    finish();
  };
  const out: SessionOutput = {
    write: (text) => {
      if (!output.destroyed && !output.writableEnded) output.write(text, 'latin1');
    },
    close: () => {
      if (timer !== null) clearTimeout(timer);
      if (!output.destroyed && !output.writableEnded) output.end(() => destroy());
      else destroy();
      end();
    },
    pause: () => input.pause(),
    resume: () => input.resume(),
  };
  const session = makeSession(out);
  const arm = (): void => {
    if (timer !== null) clearTimeout(timer);
    if (over) return;
    timer = setTimeout(() => {
      if (session.busy) arm();
      else session.timeout();
    }, idleMs);
    timer.unref();
  };
  input.on('data', (chunk: Buffer) => {
    arm();
    session.feed(chunk);
  });
  const gone = (): void => {
    session.end();
    if (session.closed) end();
  };
  input.on('end', gone);
  input.on('error', gone);
  output.on('error', gone);
  input.on('close', gone);
  session.start();
  arm();
  return { session, done };
}
