import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { deliverFromCommandLine } from '../../src/deliver/command-line.js';
import type { DeliveryFs, SpawnFn } from '../../src/deliver/seams.js';
import { nodePipes } from '../../src/deliver/os-pipe.js';
import { Sink } from '../deliver/helpers.js';
import { testLdaIo } from '../helpers/lda-io.js';
import { forAllAsync, type Rng } from './prng.js';

/**
 * Never lose mail, end to end through deliverFromCommandLine(argv, io) (docs/procmail-semantics.md §6.3, §7.2,
 * §7.7): random rc files delivering to mbox, maildir, MH, /dev/null, pipes
 * and forwards (a fake spawn answering random exit codes), on a real temp
 * directory whose fs seam fails writes, fsyncs, links and opens with
 * ENOSPC / EIO / EDQUOT at random points (sometimes every write to DEFAULT).
 *
 * - The exit code is 0, 73 (75 with -t), or 67 only when the rc has an
 *   @reject (src/eval/ext-actions.ts: EX_NOUSER), or 75 when an extension's disposal was
 *   withheld after a failed delivery; never 1 (Postfix bounces on it).
 * - Exit 0 means the message is somewhere: an intact copy in a folder, or a
 *   delivering program that counts as delivered by procmail's rules
 *   (docs/procmail-semantics.md §2 `w`/`W`, §7.6: a pipe or forward without w/W succeeds
 *   once the data is written, whatever its status; with w/W only on exit 0;
 *   a program that could not be started fails), or a deliberate discard
 *   (/dev/null or @discard, as the closing abstract shows; §7.2 "/dev/null").
 * - No folder holds a partial message: every mbox is its seeded content plus
 *   whole records (a failed write is truncated back, §7.2), maildir and MH
 *   files are whole messages, and no lockfile is left behind.
 */

const ROOT = fs.mkdtempSync(join(tmpdir(), 'mailrules-fuzz-lda-'));
afterAll(() => fs.rmSync(ROOT, { recursive: true, force: true }));

const FAULTS = ['ENOSPC', 'EIO', 'EDQUOT'] as const;
const SEEDED = 'From seeded  Thu Jan  1 00:00:00 1970\nSubject: already here\n\nold\n\n';

interface Recipe {
  text: string;
  /** For delivering programs: the id and whether the exit status is checked (w/W). */
  program?: { id: number; checked: boolean };
}

interface Case {
  message: string;
  rc: string;
  programs: Record<number, { exit: number; started: boolean }>;
  conds: Record<string, number>;
  argv: string[];
  normalMode: boolean;
  tempfail: boolean;
  /** Base names whose writes fail, and how. */
  faulty: Record<string, { code: string; after: number; fsync: boolean; link: boolean; open: boolean }>;
  seeded: string[];
}

function genMessage(rng: Rng): string {
  const lines: string[] = [];
  if (rng.chance(0.4)) lines.push('From sender@example.com  Mon Jan  1 00:00:00 2001');
  lines.push('From: Alice <alice@example.com>', `Subject: ${rng.pick(['a test', 'hello', 'money now', 'x'])}`, `Message-ID: <${rng.int(1, 1e9)}@example.com>`);
  if (rng.chance(0.3)) lines.push('Received: from a\n\tby b');
  lines.push('');
  const n = rng.int(0, 40);
  for (let i = 0; i < n; i++) lines.push(rng.pick(['body line', 'From the body', '>From quoted', '', 'e'.repeat(rng.int(1, 200)), rng.chars(rng.int(0, 60), 'abcdefgh :.<>-\t')]));
  return `${lines.join('\n')}\n`.replace(/\n\n$/, '\nend\n');
}

