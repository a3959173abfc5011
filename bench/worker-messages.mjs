// The messages the LMTP worker benchmarks (lmtp-worker.mjs, lmtp-zygote-worker.mjs) deliver: the
// SpamAssassin corpus's `nice` folder beside the repository (its From_ line dropped, as an MTA hands a
// message over without one), or 50 generated 4 KB messages where the corpus is absent.
import * as fs from 'node:fs';
import * as path from 'node:path';

export function workerMessages(corpus) {
  const out = [];
  if (fs.existsSync(corpus)) {
    for (const f of fs.readdirSync(corpus).sort()) {
      const p = path.join(corpus, f);
      if (!fs.statSync(p).isFile()) continue;
      const m = fs.readFileSync(p);
      out.push(m.subarray(0, 5).toString() === 'From ' ? m.subarray(m.indexOf(0x0a) + 1) : m);
    }
  }
  if (out.length === 0) for (let i = 0; i < 50; i++) out.push(Buffer.from(`From: a@example.com\nSubject: lunch ${i}\n\n${'Shall we? '.repeat(400)}\n`));
  return out;
}
