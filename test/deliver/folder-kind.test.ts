import { describe, expect, it } from 'vitest';
import { classifyFolder, type DirectoryOps, type PathState } from '../../src/deliver/folder-kind.js';

/** DirectoryOps over a set of directory names, recording every question and mkdir. */
function ops(dirs: string[], unmakeable: string[] = []): DirectoryOps & { asked: string[]; made: string[]; errors: string[] } {
  const have = new Set(dirs);
  const asked: string[] = [];
  const made: string[] = [];
  const errors: string[] = [];
  return {
    asked,
    made,
    errors,
    state: (name): PathState => {
      asked.push(name);
      return have.has(name) ? 'dir' : 'missing';
    },
    make: (name) => {
      if (unmakeable.includes(name)) return false;
      made.push(name);
      have.add(name);
      return true;
    },
    error: (text) => errors.push(text),
  };
}

describe('classifyFolder', () => {
  it('an existing maildir: the directory and each of new, cur and tmp asked about once', () => {
    const o = ops(['Maildir', 'Maildir/new', 'Maildir/cur', 'Maildir/tmp']);
    expect(classifyFolder(o, 'Maildir/', false)).toEqual({ kind: 'maildir', name: 'Maildir' });
    expect(o.asked).toEqual(['Maildir', 'Maildir/new', 'Maildir/cur', 'Maildir/tmp']);
    expect(o.made).toEqual([]);
  });

  it('a missing maildir is made with its subdirectories, in order', () => {
    const o = ops([]);
    expect(classifyFolder(o, 'box/', false)).toEqual({ kind: 'maildir', name: 'box' });
    expect(o.made).toEqual(['box', 'box/new', 'box/cur', 'box/tmp']);
    expect(o.errors).toEqual([]);
  });

  it('a maildir whose subdirectory cannot be made is skipped', () => {
    const o = ops(['box'], ['box/cur']);
    expect(classifyFolder(o, 'box/', false)).toBeNull();
    expect(o.errors).toEqual(['Unable to treat as directory "box"', 'Skipped "box"']);
  });
});
