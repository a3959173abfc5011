import * as fs from 'node:fs';
import { join } from 'node:path';

/** ../shared/corpus (SpamAssassin's test messages), beside the repository; absent in a user's fresh clone. */
export const SHARED_CORPUS = join(__dirname, '..', '..', '..', 'shared', 'corpus');

/** Every file under the corpus (sub-folders and the mbox included), or [] when it is absent. */
export function corpusFiles(dir = SHARED_CORPUS): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...corpusFiles(p));
    else if (e.isFile() && !e.name.endsWith('.md')) out.push(p);
  }
  return out;
}

/**
 * The header fields of every message in a file (an mbox is split at its
 * From_ lines), unfolded as RFC 5322 §2.2.3 says (line breaks removed,
 * blanks kept): name and value, latin1.
 */
export function headerFields(bytes: Buffer): { name: string; value: string }[] {
  const text = bytes.toString('latin1');
  const messages = /^From /.test(text) ? text.split(/\n(?=From )/) : [text];
  const out: { name: string; value: string }[] = [];
  for (const m of messages) {
    const end = m.search(/\r?\n\r?\n/);
    const head = end < 0 ? m : m.slice(0, end);
    for (const field of head.replace(/\r?\n(?=[ \t])/g, '').split(/\r?\n/)) {
      const c = /^([\x21-\x39\x3b-\x7e]+)[ \t]*:/.exec(field);
      if (c !== null) out.push({ name: c[1]!, value: field.slice(c[0].length).replace(/\r$/, '') });
    }
  }
  return out;
}
