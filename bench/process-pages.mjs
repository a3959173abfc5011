// Where one process's own memory is (bench/lmtp.mjs --breakdown): its private
// pages summed by what they hold. Needs root (page frame numbers in
// /proc/PID/pagemap and /proc/kpagecount, proc(5)).
//
// A page is private when one mapping holds it (kpagecount 1): what smaps calls
// Private_*. Anonymous mappings are cut into V8's memory chunks (256 KiB
// aligned; each starts with a header: size, flags, heap, ..., and at byte 64
// the owning space, whose identity is at byte 16 of that object): so V8's
// pages are told apart by space (new, old, code, large objects). The rest go by
// mapping name ([heap] is malloc's main arena). With a reference process (the
// zygote a worker was forked from), a private page the reference also has at
// the same address counts as copied: it was shared at the fork and copied on
// the worker's first write.
import * as fs from 'node:fs';
import * as path from 'node:path';

const PAGE = 4096;
const CHUNK = 256 * 1024;
/** V8 11's AllocationSpace numbering. */
const SPACES = ['v8 read-only', 'v8 new space', 'v8 old space', 'v8 code space', 'v8 shared', 'v8 new large objects', 'v8 large objects', 'v8 code large objects'];

function maps(pid) {
  return fs
    .readFileSync(`/proc/${pid}/maps`, 'latin1')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [range, perm, , , , ...rest] = line.split(/\s+/);
      const [a, b] = range.split('-').map((h) => parseInt(h, 16));
      return { a, b, perm, name: rest.join(' ') };
    });
}

/** Reads `len` bytes at `pos` of an open file, or null. */
function readAt(fd, pos, len) {
  const buf = Buffer.alloc(len);
  try {
    return fs.readSync(fd, buf, 0, len, pos) === len ? buf : null;
  } catch {
    return null;
  }
}

/** pagemap entries of [a, b): per page the frame number, or -1 when not present. */
function frames(pagemap, a, b) {
  const n = (b - a) / PAGE;
  const buf = readAt(pagemap, (a / PAGE) * 8, n * 8);
  const out = new Array(n).fill(-1);
  if (buf === null) return out;
  for (let i = 0; i < n; i++) {
    const e = buf.readBigUInt64LE(i * 8);
    if (e >> 63n) out[i] = Number(e & ((1n << 55n) - 1n));
  }
  return out;
}

/** The V8 chunks of a process: [{ start, end, label }], from the headers of present, 256 KiB aligned pages. */
function v8Chunks(pid, ms, pagemap) {
  const mem = fs.openSync(`/proc/${pid}/mem`, 'r');
  try {
    const heads = [];
    for (const m of ms) {
      if (m.name !== '' || !m.perm.startsWith('r')) continue;
      for (let base = Math.ceil(m.a / CHUNK) * CHUNK; base + 80 <= m.b; base += CHUNK) {
        // Reading a page that is not there would bring one in: only present ones.
        if (frames(pagemap, base, base + PAGE)[0] < 0) continue;
        const h = readAt(mem, base, 80);
        if (h !== null) heads.push({ base, size: Number(h.readBigUInt64LE(0)), heap: h.readBigUInt64LE(16), owner: Number(h.readBigUInt64LE(64)) });
      }
    }
    // The heap pointer most headers share is V8's; anything else is not a chunk.
    const votes = new Map();
    for (const h of heads) if (h.size >= CHUNK / 2 && h.size < 2 ** 32) votes.set(h.heap, (votes.get(h.heap) ?? 0) + 1);
    const heap = [...votes].sort((x, y) => y[1] - x[1])[0]?.[0];
    const ids = new Map();
    return heads
      .filter((h) => h.heap === heap)
      .map((h) => {
        if (!ids.has(h.owner)) ids.set(h.owner, readAt(mem, h.owner + 16, 4)?.readInt32LE(0) ?? -1);
        const id = ids.get(h.owner);
        return { start: h.base, end: h.base + h.size, label: SPACES[id] ?? `v8 space ${id}` };
      })
      .sort((x, y) => x.start - y.start);
  } finally {
    fs.closeSync(mem);
  }
}

