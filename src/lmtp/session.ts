import { LMTP_MAX_COMMAND_BYTES, LMTP_MAX_DATA_LINE_BYTES, LMTP_MAX_PENDING_INPUT_BYTES, LMTP_MAX_SESSION_ERRORS } from '../limits.js';
import { splitCommand } from './command-line.js';
import { DataDecoder } from './data-decoder.js';
import { isEightBit, parseEnvelopeArgument } from './envelope-address.js';
import { closingErrors, closingShutdown, closingTimeout, greeting, lhloExtensions, R } from './replies.js';
import { formatMultiline, formatReply, reply, type Reply } from './reply.js';

/**
 * One LMTP conversation (RFC 2033), as a state machine without sockets:
 * bytes go in with feed(), replies come out through SessionOutput, and
 * everything that touches the world (who a recipient is, where DATA is
 * spooled, how a message is delivered) is asked of a SessionHost. Tests
 * drive it byte by byte; the listeners (connection.ts) only move bytes.
 *
 * The rule that matters most: after DATA, exactly one reply per accepted
 * recipient, in RCPT order (RFC 2033 §4.2), each written as soon as it and
 * every earlier one are known. A failure of any kind becomes that
 * recipient's 4xx, never a missing or extra reply.
 *
 * Commands are read one line at a time, in order, however they were
 * pipelined (RFC 2920); while a delivery runs, later input waits.
 */
export interface SessionOutput {
  write(text: string): void;
  /** Closes the connection once what was written has gone out. */
  close(): void;
  /** Stop and restart reading: pipelined input waiting behind a delivery is bounded. */
  pause?(): void;
  resume?(): void;
}

/** A recipient the host accepted; it holds a delivery slot until released. */
export interface Recipient {
  /** The address as the client gave it. */
  readonly address: string;
  release(): void;
}

export type RecipientVerdict<R extends Recipient> = { readonly ok: true; readonly recipient: R } | { readonly ok: false; readonly reply: Reply };

/** Where DATA goes while it arrives. */
export interface MessageSpool<M> {
  /** Appends decoded message bytes (valid only during the call); throws when they cannot be stored (ENOSPC). */
  write(chunk: Buffer): void;
  /** The whole message, ready to deliver. */
  finish(): M;
  /** Drops what was written (the message was refused, or the client went away). */
  discard(): void;
}

export interface Transaction<R extends Recipient> {
  /** MAIL FROM's address; '' for the null sender. */
  readonly sender: string;
  readonly recipients: readonly R[];
  /** MAIL carried SMTPUTF8. */
  readonly smtputf8: boolean;
}

export interface SessionHost<R extends Recipient, M> {
  readonly hostname: string;
  /** Advertised SIZE and the largest message accepted. */
  readonly maxSize: number;
  readonly maxRecipients: number;
  /** RCPT: who the address is, and whether it may take another delivery now. */
  recipient(address: string, sender: string): RecipientVerdict<R>;
  openSpool(): MessageSpool<M>;
  /**
   * Delivers the spooled message: one promise per recipient of the
   * transaction, in the same order. The host owns `message` from here on.
   */
  deliver(tx: Transaction<R>, message: M): Promise<Reply>[];
  /** RCPT was refused by the session itself (a parameter, an implausible or 8-bit address, one recipient too many): the host's log says so. */
  refusedRecipient?(address: string, sender: string, r: Reply): void;
  /** The message was refused as a whole after DATA (too big, a line too long, the spool failed): `r` is every recipient's reply. */
  refused?(tx: Transaction<R>, size: number, r: Reply): void;
  /** --verbose: every command and reply. */
  trace?(direction: 'C' | 'S', text: string): void;
}

type Phase = 'start' | 'ready' | 'mail' | 'data' | 'delivering' | 'closed';

const LF = 0x0a;

/** An address that can be taken as one: no unquoted space or angle bracket. */
const plausible = (address: string): boolean => address.startsWith('"') || !/[\s<>]/.test(address);

