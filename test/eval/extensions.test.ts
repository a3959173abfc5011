import { describe, expect, it } from 'vitest';
import type { Answer, Origin, Request } from '../../src/eval/requests.js';
import { extAction as compiledExtAction, replyCacheFile, replyDays } from '../../src/eval/ext-actions.js';
import { extCondition as compiledExtCondition } from '../../src/eval/ext-conditions.js';
import type { ExtContext } from '../../src/eval/ext-context.js';
import type { G } from '../../src/eval/state.js';
import { parseExtAction, parseExtCondition } from '../../src/syntax/ext-args.js';

/** A condition line as the compiler hands it to the engine: its arguments parsed once. */
function* extCondition(verb: string, args: string, c: ExtContext): G<boolean> {
  return (yield* compiledExtCondition({ kind: 'ext', verb, args, parsed: parseExtCondition(verb, args) }, c)).held;
}

/** An action line as the compiler hands it to the engine. */
function extAction(verb: string, args: string, c: ExtContext) {
  const span = { file: 'rc', line: 1, col: 1, start: 0, end: 0 };
  return compiledExtAction({ kind: 'ext', span, raw: `@${verb} ${args}`, lead: '', verb, args, parsed: parseExtAction(verb, args) }, c);
}

const origin: Origin = { span: null, conditions: [], reason: 'test' };
const MSG = [
  'From alice@example.org  Sat Nov 21 07:35:16 2026',
  'From: Alice <Alice@Example.org>',
  'To: Bob <bob@example.net>, "Team" <team@lists.example>',
  'Cc: carol@example.com (Carol)',
  'Reply-To: alice-reply@example.org',
  'Subject: hello',
  '',
  'body',
  '',
].join('\n');

function ctx(message = MSG, vars: Record<string, string> = {}, envelopeSender = 'alice@example.org'): ExtContext {
  return {
    message: Buffer.from(message, 'latin1'),
    vars: { LOGNAME: 'bob', HOST: 'host.example', MAILDIR: '/home/bob/Mail', HOME: '/home/bob', ...vars },
    expand: (t) => t.replace(/\$(\w+)/g, (_, n: string) => ({ HOME: '/home/bob' } as Record<string, string>)[n] ?? ''),
    origin,
    envelopeSender,
    log: { verbose: false, tz: null },
    timeoutSec: 0,
    sendmail: ['/usr/sbin/sendmail', '-oi'],
  };
}

/** Drive a generator, answering each request with `answer(req)`; returns the result and the requests seen. */
function run<T>(gen: Generator<Request, T, Answer>, answer: (r: Request) => Answer): { value: T; requests: Request[] } {
  const requests: Request[] = [];
  let step = gen.next();
  while (!step.done) {
    requests.push(step.value);
    step = gen.next(answer(step.value));
  }
  return { value: step.value, requests };
}

const ack: Answer = { kind: 'ack', ok: true };
const noMatch: Answer = { kind: 'lookup', matched: null, entry: null };

