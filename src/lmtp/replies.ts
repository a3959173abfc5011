import { reply, type Reply } from './reply.js';

/**
 * The session's fixed replies, worded after Postfix's and Dovecot's, with
 * the enhanced status codes of RFC 3463 (RFC 2034 for where they go).
 */
export const R = {
  ok: reply(250, '2.0.0', 'Ok'),
  senderOk: reply(250, '2.1.0', 'Ok'),
  recipientOk: reply(250, '2.1.5', 'Ok'),
  startData: reply(354, '', 'End data with <CR><LF>.<CR><LF>'),
  bye: reply(221, '2.0.0', 'Bye'),
  /** VRFY: RFC 5321 §3.5.3 allows 252 when the server will not verify but will accept. */
  cannotVerify: reply(252, '2.5.2', 'Cannot VRFY user, but will accept message and attempt delivery'),
  /** RFC 2033 §4.1: HELO and EHLO are not LMTP commands. */
  useLhlo: reply(500, '5.5.1', 'This is an LMTP server: use LHLO'),
  unknownCommand: reply(500, '5.5.2', 'Command not recognized'),
  lineTooLong: reply(500, '5.5.2', 'Line too long'),
  notImplemented: reply(502, '5.5.1', 'Command not implemented'),
  needLhlo: reply(503, '5.5.1', 'Send LHLO first'),
  needMail: reply(503, '5.5.1', 'Need MAIL command'),
  nestedMail: reply(503, '5.5.1', 'Sender already specified'),
  /** RFC 2033 §4.2: DATA after no successful RCPT MUST fail with 503. */
  noValidRecipients: reply(503, '5.5.1', 'No valid recipients'),
  lhloSyntax: reply(501, '5.5.4', 'Syntax: LHLO hostname'),
  mailSyntax: reply(501, '5.5.4', 'Syntax: MAIL FROM:<address>'),
  rcptSyntax: reply(501, '5.5.4', 'Syntax: RCPT TO:<address>'),
  noArguments: reply(501, '5.5.4', 'Syntax error: no arguments allowed'),
  badSender: reply(501, '5.1.7', 'Bad sender address syntax'),
  badRecipient: reply(501, '5.1.3', 'Bad recipient address syntax'),
  /** RFC 1869 §6: an unknown or malformed MAIL/RCPT parameter. */
  badParameter: reply(555, '5.5.4', 'Unsupported or malformed parameter'),
  /** RFC 6531 §3.5: an address that is not ASCII without SMTPUTF8 on MAIL. */
  needSmtputf8: reply(553, '5.6.7', 'Non-ASCII address requires SMTPUTF8'),
  /** RFC 1870 §6 with RFC 3463's X.3.4. */
  tooBig: reply(552, '5.3.4', 'Message size exceeds fixed limit'),
  tooManyRecipients: reply(452, '4.5.3', 'Too many recipients'),
  lineTooLongInData: reply(554, '5.6.0', 'Message has a line too long to be mail'),
  spoolFailed: reply(452, '4.3.1', 'Insufficient system storage'),
} as const;

export const greeting = (host: string): Reply => reply(220, '', `${host} LMTP mailrules ready`);
export const closingTimeout = (host: string): Reply => reply(421, '4.4.2', `${host} Timeout exceeded, closing connection`);
export const closingErrors = (host: string): Reply => reply(421, '4.7.0', `${host} Too many errors, closing connection`);
export const closingShutdown = (host: string): Reply => reply(421, '4.3.2', `${host} Service shutting down, try again later`);
export const closingBusy = (host: string): Reply => reply(421, '4.3.2', `${host} Too many connections, try again later`);

/** The LHLO reply's lines after the host name (RFC 2033 §4.1; the extensions it names). */
export function lhloExtensions(maxSize: number): string[] {
  return ['PIPELINING', '8BITMIME', 'SMTPUTF8', 'ENHANCEDSTATUSCODES', `SIZE ${maxSize}`];
}
