import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import type { Ack, LookupAnswer, LookupRequest, ReplyCacheAnswer, ReplyCacheRequest, SendRequest } from '../eval/requests.js';
import { LIST_INDEX_CACHE_SIZE, MAX_LIST_FILE_BYTES, MAX_REPLY_FILE_BYTES } from '../limits.js';
import { BoundedMap } from '../bounded-map.js';
import { buildAddressIndex, type AddressIndex } from '../eval/mail/addresslist.js';
import { parseHeader } from '../eval/mail/header.js';
import { recipientDomain } from '../eval/mail/recipient-domain.js';
import { checkAndRecord, type CacheClock, type CacheFs } from './reply-cache.js';
import { decodeBytes, decodeLatin1Text } from '../eval/mail/text.js';
import { errnoOf } from './seams.js';
import type { UniqueNames } from './unique-name.js';

/**
 * The delivery side of the extensions: how src/deliver answers 'lookup',
 * 'send' and 'reply-cache' requests. All IO comes in as parameters (docs/architecture.md §4.4),
 * shaped as subsets of src/deliver/seams.ts (DeliveryFs, Clock, SpawnFn), so
 * every failure path can be tested. Relative paths are resolved against
 * `cwd` (the answerer's current MAILDIR) when given, else the process cwd.
 *
 * Errors are returned, never thrown, and are NOT written to the log here:
 * the engine (src/eval/ext-conditions.ts, ext-actions.ts) logs them, once.
 */

function errText(e: unknown): string {
  return errnoOf(e) || (e instanceof Error ? e.message : String(e));
}

function resolvePath(path: string, cwd: string | undefined): string {
  return cwd === undefined || isAbsolute(path) ? path : resolve(cwd, path);
}

// ---------------------------------------------------------------------------
// lookup
// ---------------------------------------------------------------------------

export interface LookupFs {
  readFileSync(path: string): Buffer;
  statSync(path: string): { readonly size: number; readonly mtimeMs: number };
}

/** Compiled indexes by path, reused while the file's size and mtime are unchanged (dry-run replays). */
const indexCache = new BoundedMap<string, { size: number; mtimeMs: number; index: AddressIndex }>(LIST_INDEX_CACHE_SIZE);

function loadIndex(fs: LookupFs, path: string): AddressIndex | string {
  let st: { size: number; mtimeMs: number };
  try {
    st = fs.statSync(path);
  } catch (e) {
    return `Couldn't read "${path}" (${errText(e)})`;
  }
  if (st.size > MAX_LIST_FILE_BYTES) return `List file "${path}" is larger than ${MAX_LIST_FILE_BYTES} bytes`;
  const hit = indexCache.get(path);
  if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs) return hit.index;
  let text: string;
  try {
    text = fs.readFileSync(path).toString('latin1');
  } catch (e) {
    return `Couldn't read "${path}" (${errText(e)})`;
  }
  const index = buildAddressIndex(text);
  // Deleted first so the newest is last to go.
  indexCache.delete(path);
  indexCache.set(path, { size: st.size, mtimeMs: st.mtimeMs, index });
  return index;
}

/** Is any of `req.addresses` in the list file? An unreadable file matches nothing and says why. */
export function answerLookup(req: LookupRequest, fs: LookupFs, cwd?: string): LookupAnswer {
  const index = loadIndex(fs, resolvePath(req.file, cwd));
  if (typeof index === 'string') return { kind: 'lookup', matched: null, entry: null, error: index };
  for (const a of req.addresses) {
    const entry = index.match(a);
    if (entry !== null) return { kind: 'lookup', matched: a, entry };
  }
  return { kind: 'lookup', matched: null, entry: null };
}

// ---------------------------------------------------------------------------
// reply-cache
// ---------------------------------------------------------------------------

export async function answerReplyCache(req: ReplyCacheRequest, fs: CacheFs, clock: CacheClock, names: UniqueNames, cwd?: string): Promise<ReplyCacheAnswer> {
  const r = await checkAndRecord(fs, clock, resolvePath(req.file, cwd), req.sender, req.days, names);
  return 'error' in r ? { kind: 'reply-cache', recent: false, error: r.error } : { kind: 'reply-cache', recent: r.recent };
}

// ---------------------------------------------------------------------------
// send
// ---------------------------------------------------------------------------

export type ExtSpawn = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

export interface SendIo {
  readonly spawn: ExtSpawn;
  readonly clock: { now(): number };
  /** The node name, for the notice's origin when nothing better is known. */
  readonly hostname: string;
  /**
   * The host's fully qualified name (src/deliver/mail-host.ts): Reporting-MTA,
   * MAILER-DAEMON@host, the reply's `$LOGNAME@host`, Message-IDs. When it is
   * unknown, the recipient's domain (recipient-domain.ts), else `hostname`.
   */
  readonly mailHost?: string | null;
  /** For `@reply < FILE`; node:fs when omitted. */
  readonly fs?: { readFileSync(path: string): Buffer };
  readonly cwd?: string;
}