function genCase(rng: Rng): Case {
  const programs: Case['programs'] = {};
  const conds: Case['conds'] = {};
  const lines = ['LOGFILE=log', 'SENDMAIL=/fake/sendmail', 'SENDMAILFLAGS=-oi'];
  const defaults = ['default.mbox', 'defmd/', 'nodir/default', 'full.mbox'];
  if (rng.chance(0.7)) lines.push(`DEFAULT=${rng.pick(defaults)}`);
  const n = rng.int(0, 6);
  let pid = 0;
  const recipe = (): Recipe => {
    let flags = '';
    for (const f of ['c', 'w', 'W', 'A', 'E', 'e']) if (rng.chance(0.12)) flags += f;
    const conditions: string[] = [];
    for (let k = rng.int(0, 2); k > 0; k--) {
      const c = rng.pick(['^Subject:.*a', '! ^X-Nope', '^From:.*alice', 'B ?? From', '1^0 ^Received', '? cond']);
      if (c === '? cond') {
        const name = `cond${rng.int(0, 3)}`;
        conds[name] = rng.pick([0, 0, 1]);
        conditions.push(`* ? ${name}`);
      } else conditions.push(`* ${c}`);
    }
    const kind = rng.int(0, 11);
    const head = (lock: boolean, extra = '') => `:0${flags}${extra}${lock ? ':' : ''}`;
    const body = (action: string, lock = false, extra = '') => [head(lock, extra), ...conditions, action].join('\n');
    switch (kind) {
      case 0:
      case 1:
        return { text: body(`box${rng.int(0, 2)}`, rng.chance(0.5)) };
      case 2:
        return { text: body(`md${rng.int(0, 1)}/`) };
      case 3:
        return { text: body(`mh${rng.int(0, 1)}/.`) };
      case 4:
        return { text: body('/dev/null') };
      case 5: {
        const id = pid++;
        programs[id] = { exit: rng.pick([0, 0, 1, 75]), started: rng.chance(0.9) };
        return { text: body(`| deliver ${id}`), program: { id, checked: flags.includes('w') || flags.includes('W') } };
      }
      case 6: {
        const id = pid++;
        programs[id] = { exit: rng.pick([0, 0, 1, 75]), started: rng.chance(0.9) };
        return { text: body(`! fwd${id}@example.com`), program: { id, checked: flags.includes('w') || flags.includes('W') } };
      }
      case 7:
        return { text: body(rng.pick(['@discard', '@reject "no thanks"'])) };
      case 8: {
        // An identity filter: the message is unchanged whatever its status (docs/procmail-semantics.md §7.6), so "intact" stays checkable.
        const id = pid++;
        programs[id] = { exit: rng.pick([0, 1]), started: rng.chance(0.9) };
        return { text: body(`| filt ${id}`, false, 'f') };
      }
      case 9:
        return { text: body('nodir/box') };
      default:
        return { text: body('full.mbox', rng.chance(0.5)) };
    }
  };
  for (let i = 0; i < n; i++) {
    if (rng.chance(0.1)) {
      lines.push(`:0${rng.chance(0.3) ? 'c' : ''}\n* ^Subject\n{`, recipe().text, '}');
    } else lines.push(recipe().text);
  }
  const rc = `${lines.join('\n')}\n`;
  const faulty: Case['faulty'] = {};
  for (const name of ['box0', 'box1', 'box2', 'md0', 'md1', 'mh0', 'mh1', 'default.mbox', 'defmd', 'me']) {
    if (rng.chance(0.3)) faulty[name] = { code: rng.pick(FAULTS), after: rng.chance(0.3) ? 0 : rng.int(0, 400), fsync: rng.chance(0.2), link: rng.chance(0.3), open: rng.chance(0.15) };
  }
  // The whole DEFAULT unwritable.
  faulty['full.mbox'] = { code: rng.pick(FAULTS), after: 0, fsync: false, link: false, open: rng.chance(0.5) };
  const normalMode = rng.chance(0.4);
  const tempfail = rng.chance(0.4);
  const argv = [...(tempfail ? ['-t'] : []), ...(normalMode ? [] : ['-m']), './rc'];
  const seeded = ['box0', 'box1', 'box2', 'default.mbox'].filter(() => rng.chance(0.3));
  return { message: genMessage(rng), rc, programs, conds, argv, normalMode, tempfail, faulty, seeded };
}

