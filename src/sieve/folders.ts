/**
 * procmail folders → Sieve mailbox names (RFC 5228 §4.1 fileinto).
 *
 * procmail names a folder by its path: `dir/` is a maildir, `dir/.` an MH
 * folder, anything else an mbox file or a directory, relative to MAILDIR
 * (procmailrc(5) "MAILDIR", procmail(1) "Mailbox formats"). A Dovecot mailbox is
 * a name in a hierarchy, so the path loses its type marks (the trailing `/`
 * or `/.`), `./` in front, and the dot of a Maildir++ folder (`.Lists.work/`,
 * whose own dots separate levels); the path's levels are joined with the
 * hierarchy separator the user's Dovecot namespace uses (`/` or `.`).
 * `/dev/null` is discard, and an empty name (MAILDIR itself) is the INBOX.
 */
import type { Piece, Template } from './values.js';

export type Separator = '/' | '.';

export type Mailbox =
  | { readonly kind: 'mailbox'; readonly name: Template; readonly problem: string | null }
  | { readonly kind: 'inbox' }
  | { readonly kind: 'discard' };

/** One path, relative to MAILDIR already, as a mailbox. */
export function mailboxOf(path: Template, sep: Separator): Mailbox {
  if (path.length === 1 && 'text' in path[0]! && path[0].text === '/dev/null') return { kind: 'discard' };
  // Components: lists of pieces between slashes.
  const components: Piece[][] = [[]];
  for (const p of path) {
    if ('variable' in p) {
      components[components.length - 1]!.push(p);
      continue;
    }
    const segs = p.text.split('/');
    segs.forEach((s, i) => {
      if (i > 0) components.push([]);
      if (s !== '') components[components.length - 1]!.push({ text: s });
    });
  }
  const levels: Piece[][] = [];
  let problem: string | null = null;
  for (const c of components) {
    if (c.length === 0) continue;
    const head = c[0]!;
    if (c.length === 1 && 'text' in head && head.text === '.') continue;
    if (c.length === 1 && 'text' in head && head.text === '..') {
      problem ??= '".." in the folder path';
      continue;
    }
    if ('text' in head && head.text.startsWith('.') && head.text.length > 1) {
      // Maildir++: `.a.b` is a, then b.
      const parts: Piece[][] = [[]];
      const rest: Piece[] = [{ text: head.text.slice(1) }, ...c.slice(1)];
      for (const p of rest) {
        if ('variable' in p) parts[parts.length - 1]!.push(p);
        else
          p.text.split('.').forEach((s, i) => {
            if (i > 0) parts.push([]);
            if (s !== '') parts[parts.length - 1]!.push({ text: s });
          });
      }
      levels.push(...parts.filter((x) => x.length > 0));
      continue;
    }
    levels.push(c);
  }
  if (levels.length === 0) return { kind: 'inbox' };
  const name: Piece[] = [];
  levels.forEach((l, i) => {
    if (i > 0) appendText(name, sep);
    for (const p of l) {
      if ('text' in p) {
        if (sep === '.' && p.text.includes('.')) problem ??= `the folder name "${p.text}" contains the hierarchy separator "."`;
        appendText(name, p.text);
      } else name.push(p);
    }
  });
  return { kind: 'mailbox', name, problem };
}

function appendText(out: Piece[], text: string): void {
  const last = out[out.length - 1];
  if (last !== undefined && 'text' in last) out[out.length - 1] = { text: last.text + text };
  else out.push({ text });
}

/**
 * A delivered folder's path as `mailrules test` reports it (expanded) →
 * the mailbox name the converted script files into, or `INBOX`; null for
 * /dev/null. What the proof compares.
 */
export function mailboxForPath(path: string, maildir: string | null, sep: Separator): string | null {
  let rel = path;
  if (maildir !== null && maildir !== '') {
    const base = maildir.replace(/\/+$/, '') + '/';
    if (rel.startsWith(base)) rel = rel.slice(base.length);
  }
  const m = mailboxOf([{ text: rel }], sep);
  if (m.kind === 'discard') return null;
  if (m.kind === 'inbox') return 'INBOX';
  return m.name.map((p) => ('text' in p ? p.text : '')).join('');
}