export interface Notice {
  /** The composed message (LF line ends). */
  readonly bytes: Buffer;
  /** The sendmail command and its arguments. */
  readonly command: string;
  readonly args: readonly string[];
}

function messageId(now: number, host: string): string {
  return `<${now.toString(36)}.${randomBytes(6).toString('hex')}.mailrules@${host}>`;
}

/**
 * Compose the bounce or reply a SendRequest asks for, and the sendmail
 * command that would send it: `$SENDMAIL $SENDMAILFLAGS -oi -f <> -- <to>`
 * (`-oi` added unless SENDMAILFLAGS has it: a notice may quote a line that
 * is a lone dot). The null
 * envelope sender (RFC 5321 §4.5.5 for DSNs, RFC 3834 §3.3 for replies)
 * means nothing ever answers our notice; nodemailer's own sendmail transport
 * would drop `-f` instead (docs/node-runtime.md §7.1, §12.11), so we spawn ourselves.
 * Dry-run can call this to show the notice without sending it.
 */
export async function composeNotice(req: SendRequest, io: Omit<SendIo, 'spawn'>): Promise<Notice | { error: string }> {
  const header = parseHeader(req.data);
  const logname = req.logname;
  const host = io.mailHost || recipientDomain(header, logname) || io.hostname;
  const now = io.clock.now();
  const date = new Date(now);
  const id = req.loopId;
  const [command = '', ...flags] = req.sendmail;
  const args = [...flags, ...(flags.includes('-oi') ? [] : ['-oi']), '-f', '<>', '--', req.to];
  try {
    if (req.what === 'bounce') {
      const { composeDsn } = await import('./compose-dsn.js');
      const bytes = await composeDsn({
        to: req.to,
        text: req.text ?? '',
        originalHeader: header.text,
        host,
        finalRecipient: `${logname}@${host}`,
        date,
        messageId: messageId(now, host),
        loopId: id,
      });
      return { bytes, command, args };
    }
    let body: string;
    if (req.file !== null) {
      const path = resolvePath(req.file, io.cwd);
      let buf: Buffer;
      try {
        buf = (io.fs ?? (require('node:fs') as typeof import('node:fs'))).readFileSync(path);
      } catch (e) {
        return { error: `Couldn't read "${req.file}" (${errText(e)})` };
      }
      if (buf.length > MAX_REPLY_FILE_BYTES) return { error: `Reply file "${req.file}" is larger than ${MAX_REPLY_FILE_BYTES} bytes` };
      body = decodeBytes(buf);
    } else body = decodeLatin1Text(req.text ?? '');
    const { composeReply } = await import('./compose-reply.js');
    const bytes = await composeReply({
      from: req.replyFrom ?? `${logname}@${host}`,
      to: req.to,
      original: header,
      body,
      date,
      messageId: messageId(now, host),
      loopId: id,
    });
    return { bytes, command, args };
  } catch (e) {
    return { error: `cannot compose the ${req.what}: ${errText(e)}` };
  }
}

/** Run sendmail with the notice on stdin; exit 0 is success. */
export function runSendmail(spawn: ExtSpawn, notice: Notice, env: Readonly<Record<string, string>>, timeoutMs: number): Promise<{ ok: true } | { ok: false; error: string }> {
  return new Promise((done) => {
    let child: ChildProcess;
    try {
      child = spawn(notice.command, notice.args, { stdio: ['pipe', 'ignore', 'pipe'], env: { ...env } });
    } catch (e) {
      done({ ok: false, error: `cannot run ${notice.command}: ${errText(e)}` });
      return;
    }
    let stderr = '';
    let settled = false;
    const finish = (r: { ok: true } | { ok: false; error: string }): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      done(r);
    };
    // procmail's TIMEOUT: a hung sendmail must not hang delivery.
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      finish({ ok: false, error: `${notice.command} timed out` });
    }, timeoutMs);
    child.stderr?.on('data', (d: Buffer) => {
      if (stderr.length < 2048) stderr += d.toString('latin1');
    });
    child.on('error', (e) => finish({ ok: false, error: `cannot run ${notice.command}: ${errText(e)}` }));
    child.on('close', (code, signal) => {
      if (code === 0) finish({ ok: true });
      else {
        const why = code === null ? `killed by ${signal}` : `exit ${code}`;
        const detail = stderr.trim() === '' ? '' : `: ${stderr.trim().split('\n')[0]}`;
        finish({ ok: false, error: `${notice.command} failed (${why})${detail}` });
      }
    });
    child.stdin?.on('error', () => {
      // EPIPE when sendmail exits early; its exit status says what happened.
    });
    child.stdin?.end(notice.bytes);
  });
}

/** Compose and send. Never throws; failures come back as `ok: false` with the reason. */
export async function answerSend(req: SendRequest, io: SendIo): Promise<Ack> {
  const notice = await composeNotice(req, io);
  if ('error' in notice) return { kind: 'ack', ok: false, error: notice.error };
  const r = await runSendmail(io.spawn, notice, req.env, req.timeoutSec * 1000);
  return r.ok ? { kind: 'ack', ok: true } : { kind: 'ack', ok: false, error: r.error };
}
