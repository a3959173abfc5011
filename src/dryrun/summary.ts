import { describeWhere } from './describe.js';
import type { MessageReport } from './report.js';

/**
 * The tally printed after many messages: how many went where, and how often
 * each recipe's action ran (a recipe reached but never run shows 0 hits,
 * which is how dead rules show up).
 */
export class Summary {
  private messages = 0;
  private readonly destinations = new Map<string, { label: string; count: number }>();
  private readonly recipes = new Map<string, { file: string; line: number; hits: number }>();
  private assumed = 0;

  add(r: MessageReport): void {
    this.messages++;
    if (r.assumed) this.assumed++;
    const d = this.destinations.get(r.destination);
    if (d !== undefined) d.count++;
    else this.destinations.set(r.destination, { label: describeWhere(r), count: 1 });
    for (const rec of r.recipes) {
      let e = this.recipes.get(rec.at);
      if (e === undefined) {
        e = { file: rec.file, line: rec.line, hits: 0 };
        this.recipes.set(rec.at, e);
      }
      if (rec.ran) e.hits++;
    }
  }

  get count(): number {
    return this.messages;
  }

  render(): string {
    const out: string[] = [];
    out.push(`-- ${this.messages} message${this.messages === 1 ? '' : 's'}`);
    // Never let an assumption pass unsaid: it may hide every later recipe.
    if (this.assumed > 0) out.push(`${this.assumed} of ${this.messages} outcomes assume a program's result; see --answers (or --scratch)`);
    out.push('destinations:');
    const dests = [...this.destinations.values()].sort((a, b) => b.count - a.count || a.label.localeCompare(b.label));
    const w = String(Math.max(1, ...dests.map((d) => d.count))).length;
    for (const d of dests) out.push(`  ${String(d.count).padStart(w)}  ${d.label}`);
    out.push('recipes (hits = action taken):');
    const recs = [...this.recipes.entries()].sort(
      (a, b) => a[1].file.localeCompare(b[1].file) || a[1].line - b[1].line,
    );
    const rw = Math.max(0, ...recs.map(([k]) => k.length));
    for (const [k, v] of recs) out.push(`  ${k.padEnd(rw)}  ${v.hits}`);
    return `${out.join('\n')}\n`;
  }
}