export class Session<R extends Recipient, M> {
  private phase: Phase = 'start';
  private input: Buffer = Buffer.alloc(0);
  private pos = 0;
  /** Skipping the rest of an over-long command line. */
  private skipping = false;
  private out = '';
  private errors = 0;
  private sender = '';
  private smtputf8 = false;
  private recipients: R[] = [];
  private spool: MessageSpool<M> | null = null;
  private spoolFailed = false;
  private decoder: DataDecoder | null = null;
  private draining = false;
  private ended = false;
  private paused = false;

  constructor(
    private readonly host: SessionHost<R, M>,
    private readonly output: SessionOutput,
  ) {}

  /** Sends the greeting. */
  start(): void {
    this.send(greeting(this.host.hostname));
    this.flush();
  }

  /** A delivery is running: the connection must not be timed out meanwhile. */
  get busy(): boolean {
    return this.phase === 'delivering';
  }

  get closed(): boolean {
    return this.phase === 'closed';
  }

  /** Bytes from the client. */
  feed(chunk: Buffer): void {
    if (this.phase === 'closed') return;
    if (this.pos >= this.input.length) {
      this.input = chunk;
      this.pos = 0;
    } else {
      this.input = Buffer.concat([this.input.subarray(this.pos), chunk]);
      this.pos = 0;
    }
    this.pump();
  }

  /** The client closed its side (or the connection broke). */
  end(): void {
    this.ended = true;
    if (this.phase === 'delivering') return; // replies still go out if they can; close after
    this.abandon();
  }

  /** Nothing came from the client for --idle-timeout. */
  timeout(): void {
    if (this.phase === 'closed' || this.phase === 'delivering') return;
    this.closeWith(closingTimeout(this.host.hostname));
  }

  /**
   * SIGTERM: a transaction in progress goes on to its replies; then, or at
   * once when there is none, the client is told 421 and the connection closes.
   */
  drain(): void {
    this.draining = true;
    if (this.phase === 'start' || this.phase === 'ready') this.closeWith(closingShutdown(this.host.hostname));
  }

  private pump(): void {
    while (this.phase !== 'closed' && this.phase !== 'delivering' && this.pos < this.input.length) {
      if (this.phase === 'data') {
        this.dataBytes();
        continue;
      }
      const line = this.nextLine();
      if (line === null) break;
      if (line !== false) this.command(line);
    }
    if (this.phase === 'delivering' && this.input.length - this.pos > LMTP_MAX_PENDING_INPUT_BYTES && !this.paused) {
      this.paused = true;
      this.output.pause?.();
    }
    this.flush();
  }

  /**
   * The next command line without its line end; null when it has not all
   * arrived; false when an over-long line was skipped (and answered).
   */
  private nextLine(): string | null | false {
    const lf = this.input.indexOf(LF, this.pos);
    if (lf < 0) {
      if (this.input.length - this.pos >= LMTP_MAX_COMMAND_BYTES) {
        // Too long already: drop it as it comes, answer when its end arrives.
        this.skipping = true;
        this.pos = this.input.length;
      }
      return null;
    }
    const start = this.pos;
    this.pos = lf + 1;
    if (this.skipping || lf + 1 - start > LMTP_MAX_COMMAND_BYTES) {
      this.skipping = false;
      this.error(R.lineTooLong);
      return false;
    }
    return this.input.toString('latin1', start, lf);
  }

  private command(line: string): void {
    this.host.trace?.('C', line.endsWith('\r') ? line.slice(0, -1) : line);
    if (this.draining && (this.phase === 'start' || this.phase === 'ready')) {
      this.closeWith(closingShutdown(this.host.hostname));
      return;
    }
    const { verb, arg } = splitCommand(line);
    switch (verb) {
      case 'LHLO':
        return this.lhlo(arg);
      case 'MAIL':
        return this.mail(arg);
      case 'RCPT':
        return this.rcpt(arg);
      case 'DATA':
        return this.data(arg);
      case 'RSET':
        this.reset();
        return this.send(R.ok);
      case 'NOOP':
        return this.send(R.ok);
      case 'VRFY':
        return arg.trim() === '' ? this.error(R.noArguments) : this.send(R.cannotVerify);
      case 'QUIT':
        return this.closeWith(R.bye);
      case 'HELO':
      case 'EHLO':
        return this.error(R.useLhlo);
      case 'BDAT':
      case 'EXPN':
      case 'HELP':
      case 'STARTTLS':
      case 'AUTH':
      case 'ETRN':
      case 'TURN':
      case 'XFORWARD':
      case 'XCLIENT':
        return this.error(R.notImplemented);
      default:
        return this.error(R.unknownCommand);
    }
  }

