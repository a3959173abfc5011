import * as fs from 'node:fs';
import * as path from 'node:path';

/** Single-quoted for sh. */
export const shQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * A shell command, for the start of an `unshare -m sh -c` script, that gives
 * the namespace its own copies of some files of /etc (passwd, group, hosts):
 * an overlay on the whole of /etc, not bind mounts on the files. useradd and
 * userdel (other tests, other runs) replace /etc/passwd by rename, and the
 * kernel then detaches a bind mount on the old file in every namespace, so
 * made-up users vanish mid-test (procmail said `Unknown user` in a full
 * suite run). A directory mount point is never replaced. Each call makes its
 * own upper layer under `parent` (an upper layer may serve one overlay at a
 * time); the file binds remain where overlayfs is missing.
 */
export function privateEtc(parent: string, files: ReadonlyArray<readonly [from: string, name: string]>): string {
  const layer = fs.mkdtempSync(path.join(parent, 'etc-'));
  fs.mkdirSync(path.join(layer, 'upper'));
  fs.mkdirSync(path.join(layer, 'work'));
  for (const [from, name] of files) {
    fs.copyFileSync(from, path.join(layer, 'upper', name));
    fs.chmodSync(path.join(layer, 'upper', name), 0o644);
  }
  const overlay = `mount -t overlay overlay -o ${shQuote(`lowerdir=/etc,upperdir=${layer}/upper,workdir=${layer}/work`)} /etc`;
  const binds = files.map(([from, name]) => `mount --bind ${shQuote(from)} /etc/${name}`).join(' && ');
  return `{ ${overlay} 2>/dev/null || { ${binds}; }; }`;
}
