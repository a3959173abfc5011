#!/usr/bin/env node
// What each system call of a maildir delivery costs on a file system, apart
// from mailrules: the calls src/deliver/maildir.ts makes, in its order
// (create in tmp/ with O_EXCL, write, fsync, link into new/, unlink the tmp
// name, open, fsync and close new/), timed one by one, 300 times in a fresh
// maildir; prints the median of each, milliseconds. The same with no fsync
// at all (is the create waiting for the previous fsync?), alternated, 2
// rounds. docs/lmtp-disk.md reads it: bench/lmtp.mjs's "excluding fsync"
// still holds the create, which on a disk is the file system's work (a new
// inode), not the service's.
// Not a test: it prints what it measured.
//
//   node bench/maildir-syscalls.mjs [--dirs /dev/shm,/var/tmp] [--count 300]
import * as fs from 'node:fs';
import * as path from 'node:path';

const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const DIRS = opt('--dirs', '/dev/shm,/var/tmp').split(',');
const COUNT = Number(opt('--count', '300'));
const { O_WRONLY, O_CREAT, O_EXCL } = fs.constants;
const MESSAGE = Buffer.alloc(4200, 'x');

function run(base, variant) {
  const dir = fs.mkdtempSync(path.join(base, 'maildir-syscalls-'));
  const times = new Map();
  const timed = (name, f) => {
    const t0 = performance.now();
    const r = f();
    const list = times.get(name) ?? [];
    list.push(performance.now() - t0);
    times.set(name, list);
    return r;
  };
  try {
    for (const d of ['tmp', 'new', 'cur']) fs.mkdirSync(path.join(dir, d));
    for (let i = 0; i < COUNT; i++) {
      const tmp = path.join(dir, 'tmp', `m${i}`);
      const fd = timed('create', () => fs.openSync(tmp, O_WRONLY | O_CREAT | O_EXCL, 0o600));
      timed('write', () => fs.writeSync(fd, MESSAGE));
      if (variant !== 'no fsync') timed('fsync', () => fs.fsyncSync(fd));
      fs.closeSync(fd);
      timed('link', () => fs.linkSync(tmp, path.join(dir, 'new', `m${i}`)));
      timed('unlink', () => fs.unlinkSync(tmp));
      const dfd = timed('open new/', () => fs.openSync(path.join(dir, 'new'), 'r'));
      if (variant !== 'no fsync') timed('fsync new/', () => fs.fsyncSync(dfd));
      fs.closeSync(dfd);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
  return [...times].map(([name, list]) => `${name} ${median(list).toFixed(3)}`).join('  ');
}

console.log(`maildir system calls, median ms of ${COUNT} each`);
for (let round = 1; round <= 2; round++) {
  for (const base of DIRS) {
    for (const variant of ['as delivered', 'no fsync']) console.log(`  ${base.padEnd(10)} ${variant.padEnd(13)} ${run(base, variant)}`);
  }
}