interface Received {
  id: number;
  kind: 'pipe' | 'forward';
  data: Buffer;
}

/** A child process that reads its stdin and exits as the case says; filters echo their input. It takes Node's stdio pipes (nodePipes), being no process that could inherit a descriptor. */
function fakeSpawn(c: Case, received: Received[]): SpawnFn {
  return (file, args, opts) => {
    const argv = file === '/bin/sh' ? [...args] : [file, ...args];
    const child = new EventEmitter() as EventEmitter & Partial<ChildProcess>;
    const stdio = Array.isArray(opts.stdio) ? opts.stdio : [];
    const stdout = stdio[1] === 'pipe' ? new PassThrough() : null;
    const stderr = stdio[2] === 'pipe' ? new PassThrough() : null;
    const chunks: Buffer[] = [];
    let kind: 'pipe' | 'forward' | 'filter' | 'cond' | 'other' = 'other';
    let id = -1;
    if (argv[0] === 'deliver' || argv[0] === 'filt') {
      kind = argv[0] === 'deliver' ? 'pipe' : 'filter';
      id = Number(argv[1]);
    } else if (argv[0] === '/fake/sendmail') {
      kind = 'forward';
      id = Number(/fwd(\d+)@/.exec(argv.join(' '))?.[1] ?? -1);
    } else if (argv[0]?.startsWith('cond') === true) kind = 'cond';
    const prog = c.programs[id];
    const started = kind === 'cond' || (prog?.started ?? false);
    const exit = kind === 'cond' ? (c.conds[argv[0]!] ?? 1) : (prog?.exit ?? 127);
    const stdin = new Writable({
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk);
        cb();
      },
      final(cb) {
        cb();
        const data = Buffer.concat(chunks);
        if (kind === 'pipe' || kind === 'forward') received.push({ id, kind, data });
        setImmediate(() => {
          stdout?.end(kind === 'filter' ? data : undefined);
          stderr?.end();
          setImmediate(() => child.emit('close', exit, null));
        });
      },
    });
    if (!started) {
      setImmediate(() => child.emit('error', Object.assign(new Error('spawn ENOENT'), { code: 'ENOENT' })));
      Object.assign(child, { stdin: null, stdout: null, stderr: null, kill: () => false });
      return child as ChildProcess;
    }
    Object.assign(child, { stdin, stdout, stderr, kill: () => true, pid: 1234 });
    setImmediate(() => child.emit('spawn'));
    return child as ChildProcess;
  };
}

function errno(code: string): Error {
  return Object.assign(new Error(`${code} (injected)`), { code });
}

/** The real fs, with the case's faults on the paths it names (the log and the rc file are spared). */
function faultyFs(c: Case, dir: string): DeliveryFs {
  const real = fs as unknown as DeliveryFs;
  const fdPath = new Map<number, string>();
  const failing = new Set<number>();
  const written = new Map<number, number>();
  const faultOf = (path: string) => {
    const rel = path.startsWith(dir) ? path.slice(dir.length + 1) : path;
    if (rel === 'log' || rel === 'rc') return undefined;
    const top = rel.split('/')[0]!;
    if (top === 'spool') return c.faulty.me;
    return c.faulty[top.replace(/\.lock$/, '')];
  };
  return {
    ...real,
    openSync: ((path: string, flags?: fs.OpenMode, mode?: fs.Mode) => {
      const f = faultOf(path);
      if (f?.open === true && typeof flags !== 'undefined' && flags !== 'r' && flags !== fs.constants.O_RDONLY && !path.endsWith('.lock')) throw errno(f.code);
      const fd = real.openSync(path, flags ?? 'r', mode);
      fdPath.set(fd, path);
      failing.delete(fd);
      written.set(fd, 0);
      return fd;
    }) as DeliveryFs['openSync'],
    closeSync: (fd: number) => {
      fdPath.delete(fd);
      failing.delete(fd);
      real.closeSync(fd);
    },
    writeSync: (fd, buffer, offset = 0, length = buffer.length - offset, position) => {
      const path = fdPath.get(fd);
      const f = path === undefined || path.endsWith('.lock') ? undefined : faultOf(path);
      if (f === undefined) return real.writeSync(fd, buffer, offset, length, position);
      if (failing.has(fd)) throw errno(f.code);
      const done = written.get(fd) ?? 0;
      if (done + length <= f.after) {
        written.set(fd, done + length);
        return real.writeSync(fd, buffer, offset, length, position);
      }
      // The disk fills up: a short write of what still fits, then errors.
      failing.add(fd);
      const fits = Math.max(0, f.after - done);
      if (fits === 0) throw errno(f.code);
      written.set(fd, done + fits);
      return real.writeSync(fd, buffer, offset, fits, position);
    },
    fsyncSync: (fd: number) => {
      const path = fdPath.get(fd);
      const f = path === undefined ? undefined : faultOf(path);
      if (f?.fsync === true) throw errno('EIO');
      real.fsyncSync(fd);
    },
    linkSync: (existing: string, newPath: string) => {
      const f = faultOf(newPath);
      if (f?.link === true && !newPath.endsWith('.lock')) throw errno(f.code);
      real.linkSync(existing, newPath);
    },
  };
}

