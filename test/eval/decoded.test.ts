import { describe, expect, it } from 'vitest';
import type { RecipeEvent } from '../../src/eval/trace.js';
import { runEngine } from '../helpers/scripted-answerer.js';

/** `* @decoded` in the engine: what it searches after filters, under VERBOSE, and with a trace or without. */
const ENV = { MAILDIR: '/m', DEFAULT: 'default', HOME: '/home/u', LOGNAME: 'u', SHELL: '/bin/sh' };
const utf8 = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');
const MSG = 'From: a@example.com\nSubject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\n\nbody\n';

describe('@decoded in the engine', () => {
  it('searches the message as a filter left it, not as it came', () => {
    const rc = utf8(':0 fhw\n| rewrite\n:0\n* @decoded ^Subject: Grüße\nold/\n:0\n* @decoded ^Subject: Привет\nnew/\n');
    const r = runEngine(rc, { message: MSG, env: ENV, script: { programs: { rewrite: { out: 'From: a@example.com\nSubject: =?KOI8-R?B?8NLJ18XU?=\n\n' } } } });
    expect(r.a.delivered()).toEqual(['new/']);
  });

  it('logs as a regex condition does under VERBOSE, MATCH included', () => {
    const r = runEngine(utf8('VERBOSE=on\n:0\n* @decoded ^Subject: \\/Gr....e\nhit/\n'), { message: MSG, env: ENV });
    expect(r.a.delivered()).toEqual(['hit/']);
    expect(r.a.log()).toContain(`procmail: Matched "${utf8('Grüße')}"\nprocmail: Match on "^Subject: \\/Gr....e"\n`);
  });

  it('reports what it decoded only when there is a trace to read it', () => {
    const rc = utf8(':0\n* @decoded ^Subject: Grüße\nhit/\n');
    const traced = runEngine(rc, { message: MSG, env: ENV });
    const cond = (traced.trace.find((e) => e.kind === 'recipe') as RecipeEvent).conditions[0]!;
    expect(cond.ext).toEqual({ decoded: { area: 'header', changes: [{ what: 'Subject', raw: 'Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=', decoded: 'Subject: Grüße' }] } });
    const quiet = runEngine(rc, { message: MSG, env: ENV, over: { trace: undefined } });
    expect(quiet.a.delivered()).toEqual(['hit/']);
  });

  it('an invalid regex is logged and repaired as a regex condition is', () => {
    const r = runEngine(':0\n* @decoded ^Subject: (Gr\nhit/\n', { message: MSG, env: ENV });
    expect(r.a.log()).toContain('procmail: Invalid regexp "^Subject: (Gr"\n');
    expect(r.a.delivered()).toEqual(['hit/']);
  });
});
