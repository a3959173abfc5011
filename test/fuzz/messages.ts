/**
 * Messages for the engine properties: the SpamAssassin sample corpus when it
 * is there (../shared/corpus/spamassassin), a few built-in ones otherwise,
 * and random byte strings.
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import type { Rng } from './prng.js';

export const CORPUS = join(process.cwd(), '..', 'shared', 'corpus', 'spamassassin');

const BUILT_IN = [
  'From alice@example.com  Mon Jan  1 00:00:00 2001\nFrom: Alice <alice@example.com>\nTo: bob@example.org\nSubject: hello 123\n continued\nContent-Length: 99999\n\nbody\nFrom the body\n>From quoted\n',
  'Subject: no body',
  '\n\nleading newlines\n\nbody\n',
  'From: x\r\nSubject: crlf\r\n\r\nbody\r\n',
  'X-Spam-Status: Yes\nContent-Type: multipart/mixed\n\n' + 'a'.repeat(3000) + 'b\n',
  '',
];

let cached: Buffer[] | null = null;

/** Corpus messages (empty when the corpus is absent). */
export function corpusMessages(): Buffer[] {
  if (cached !== null) return cached;
  cached = [];
  for (const sub of ['nice', 'spam']) {
    const dir = join(CORPUS, sub);
    if (!fs.existsSync(dir)) continue;
    // Files directly in the folder (the sub-folders hold plugin samples of other kinds).
    for (const f of fs.readdirSync(dir).sort()) {
      const path = join(dir, f);
      if (fs.statSync(path).isFile()) cached.push(fs.readFileSync(path));
    }
  }
  return cached;
}

export function builtInMessages(): Buffer[] {
  return BUILT_IN.map((m) => Buffer.from(m, 'latin1'));
}

/** Random bytes shaped a little like mail now and then (a header-ish start, blank lines, From_ lines). */
export function randomMessage(rng: Rng): Buffer {
  const parts: string[] = [];
  if (rng.chance(0.3)) parts.push('From someone  Thu Jan  1 00:00:00 1970\n');
  const n = rng.int(0, 12);
  for (let i = 0; i < n; i++) {
    switch (rng.int(0, 6)) {
      case 0:
        parts.push(`${rng.pick(['Subject', 'From', 'To', 'Content-Length', 'Received', 'X-Loop'])}: ${rng.chars(rng.int(0, 30))}\n`);
        break;
      case 1:
        parts.push('\n');
        break;
      case 2:
        parts.push('From ' + rng.chars(5, 'abc ') + '\n');
        break;
      case 3:
        parts.push(' continued\n');
        break;
      default:
        parts.push(rng.chars(rng.int(0, 80)));
    }
  }
  return Buffer.from(parts.join(''), 'latin1');
}
