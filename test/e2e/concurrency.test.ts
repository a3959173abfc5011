// 100 concurrent deliveries into ONE mbox, half by mailrules and half by real
// procmail, all with a `:0:` recipe: the dotlock (`box.lock`, docs/procmail-semantics.md
// §7.5) must make them interoperate, leaving exactly 100 intact messages.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ldaCommand, PROCMAIL, runLda, skipReason } from './lda.js';

const TOTAL = 100;

const skip = skipReason([fs.existsSync(PROCMAIL) ? null : `${PROCMAIL} not installed (scripts/ci-install.sh installs it)`]);

function message(i: number): string {
  const marker = `marker-${String(i).padStart(3, '0')}`;
  const lines = Array.from({ length: 40 }, (_, k) => `${marker} body line ${k} ${'x'.repeat(k)}`);
  return [
    `From: sender${i}@example.com`,
    'To: box@example.org',
    `Subject: concurrent ${marker}`,
    `X-Marker: ${marker}`,
    '',
    ...lines,
    `end of ${marker}`,
    '',
  ].join('\n');
}

describe.skipIf(skip !== null)('concurrent mbox delivery (mailrules + procmail)', () => {
  let dir = '';
  let rc = '';

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mr-concurrency-'));
    rc = path.join(dir, 'rc');
    // LOCKSLEEP=1: retry the dotlock every second instead of every 8 s so
    // 100 contenders finish quickly. The old atime on the pre-created mbox
    // avoids procmail's 1 s "new mail" sleep per write (docs/procmail-semantics.md §7.2).
    fs.writeFileSync(rc, `MAILDIR=${dir}\nLOGFILE=${dir}/log\nLOCKSLEEP=1\n:0:\nbox\n`, { mode: 0o644 });
    fs.writeFileSync(path.join(dir, 'box'), '', { mode: 0o600 });
    fs.utimesSync(path.join(dir, 'box'), new Date('2001-01-01T00:00:00Z'), new Date('2001-01-01T00:00:00Z'));
  });

  afterAll(() => {
    if (dir !== '') fs.rmSync(dir, { recursive: true, force: true });
  });

  it(`leaves exactly ${TOTAL} intact messages`, { timeout: 180_000 }, async () => {
    const runs = Array.from({ length: TOTAL }, (_, i) => {
      // -f gives every message a From_ separator line (docs/procmail-semantics.md §7.1).
      const args = ['-f', `sender${i}@example.com`, '-m', rc];
      const argv = i % 2 === 0 ? [...ldaCommand(), ...args] : [PROCMAIL, ...args];
      return runLda(argv, message(i), { timeoutMs: 170_000 }).then((r) => ({ i, ...r }));
    });
    const results = await Promise.all(runs);
    for (const r of results) {
      expect(r.code, `delivery ${r.i} (${r.i % 2 === 0 ? 'mailrules' : 'procmail'}): ${r.stderr}`).toBe(0);
    }

    const mbox = fs.readFileSync(path.join(dir, 'box'), 'latin1');
    expect(fs.existsSync(path.join(dir, 'box.lock')), 'lockfile left behind').toBe(false);
    // Each message is "From_ line" + original + the blank separator line procmail appends.
    const chunks = mbox.split(/^(?=From \S+ {2}\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\n)/m).filter((c) => c !== '');
    expect(chunks.length).toBe(TOTAL);
    const seen = new Set<number>();
    for (const chunk of chunks) {
      const nl = chunk.indexOf('\n');
      const fromLine = chunk.slice(0, nl);
      const rest = chunk.slice(nl + 1);
      const m = /^X-Marker: marker-(\d{3})$/m.exec(rest);
      expect(m, `message without marker: ${rest.slice(0, 200)}`).not.toBeNull();
      const i = Number(m![1]);
      expect(seen.has(i), `marker ${i} delivered twice`).toBe(false);
      seen.add(i);
      expect(fromLine.startsWith(`From sender${i}@example.com  `), fromLine).toBe(true);
      expect(rest, `message ${i} is not intact`).toBe(message(i) + '\n');
    }
    expect(seen.size).toBe(TOTAL);
  });
});