function mboxRecord(m: string): string {
  // docs/procmail-semantics.md §7.2: `>` before every "\nFrom " (the first line never), then one '\n' unless it ends "\n\n".
  const escaped = m.replace(/\nFrom /g, '\n>From ');
  return escaped.endsWith('\n\n') ? escaped : `${escaped}\n`;
}

function maildirCopy(m: string): string {
  // docs/procmail-semantics.md §7.1: maildir strips the From_ line and any >From lines right after it; no escaping, no added newline.
  if (!m.startsWith('From ')) return m;
  let rest = m.slice(m.indexOf('\n') + 1);
  while (rest.startsWith('>From ')) rest = rest.slice(rest.indexOf('\n') + 1);
  return rest;
}

/** Checks the folders; returns how many intact copies there are. */
function checkFolders(c: Case, dir: string): number {
  let intact = 0;
  const record = mboxRecord(c.message);
  const mboxes = ['box0', 'box1', 'box2', 'default.mbox', 'full.mbox', 'spool/me'];
  for (const name of mboxes) {
    const path = join(dir, name);
    if (!fs.existsSync(path)) continue;
    let text = fs.readFileSync(path).toString('latin1');
    if (c.seeded.includes(name)) {
      if (!text.startsWith(SEEDED)) throw new Error(`${name}: the seeded content was damaged: ${JSON.stringify(text.slice(0, 200))}`);
      text = text.slice(SEEDED.length);
    }
    let k = 0;
    while (text.startsWith(record)) {
      text = text.slice(record.length);
      k++;
    }
    if (text !== '') throw new Error(`${name}: holds a partial or altered message after ${k} whole ones: ${JSON.stringify(text.slice(0, 300))}`);
    intact += k;
  }
  // An identity filter hands back what it was fed, which had the trailing-newline rule applied
  // (docs/procmail-semantics.md §7.2 "pipes/forwards"; verified: `:0 fw | cat` then a maildir stores "...body\n\n").
  // mbox and MH records are the same either way (a message ending "\n\n" gets no newline added).
  const maildirTexts = [maildirCopy(c.message), ...(c.rc.includes('| filt') ? [maildirCopy(`${c.message}\n`)] : [])];
  for (const md of ['md0', 'md1', 'defmd']) {
    for (const sub of ['new', 'cur']) {
      const d = join(dir, md, sub);
      if (!fs.existsSync(d)) continue;
      for (const f of fs.readdirSync(d)) {
        const text = fs.readFileSync(join(d, f)).toString('latin1');
        if (!maildirTexts.includes(text)) throw new Error(`${md}/${sub}/${f}: not the message: ${JSON.stringify(text.slice(0, 300))}`);
        intact++;
      }
    }
    const tmp = join(dir, md, 'tmp');
    if (fs.existsSync(tmp) && fs.readdirSync(tmp).length > 0) throw new Error(`${md}/tmp: left behind ${fs.readdirSync(tmp).join(' ')}`);
  }
  for (const mh of ['mh0', 'mh1']) {
    const d = join(dir, mh);
    if (!fs.existsSync(d)) continue;
    for (const f of fs.readdirSync(d)) {
      if (!/^\d+$/.test(f)) {
        if (f.startsWith('_')) throw new Error(`${mh}: temp file ${f} left behind`);
        continue;
      }
      const text = fs.readFileSync(join(d, f)).toString('latin1');
      // docs/procmail-semantics.md §7.4: MH keeps the From_ line, escapes nothing, adds the trailing newline.
      const want = c.message.endsWith('\n\n') ? c.message : `${c.message}\n`;
      if (text !== want) throw new Error(`${mh}/${f}: not the message: ${JSON.stringify(text.slice(0, 300))}`);
      intact++;
    }
  }
  for (const f of [...fs.readdirSync(dir), ...fs.readdirSync(join(dir, 'spool')).map((x) => `spool/${x}`)]) {
    if (f.endsWith('.lock')) throw new Error(`lockfile ${f} left behind`);
  }
  return intact;
}