describe('extCondition', () => {
  it('@address asks for the addresses of the named fields, lower-cased', () => {
    const { value, requests } = run(extCondition('address', 'To,Cc in $HOME/friends', ctx()), () => ({ kind: 'lookup', matched: 'carol@example.com', entry: '*@example.com' }));
    expect(value).toBe(true);
    expect(requests).toHaveLength(1);
    const r = requests[0]!;
    expect(r.kind).toBe('lookup');
    if (r.kind !== 'lookup') return;
    expect(r.file).toBe('/home/bob/friends');
    expect(r.addresses).toEqual(['bob@example.net', 'team@lists.example', 'carol@example.com']);
  });
  it('@address is false when nothing matched, and false without asking when the fields are absent', () => {
    expect(run(extCondition('address', 'To in f', ctx()), () => noMatch).value).toBe(false);
    const none = run(extCondition('address', 'X-Nothing in f', ctx()), () => noMatch);
    expect(none.value).toBe(false);
    expect(none.requests).toHaveLength(0);
  });
  it('@sender looks at the envelope sender, From, Sender, Reply-To, Return-Path', () => {
    const { requests } = run(extCondition('sender', 'in wl', ctx(MSG, {}, '<bounces@mailer.example>')), () => noMatch);
    const r = requests[0]!;
    if (r.kind !== 'lookup') throw new Error('expected lookup');
    expect(r.addresses).toEqual(['bounces@mailer.example', 'alice@example.org', 'alice-reply@example.org']);
  });
  it('@sender falls back to the From_ line when the envelope sender is unknown', () => {
    const { requests } = run(extCondition('sender', "in 'wl'", ctx(MSG, {}, '')), () => noMatch);
    if (requests[0]!.kind !== 'lookup') throw new Error('expected lookup');
    expect(requests[0]!.addresses[0]).toBe('alice@example.org');
    expect(requests[0]!.file).toBe('wl');
  });
  it('logs a lookup error and is false', () => {
    const { value, requests } = run(extCondition('sender', 'in wl', ctx()), (r) =>
      r.kind === 'lookup' ? { kind: 'lookup', matched: null, entry: null, error: 'Couldn\'t read "wl" (ENOENT)' } : ack,
    );
    expect(value).toBe(false);
    expect(requests.map((r) => r.kind)).toEqual(['lookup', 'log']);
    if (requests[1]!.kind === 'log') expect(requests[1]!.text).toBe('procmail: Couldn\'t read "wl" (ENOENT)\n');
  });
  it('@loop compares X-Loop with LOOPID or LOGNAME@HOST, without requests', () => {
    const looped = MSG.replace('Subject: hello', 'Subject: hello\nX-Loop: bob@host.example');
    expect(run(extCondition('loop', '', ctx(looped)), () => ack)).toEqual({ value: true, requests: [] });
    expect(run(extCondition('loop', '', ctx(MSG)), () => ack).value).toBe(false);
    expect(run(extCondition('loop', '', ctx(looped, { LOOPID: 'other@x' })), () => ack).value).toBe(false);
  });
  it('a malformed condition logs and is false', () => {
    const { value, requests } = run(extCondition('address', 'From', ctx()), () => ack);
    expect(value).toBe(false);
    expect(requests[0]!.kind).toBe('log');
  });
});