/** What a page of mapping `m` at `addr` holds. */
function labeller(chunks) {
  return (m, addr) => {
    if (m.name === '') {
      const c = chunks.find((k) => addr >= k.start && addr < k.end);
      // Not split by permission: a malloc arena's reserve (---p) gains pages as it grows, under a stale map.
      return c !== undefined ? c.label : 'other anonymous (malloc mmap, stacks)';
    }
    if (m.name.startsWith('[')) return m.name === '[heap]' ? '[heap] (malloc)' : m.name;
    return `${path.basename(m.name)} ${m.perm.includes('w') ? 'data' : 'text/rodata'}`;
  };
}

/** The addresses of the present pages of `pid`. */
function presentPages(pid) {
  const pagemap = fs.openSync(`/proc/${pid}/pagemap`, 'r');
  try {
    const out = new Set();
    for (const m of maps(pid)) {
      if (m.name === '[vsyscall]') continue;
      frames(pagemap, m.a, m.b).forEach((f, i) => f >= 0 && out.add(m.a + i * PAGE));
    }
    return out;
  } finally {
    fs.closeSync(pagemap);
  }
}

/**
 * Private KB of process `pid` by label: Map(label -> { private, copied, shared }),
 * `copied` counting the private pages `reference` (a pid) also has present.
 */
export function privatePages(pid, reference = null) {
  const refPages = reference === null ? null : presentPages(reference);
  const pagemap = fs.openSync(`/proc/${pid}/pagemap`, 'r');
  const kpagecount = fs.openSync('/proc/kpagecount', 'r');
  try {
    const ms = maps(pid);
    const label = labeller(v8Chunks(pid, ms, pagemap));
    const out = new Map();
    for (const m of ms) {
      if (m.name === '[vsyscall]') continue;
      frames(pagemap, m.a, m.b).forEach((f, i) => {
        if (f < 0) return;
        const count = Number(readAt(kpagecount, f * 8, 8)?.readBigUInt64LE(0) ?? 0n);
        // Count 0: the shared zero page, which no process owns.
        if (count === 0) return;
        const addr = m.a + i * PAGE;
        const k = label(m, addr);
        const row = out.get(k) ?? { private: 0, copied: 0, shared: 0 };
        if (count === 1) {
          row.private += PAGE / 1024;
          if (refPages?.has(addr)) row.copied += PAGE / 1024;
        } else row.shared += PAGE / 1024;
        out.set(k, row);
      });
    }
    return out;
  } finally {
    fs.closeSync(pagemap);
    fs.closeSync(kpagecount);
  }
}

/** The mean of privatePages() over `pids`, as table lines (KB), largest first. */
export function privatePagesTable(pids, reference = null) {
  const sum = new Map();
  let n = 0;
  for (const pid of pids) {
    let one;
    try {
      one = privatePages(pid, reference);
    } catch {
      continue;
    }
    n++;
    for (const [k, v] of one) {
      const row = sum.get(k) ?? { private: 0, copied: 0, shared: 0 };
      for (const f of Object.keys(row)) row[f] += v[f];
      sum.set(k, row);
    }
  }
  if (n === 0) return ['    (no process could be read)'];
  const rows = [...sum].filter(([, v]) => v.private > 0).sort((x, y) => y[1].private - x[1].private);
  const total = rows.reduce((t, [, v]) => ({ private: t.private + v.private, copied: t.copied + v.copied }), { private: 0, copied: 0 });
  const line = (k, v) => `    ${k.padEnd(40)} ${(v.private / n).toFixed(0).padStart(7)} KB${reference === null ? '' : `  (${(v.copied / n).toFixed(0).padStart(5)} KB copied from the zygote)`}`;
  return [...rows.map(([k, v]) => line(k, v)), line('total', total)];
}
