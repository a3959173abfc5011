import type { Answer, Request } from '../eval/requests.js';
import type { Outcome } from '../eval/outcome.js';
import type { DeliveryWatch } from '../deliver/watch.js';

/**
 * What one delivery did, taken from its requests as they were answered:
 * the last recipe that stored the message (a folder written, a delivering
 * pipe or forward that succeeded), and how it ended. For the per-recipient
 * log line and the reply after DATA.
 */
export class DeliveryRecord implements DeliveryWatch {
  recipe: string | null = null;
  folder: string | null = null;
  outcome: Outcome | null = null;

  answered(request: Request, answer: Answer): void {
    let stored = false;
    if (request.kind === 'deliver' && answer.kind === 'delivered') {
      stored = answer.ok;
      if (stored) this.folder = answer.lastFolder;
    } else if ((request.kind === 'pipe' || request.kind === 'forward') && answer.kind === 'program') {
      stored = answer.exitCode === 0;
      if (stored) this.folder = request.kind === 'pipe' ? `| ${request.command.text}` : `! ${request.addresses.join(' ')}`;
    }
    if (!stored) return;
    const span = request.origin.span;
    this.recipe = span === null || span.line === 0 ? 'DEFAULT' : `${span.file}:${span.line}`;
  }

  finished(outcome: Outcome): void {
    this.outcome = outcome;
  }
}
