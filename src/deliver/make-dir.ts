import type { FolderContext } from './folder-context.js';
import { errnoOf } from './seams.js';

/**
 * Makes sure `name` is a directory, creating it with 0777 under the umask
 * when missing (mailfold.c:trymkdir). False when something else is there.
 */
export function ensureDirectory(ctx: FolderContext, name: string): boolean {
  const path = ctx.resolve(name);
  for (let tries = 0; tries < 2; tries++) {
    try {
      return ctx.fs.statSync(path).isDirectory();
    } catch (e) {
      if (errnoOf(e) !== 'ENOENT') return false;
    }
    try {
      ctx.fs.mkdirSync(path, { mode: 0o777 & ~ctx.umask() });
      return true;
    } catch (e) {
      // Another delivery may have created it meanwhile: look again.
      if (errnoOf(e) !== 'EEXIST') return false;
    }
  }
  return false;
}

/** `dir/` with `new`, `cur` and `tmp` (procmail.md §7.3). */
export function ensureMaildir(ctx: FolderContext, dir: string): boolean {
  return ensureDirectory(ctx, dir) && ['new', 'cur', 'tmp'].every((sub) => ensureDirectory(ctx, `${dir}/${sub}`));
}
