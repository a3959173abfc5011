import type { FolderType } from './answerer.js';
import type { DeliveryJson, ExtActionJson, MessageReport } from './report.js';

/**
 * Where a message went, in words for people: the short line, the --trace
 * result line, the summary's destinations and the --expect/--compare
 * messages all say it the same way. (`destination`, the string --expect
 * compares, is destination.ts.)
 */

const TYPE_LABEL: Record<FolderType, string> = { mbox: 'mbox', maildir: 'maildir', mh: 'MH', directory: 'directory', null: 'discarded' };

/** A folder type as people call it (docs/procmail-semantics.md §7.3); /dev/null is "discarded". */
export function folderTypeLabel(type: FolderType): string {
  return TYPE_LABEL[type];
}

function describeDelivery(d: DeliveryJson): string {
  if (d.kind !== 'folder') return d.kind === 'pipe' ? `${d.target} (pipe, not run)` : `${d.target} (forward, not sent)`;
  const types = [...new Set((d.folders ?? []).map((f) => folderTypeLabel(f.type)))].join(', ');
  return types === '' ? d.target : `${d.target} (${types})`;
}

function describeExt(x: ExtActionJson): string {
  switch (x.result) {
    case 'discarded':
      return '@discard (nothing stored)';
    case 'rejected':
      return 'rejected (@reject)';
    case 'would-send':
      return `${x.target} (would be sent)`;
    default:
      return x.target;
  }
}

/** What handled the message, in order, for people: deliveries with folder types, extension actions. */
function handledText(r: MessageReport): string[] {
  const out: string[] = [];
  const exts = (r.extActions ?? []).filter((x) => x.handled);
  let k = 0;
  r.deliveries.forEach((d, i) => {
    for (; k < exts.length && exts[k]!.after <= i; k++) out.push(describeExt(exts[k]!));
    if (d.ok) out.push(describeDelivery(d));
  });
  for (; k < exts.length; k++) out.push(describeExt(exts[k]!));
  return out;
}

/** Where the message went, for people, without the exit code. */
export function describeWhere(r: MessageReport): string {
  switch (r.disposition) {
    case 'bounced':
      return 'bounced: nothing could be delivered';
    case 'requeued':
      return 'requeued: nothing could be delivered';
    case 'host-mismatch':
      return 'nothing delivered (HOST mismatch)';
    case 'rejected': {
      const h = handledText(r);
      return h.some((t) => t.endsWith('(@reject)')) ? h.join(' + ') : [...h, 'rejected (@reject)'].join(' + ');
    }
    default: {
      const h = handledText(r);
      return h.length === 0 ? 'nothing delivered' : h.join(' + ');
    }
  }
}

/**
 * What the outcome rests on that the dry run did not observe, for the end of
 * a line: ` [assumed exit 1 of rc:22]` (the first assumption, and how many
 * more), or ` [answered by --answers: rc:32]`; '' when everything was seen.
 */
export function assumptionFlag(r: MessageReport): string {
  const list = r.assumptions ?? [];
  if (list.length === 0) return '';
  const assumed = list.filter((a) => a.source === 'assumed');
  const shown = assumed.length > 0 ? assumed : list;
  if (shown.length === 0) return '';
  const first = shown[0]!;
  const more = shown.length > 1 ? `, +${shown.length - 1} more` : '';
  const where = first.at ?? first.command;
  if (assumed.length === 0) return ` [answered by --answers: ${where}${more}]`;
  const o = r.otherwise;
  const what = o !== undefined && o.at === first.at ? o.assumed : first.kind === 'filter' ? 'an unchanged message' : first.kind === 'capture' ? 'empty output' : `exit ${first.exitCode ?? 'none'}`;
  // Never let an assumption hide where the other answer leads.
  const other = o === undefined ? '' : `; ${o.other}: ${o.destination === r.destination && o.exitCode === r.exitCode ? 'the same' : `→ ${o.destination}${o.exitCode !== 0 ? `, exit ${o.exitCode}` : ''}`}`;
  return ` [assumed ${what} of ${where}${more}${other}]`;
}

/** A destination with folder types, for people; the exit code when it is not 0 (or EXITCODE decided it). */
export function describeDestination(r: MessageReport): string {
  const text = describeWhere(r);
  return r.exitCode !== 0 || r.disposition !== 'delivered' ? `${text}, exit ${r.exitCode}` : text;
}