  private lhlo(arg: string): void {
    const name = arg.trim();
    if (name === '' || /\s/.test(name)) return this.error(R.lhloSyntax);
    this.reset();
    this.phase = 'ready';
    this.sendRaw(formatMultiline(250, [this.host.hostname, ...lhloExtensions(this.host.maxSize)]));
  }

  private mail(arg: string): void {
    if (this.phase === 'start') return this.error(R.needLhlo);
    if (this.phase !== 'ready') return this.error(R.nestedMail);
    const parsed = parseEnvelopeArgument(arg, 'FROM:');
    if (parsed === null) return this.error(R.mailSyntax);
    let smtputf8 = false;
    for (const [key, value] of parsed.params) {
      if (key === 'SIZE') {
        if (value === null || !/^\d{1,20}$/.test(value)) return this.error(R.badParameter);
        if (Number(value) > this.host.maxSize) return this.send(R.tooBig);
      } else if (key === 'BODY') {
        // 8BITMIME (RFC 6152); BINARYMIME would need BDAT, which is not offered.
        if (value === null || !/^(7BIT|8BITMIME)$/i.test(value)) return this.error(R.badParameter);
      } else if (key === 'SMTPUTF8') {
        if (value !== null) return this.error(R.badParameter);
        smtputf8 = true;
      } else {
        return this.error(R.badParameter);
      }
    }
    if (!plausible(parsed.address)) return this.error(R.badSender);
    if (!smtputf8 && isEightBit(parsed.address)) return this.send(R.needSmtputf8);
    this.sender = parsed.address;
    this.smtputf8 = smtputf8;
    this.recipients = [];
    this.phase = 'mail';
    this.send(R.senderOk);
  }

  private rcpt(arg: string): void {
    if (this.phase === 'start') return this.error(R.needLhlo);
    if (this.phase !== 'mail') return this.error(R.needMail);
    const parsed = parseEnvelopeArgument(arg, 'TO:');
    if (parsed === null) return this.error(R.rcptSyntax);
    // No DSN is announced, so no NOTIFY or ORCPT (RFC 3461); nor anything else.
    if (parsed.params.size > 0) return this.refuseRecipient(parsed.address, R.badParameter, true);
    if (parsed.address === '' || !plausible(parsed.address)) return this.refuseRecipient(parsed.address, R.badRecipient, true);
    if (!this.smtputf8 && isEightBit(parsed.address)) return this.refuseRecipient(parsed.address, R.needSmtputf8, false);
    if (this.recipients.length >= this.host.maxRecipients) return this.refuseRecipient(parsed.address, R.tooManyRecipients, false);
    const verdict = this.host.recipient(parsed.address, this.sender);
    if (!verdict.ok) return this.send(verdict.reply);
    this.recipients.push(verdict.recipient);
    this.send(R.recipientOk);
  }

  /** A refusal of RCPT by the session: the host hears of it (its log), then the client. A hook that throws costs only its log line. */
  private refuseRecipient(address: string, r: Reply, isError: boolean): void {
    this.tellHost(() => this.host.refusedRecipient?.(address, this.sender, r));
    return isError ? this.error(r) : this.send(r);
  }

  /** Tells the host (its log) of a refusal: a hook that throws loses only its log line, never a reply. */
  private tellHost(hook: () => void): void {
    try {
      hook();
    } catch {
      // only the log line is lost; the replies go out
    }
  }

  private data(arg: string): void {
    if (arg.trim() !== '') return this.error(R.noArguments);
    if (this.phase === 'start') return this.error(R.needLhlo);
    if (this.phase !== 'mail') return this.error(R.needMail);
    if (this.recipients.length === 0) return this.error(R.noValidRecipients);
    try {
      this.spool = this.host.openSpool();
    } catch {
      return this.send(R.spoolFailed);
    }
    this.spoolFailed = false;
    this.decoder = new DataDecoder(LMTP_MAX_DATA_LINE_BYTES, this.host.maxSize);
    this.phase = 'data';
    this.send(R.startData);
  }