let seq = 0;
/** What the cases reached, so a generator that stops exercising a path fails the test. */
const tally: Record<string, number> = {};
const count = (k: string) => void (tally[k] = (tally[k] ?? 0) + 1);

async function property(c: Case): Promise<void> {
  const dir = join(ROOT, `c${seq++}`);
  fs.mkdirSync(dir);
  const spool = join(dir, 'spool');
  fs.mkdirSync(spool);
  fs.chmodSync(spool, 0o1777);
  fs.writeFileSync(join(dir, 'rc'), c.rc, { mode: 0o644 });
  for (const s of c.seeded) fs.writeFileSync(join(dir, s), SEEDED, { mode: 0o600 });
  const received: Received[] = [];
  const stderr = new Sink();
  const io = testLdaIo(dir, c.message, {
    stderr,
    env: { PATH: '/usr/bin:/bin', TZ: 'UTC' },
    fs: faultyFs(c, dir),
    spawn: fakeSpawn(c, received),
    pipes: nodePipes,
    mailSpool: spool,
  });
  const code = await deliverFromCommandLine(c.argv, io);
  count(`exit ${code}`);
  const log = fs.existsSync(join(dir, 'log')) ? fs.readFileSync(join(dir, 'log'), 'latin1') : '';
  const context = `\nexit ${code}\nstderr: ${stderr.text.slice(0, 1000)}\nlog: ${log.slice(-1500)}`;
  const failure = c.tempfail ? 75 : 73;
  // An extension disposal withheld after a failed delivery requeues when nothing else stores the message.
  const withheld = /Skipped "@/.test(log + stderr.text);
  const allowed = [0, failure, ...(c.rc.includes('@reject') ? [67] : []), ...(withheld ? [75] : [])];
  if (!allowed.includes(code)) throw new Error(`exit code ${code}, expected one of ${allowed.join(', ')}${context}`);
  let intact: number;
  try {
    intact = checkFolders(c, dir);
  } catch (e) {
    throw new Error(`${e instanceof Error ? e.message : String(e)}${context}`);
  }
  if (/No space left|Quota exceeded|Error while writing/.test(log + stderr.text)) count('write error logged');
  if (/Truncated file to former size/.test(log + stderr.text)) count('truncated back');
  if (code !== 0) return;
  if (intact > 0) return void count('evidence: intact copy');
  // A program that got the message and counts as delivered (docs/procmail-semantics.md §2 w/W, docs/procmail-semantics.md §7.6).
  const recipes = new Map<number, boolean>();
  for (const m of c.rc.matchAll(/^:0([a-zA-Z]*):?\n(?:\* .*\n)*(?:\| deliver |! fwd)(\d+)/gm)) recipes.set(Number(m[2]), /[wW]/.test(m[1]!));
  const viaProgram = received.some((r) => {
    const p = c.programs[r.id]!;
    return r.data.length > 0 && p.started && (p.exit === 0 || recipes.get(r.id) === false);
  });
  if (viaProgram) return void count('evidence: program');
  // A deliberate discard: the closing abstract names /dev/null (@discard's LASTFOLDER too).
  const folders = [...log.matchAll(/^ {2}Folder: (\S+)/gm)].map((m) => m[1]);
  if ((c.rc.includes('/dev/null') || c.rc.includes('@discard')) && folders[folders.length - 1] === '/dev/null') return void count('evidence: discard');
  throw new Error(`exit 0 but the message is nowhere: no intact copy, no program that counts, no discard (programs got: ${JSON.stringify(received.map((r) => ({ id: r.id, kind: r.kind, bytes: r.data.length, ...c.programs[r.id] })))})${context}`);
}

