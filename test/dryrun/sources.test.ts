import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeSourceFs, readSources, resolveInputs, type SourceFs } from '../../src/dryrun/sources.js';

const MBOX =
  'From a@b  Mon Jan  1 00:00:00 2001\nSubject: one\n\nbody1\nFrom inside (not a separator)\n\n' +
  'From c@d  Mon Jan  1 00:00:00 2001\nSubject: two\n\n>From quoted\nbody2\n\n' +
  'From e@f  Mon Jan  1 00:00:00 2001\nSubject: three\n\nbody3\n';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mr-sources-'));
  writeFileSync(join(dir, 'box.mbox'), MBOX);
  writeFileSync(join(dir, 'one.eml'), 'Subject: single\n\nFrom here on it is body\n\nFrom the start of a line\n');
  writeFileSync(join(dir, 'single.mbox'), 'From x@y  Mon Jan  1 00:00:00 2001\nSubject: s\n\nb\n\n');
  for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(dir, 'md', sub), { recursive: true });
  writeFileSync(join(dir, 'md', 'cur', '100.a:2,S'), 'Subject: cur\n\n');
  writeFileSync(join(dir, 'md', 'new', '200.b'), 'Subject: new\n\n');
  writeFileSync(join(dir, 'md', 'tmp', '300.c'), 'Subject: tmp (never read)\n\n');
  mkdirSync(join(dir, 'mh'));
  for (const n of ['10', '2', '1']) writeFileSync(join(dir, 'mh', n), `Subject: mh ${n}\n\n`);
  writeFileSync(join(dir, 'mh', '.mh_sequences'), 'unseen: 1-10\n');
  mkdirSync(join(dir, 'plain', 'sub'), { recursive: true });
  writeFileSync(join(dir, 'plain', 'b.eml'), 'Subject: b\n\n');
  writeFileSync(join(dir, 'plain', 'a.txt'), 'Subject: a\n\n');
  writeFileSync(join(dir, 'plain', 'sub', 'c.eml'), 'Subject: c\n\n');
  writeFileSync(join(dir, 'plain', '.hidden'), 'Subject: hidden\n\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function read(inputs: string[], fs: SourceFs = nodeSourceFs): { id: string; text: string }[] {
  const r = resolveInputs(inputs, fs);
  expect(r.missing).toEqual([]);
  return [...readSources(r.sources, fs)].map((m) => ({ id: m.id, text: m.data.toString('latin1') }));
}

/** The real file system, but reads return at most `max` bytes, so separators straddle reads. */
function trickle(max: number, stdin?: Buffer): SourceFs {
  let stdinPos = 0;
  return {
    ...nodeSourceFs,
    read(fd, buf, off, len) {
      if (fd === 0 && stdin !== undefined) {
        const n = Math.min(len, max, stdin.length - stdinPos);
        stdin.copy(buf, off, stdinPos, stdinPos + n);
        stdinPos += n;
        return n;
      }
      return nodeSourceFs.read(fd, buf, off, Math.min(len, max));
    },
  };
}

describe('mbox splitting (formail -s conventions, bytes kept as stored)', () => {
  it('splits at a From_ line after a blank line only, keeping the blank line with the message', () => {
    const msgs = read([join(dir, 'box.mbox')]);
    expect(msgs.map((m) => m.id)).toEqual([1, 2, 3].map((n) => `${join(dir, 'box.mbox')}#${n}`));
    expect(msgs[0]!.text).toBe('From a@b  Mon Jan  1 00:00:00 2001\nSubject: one\n\nbody1\nFrom inside (not a separator)\n\n');
    expect(msgs[1]!.text).toContain('>From quoted');
    expect(msgs.map((m) => m.text).join('')).toBe(MBOX);
  });

  it('gives the same messages whatever the read size (separators straddling reads)', () => {
    const whole = read([join(dir, 'box.mbox')]);
    for (const max of [1, 2, 3, 5, 7, 13]) expect(read([join(dir, 'box.mbox')], trickle(max))).toEqual(whole);
  });

  it('names a one-message mbox by its path, and a plain file is one message even with From lines in its body', () => {
    expect(read([join(dir, 'single.mbox')]).map((m) => m.id)).toEqual([join(dir, 'single.mbox')]);
    const one = read([join(dir, 'one.eml')]);
    expect(one).toHaveLength(1);
    expect(one[0]!.text).toContain('\n\nFrom the start of a line');
  });
});

describe('folders', () => {
  it('reads a maildir: cur/ then new/, never tmp/', () => {
    expect(read([join(dir, 'md')]).map((m) => m.text)).toEqual(['Subject: cur\n\n', 'Subject: new\n\n']);
  });

  it('reads an MH folder in numeric order', () => {
    expect(read([join(dir, 'mh')]).map((m) => m.text)).toEqual(['Subject: mh 1\n\n', 'Subject: mh 2\n\n', 'Subject: mh 10\n\n']);
  });

  it('reads a plain directory recursively in name order, skipping dot-files', () => {
    expect(read([join(dir, 'plain')]).map((m) => m.text)).toEqual(['Subject: a\n\n', 'Subject: b\n\n', 'Subject: c\n\n']);
  });

  it('expands a glob', () => {
    expect(read([join(dir, 'plain', '**', '*.eml')]).map((m) => m.text)).toEqual(['Subject: b\n\n', 'Subject: c\n\n']);
  });

  it('reports what names nothing, including a glob without matches', () => {
    const r = resolveInputs([join(dir, 'nope.eml'), join(dir, 'plain', '*.none'), join(dir, 'one.eml')]);
    expect(r.missing).toEqual([join(dir, 'nope.eml'), join(dir, 'plain', '*.none')]);
    expect(r.sources).toHaveLength(1);
  });
});

describe('stdin', () => {
  it('reads - as one message or an mbox, in small reads', () => {
    const msgs = read(['-'], trickle(4, Buffer.from(MBOX, 'latin1')));
    expect(msgs.map((m) => m.id)).toEqual(['-#1', '-#2', '-#3']);
    expect(msgs.map((m) => m.text).join('')).toBe(MBOX);
    expect(read(['-'], trickle(3, Buffer.from('Subject: x\n\nbody\n')))).toEqual([{ id: '-', text: 'Subject: x\n\nbody\n' }]);
  });
});