  /** Message bytes, up to the end-of-data line. */
  private dataBytes(): void {
    const chunk = this.pos === 0 ? this.input : this.input.subarray(this.pos);
    const r = this.decoder!.push(chunk);
    this.pos += r.consumed;
    if (r.out.length > 0 && !this.spoolFailed) {
      try {
        this.spool!.write(r.out);
      } catch {
        this.spoolFailed = true;
      }
    }
    if (r.done) this.endOfData();
  }

  private endOfData(): void {
    const decoder = this.decoder!;
    const spool = this.spool!;
    this.decoder = null;
    this.spool = null;
    const recipients = this.recipients;
    const tx: Transaction<R> = { sender: this.sender, recipients, smtputf8: this.smtputf8 };
    let refuse = decoder.tooBig ? R.tooBig : decoder.lineTooLong ? R.lineTooLongInData : this.spoolFailed ? R.spoolFailed : null;
    let message: M | null = null;
    if (refuse === null) {
      try {
        message = spool.finish();
      } catch {
        refuse = R.spoolFailed;
      }
    }
    let replies: readonly Promise<Reply>[];
    if (refuse !== null || message === null) {
      spool.discard();
      const r = refuse ?? R.spoolFailed;
      replies = recipients.map(() => Promise.resolve(r));
      this.tellHost(() => this.host.refused?.(tx, decoder.size, r));
    } else {
      try {
        replies = this.host.deliver(tx, message);
      } catch {
        replies = [];
      }
    }
    this.phase = 'delivering';
    void this.answer(recipients, replies);
  }

  /** Writes each recipient's reply in order, as soon as it and the ones before it are known. */
  private async answer(recipients: readonly R[], replies: readonly Promise<Reply>[]): Promise<void> {
    for (let i = 0; i < recipients.length; i++) {
      let r: Reply;
      try {
        r = (await replies[i]) ?? reply(451, '4.3.0', 'Temporary internal error: no delivery result');
      } catch {
        r = reply(451, '4.3.0', 'Temporary internal error');
      }
      recipients[i]!.release();
      if (this.phase === 'closed') continue;
      this.send(r);
      this.flush();
    }
    if (this.phase === 'closed') return;
    this.recipients = [];
    this.sender = '';
    this.phase = 'ready';
    if (this.draining) {
      this.closeWith(closingShutdown(this.host.hostname));
      this.flush();
      return;
    }
    if (this.paused) {
      this.paused = false;
      this.output.resume?.();
    }
    this.pump();
    if (this.ended) this.abandon();
  }

  /** RSET, LHLO, a new transaction: recipients let go, the spool dropped. */
  private reset(): void {
    for (const r of this.recipients) r.release();
    this.recipients = [];
    this.sender = '';
    this.smtputf8 = false;
    if (this.phase === 'mail') this.phase = 'ready';
  }

  /** The connection is gone: let go of whatever the transaction held. */
  private abandon(): void {
    if (this.phase !== 'closed') this.closeWith(null);
  }

  private error(r: Reply): void {
    this.send(r);
    if (++this.errors >= LMTP_MAX_SESSION_ERRORS) this.closeWith(closingErrors(this.host.hostname));
  }

  /** Says `r` (if anything) and closes, letting go of whatever the transaction held. */
  private closeWith(r: Reply | null): void {
    if (r !== null) {
      this.send(r);
      this.flush();
    }
    this.spool?.discard();
    this.spool = null;
    this.reset();
    this.phase = 'closed';
    this.output.close();
  }

  private send(r: Reply): void {
    this.sendRaw(formatReply(r));
  }

  private sendRaw(text: string): void {
    this.host.trace?.('S', text.replace(/\r\n$/, '').replace(/\r\n/g, '\n'));
    this.out += text;
  }

  private flush(): void {
    if (this.out === '') return;
    const text = this.out;
    this.out = '';
    this.output.write(text);
  }
}