describe('extAction', () => {
  it('@discard: delivered to nowhere', () => {
    expect(run(extAction('discard', '', ctx()), () => ack)).toEqual({ value: { delivered: true, reject: null, lastFolder: '/dev/null', log: ['discarded'] }, requests: [] });
  });
  it('@reject: the text for stderr', () => {
    const { value } = run(extAction('reject', '"No user $LOGNAME here"', ctx()), () => ack);
    expect(value.reject).toBe('No user  here');
    const single = run(extAction('reject', "'No user $LOGNAME here'", ctx()), () => ack);
    expect(single.value.reject).toBe('No user $LOGNAME here');
  });
  it('@bounce sends to the envelope sender', () => {
    const { value, requests } = run(extAction('bounce', '"Go away"', ctx(MSG, {}, '<alice@example.org>')), () => ack);
    expect(requests).toHaveLength(1);
    const r = requests[0]!;
    if (r.kind !== 'send') throw new Error('expected send');
    expect(r.what).toBe('bounce');
    expect(r.to).toBe('alice@example.org');
    expect(r.text).toBe('Go away');
    expect(r.data.toString('latin1')).toBe(MSG);
    expect(value).toEqual({ delivered: true, reject: null, lastFolder: '@bounce alice@example.org', log: ['sent @bounce to alice@example.org'] });
    // What composing and sending it needs is resolved here, so the answerer reads no variable.
    expect(r).toMatchObject({ sendmail: ['/usr/sbin/sendmail', '-oi'], logname: 'bob', replyFrom: null, loopId: 'bob@host.example' });
    const empty = run(extAction('bounce', '"x"', { ...ctx(MSG, { REPLYFROM: 'Bob <b@x>', LOOPID: 'l@x' }), sendmail: ['', '-oi'] }), () => ack).requests[0]!;
    expect(empty).toMatchObject({ sendmail: ['/usr/sbin/sendmail', '-oi'], replyFrom: 'Bob <b@x>', loopId: 'l@x' });
  });
  it('@bounce refused: logged, handled, nothing sent', () => {
    const { value, requests } = run(extAction('bounce', '"x"', ctx(MSG, {}, '<>')), () => ack);
    expect(requests.map((r) => r.kind)).toEqual(['log']);
    if (requests[0]!.kind === 'log') expect(requests[0]!.text).toMatch(/^procmail: Not sending @bounce: the envelope sender is empty/);
    expect(value.delivered).toBe(true);
    expect(value.lastFolder).toBe('/dev/null');
  });
  it('a failed send is not a delivery, and is logged', () => {
    const { value, requests } = run(extAction('bounce', '"x"', ctx()), (r) => (r.kind === 'send' ? { kind: 'ack', ok: false, error: '/usr/sbin/sendmail failed (exit 75)' } : ack));
    expect(value.delivered).toBe(false);
    expect(requests.map((r) => r.kind)).toEqual(['send', 'log']);
    if (requests[1]!.kind === 'log') expect(requests[1]!.text).toMatch(/Failed to send @bounce to alice@example.org: .*exit 75/);
  });
  it('@reply consults the cache, then sends', () => {
    const { value, requests } = run(extAction('reply', '< $HOME/away.txt', ctx(MSG, { REPLYDAYS: '3' })), (r) => (r.kind === 'reply-cache' ? { kind: 'reply-cache', recent: false } : ack));
    expect(requests.map((r) => r.kind)).toEqual(['reply-cache', 'send']);
    const c = requests[0]!;
    if (c.kind !== 'reply-cache') throw new Error('x');
    expect(c).toMatchObject({ file: '/home/bob/Mail/.mailrules-replies', sender: 'alice@example.org', days: 3 });
    const s = requests[1]!;
    if (s.kind !== 'send') throw new Error('x');
    expect(s).toMatchObject({ what: 'reply', to: 'alice@example.org', text: null, file: '/home/bob/away.txt' });
    expect(value.lastFolder).toBe('@reply alice@example.org');
  });
  it('@reply to a recent sender: handled, nothing sent', () => {
    const { value, requests } = run(extAction('reply', '"away"', ctx()), (r) => (r.kind === 'reply-cache' ? { kind: 'reply-cache', recent: true } : ack));
    expect(requests.map((r) => r.kind)).toEqual(['reply-cache', 'log']);
    expect(value).toMatchObject({ delivered: true, lastFolder: '/dev/null' });
  });
  it('@reply with a broken cache does not reply and is not a delivery', () => {
    const { value, requests } = run(extAction('reply', '"away"', ctx()), (r) => (r.kind === 'reply-cache' ? { kind: 'reply-cache', recent: false, error: 'timed out' } : ack));
    expect(requests.map((r) => r.kind)).toEqual(['reply-cache', 'log']);
    expect(value.delivered).toBe(false);
  });
  it('@reply refuses list mail before touching the cache', () => {
    const list = MSG.replace('Subject: hello', 'Subject: hello\nList-Id: <x.lists.example>');
    const { value, requests } = run(extAction('reply', '"away"', ctx(list)), () => ack);
    expect(requests.map((r) => r.kind)).toEqual(['log']);
    expect(value.delivered).toBe(true);
  });
  it('a malformed action fails (the message is not lost)', () => {
    const { value, requests } = run(extAction('bounce', '"oops', ctx()), () => ack);
    expect(value.delivered).toBe(false);
    expect(requests[0]!.kind).toBe('log');
  });
});

describe('settings', () => {
  it('REPLYDAYS and REPLYCACHE', () => {
    expect(replyDays({})).toBe(7);
    expect(replyDays({ REPLYDAYS: '0.5' })).toBe(0.5);
    expect(replyDays({ REPLYDAYS: 'soon' })).toBe(7);
    expect(replyCacheFile({ REPLYCACHE: 'x' })).toBe('x');
    expect(replyCacheFile({ MAILDIR: '/m/' })).toBe('/m/.mailrules-replies');
  });
});