describe('never lose mail: deliverFromCommandLine() with fault injection', () => {
  it('random rc files, random write/fsync/link/open failures, random program exits', async () => {
    const n = await forAllAsync('lda/never-lose-mail', 0x10a0001, 250, genCase, property);
    if (process.env.FUZZ_STATS) console.log(tally);
    expect(n).toBeGreaterThan(0);
    // The cases must reach each outcome (only asserted at the default count; a replay of one case reaches one).
    if (n >= 100) {
      for (const k of ['exit 0', 'write error logged', 'truncated back', 'evidence: intact copy', 'evidence: program', 'evidence: discard']) expect(tally[k] ?? 0, k).toBeGreaterThan(0);
      expect((tally['exit 73'] ?? 0) + (tally['exit 75'] ?? 0), 'undeliverable').toBeGreaterThan(0);
    }
  });

  it('EXITCODE: whatever the rc asks for, the status the MTA sees is a byte and never 1 (docs/procmail-semantics.md §6.4)', async () => {
    const n = await forAllAsync(
      'lda/exitcode',
      0x10a0002,
      40,
      (rng) => rng.pick(['1', '257', '513', '256', '0', '75', '-1', 'on', 'a', 'foo', '', '9876543210', `${rng.int(0, 2 ** 31)}`, `${rng.int(0, 600)}`]),
      async (value) => {
        const dir = join(ROOT, `x${seq++}`);
        fs.mkdirSync(join(dir, 'spool'), { recursive: true });
        fs.writeFileSync(join(dir, 'rc'), `EXITCODE=${value}\n:0\n/dev/null\n`, { mode: 0o644 });
        const c: Case = { message: 'Subject: x\n\nbody\n', rc: '', programs: {}, conds: {}, argv: [], normalMode: false, tempfail: false, faulty: {}, seeded: [] };
        const code = await deliverFromCommandLine(['-m', './rc'], testLdaIo(dir, c.message, { env: {}, spawn: fakeSpawn(c, []), pipes: nodePipes, mailSpool: join(dir, 'spool') }));
        if (!(Number.isInteger(code) && code >= 0 && code <= 255 && code !== 1)) throw new Error(`EXITCODE=${value} gave status ${code}`);
      },
    );
    expect(n).toBeGreaterThan(0);
  });

  it('the checks can fail: a truncated mbox record and a lost message are caught', async () => {
    const c = genCase(new (await import('./prng.js')).Rng(1));
    const dir = join(ROOT, 'selfcheck');
    fs.mkdirSync(join(dir, 'spool'), { recursive: true });
    fs.writeFileSync(join(dir, 'box0'), mboxRecord(c.message).slice(0, 10));
    expect(() => checkFolders({ ...c, seeded: [] }, dir)).toThrow(/partial/);
    fs.writeFileSync(join(dir, 'box0'), mboxRecord(c.message));
    expect(checkFolders({ ...c, seeded: [] }, dir)).toBe(1);
  });
});
