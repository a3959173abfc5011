import type { DecodedFields } from './decode.js';
import type { HeaderFields } from './header-fields.js';
import type { MessageReport } from './report.js';

/**
 * `mailrules test --json`: the report as JSON Lines. The schema is
 * report.ts's header, beside the types it describes.
 */

/**
 * The report with the From/To fields and the decoded texts (--json and
 * --trace; the short form and replays never pay for them). Keys keep the
 * schema's order: each decoded text follows its raw one.
 */
export function withHeaderFields(r: MessageReport, raw: HeaderFields, decoded: DecodedFields): MessageReport {
  // One literal in schema order: one hidden class, cheap to stringify
  // (an undefined decoded text is left out of the JSON).
  return {
    schema: r.schema,
    message: r.message,
    size: r.size,
    subject: r.subject,
    subjectDecoded: decoded.subject,
    from: raw.from,
    fromDecoded: decoded.from,
    to: raw.to,
    toDecoded: decoded.to,
    destination: r.destination,
    fellThrough: r.fellThrough,
    disposition: r.disposition,
    exitCode: r.exitCode,
    lastFolder: r.lastFolder,
    recipe: r.recipe,
    assumed: r.assumed,
    assumptions: r.assumptions,
    otherwise: r.otherwise,
    deliveries: r.deliveries,
    extActions: r.extActions,
    recipes: r.recipes,
    assignments: r.assignments,
    programs: r.programs,
    notWritten: r.notWritten,
    log: r.log,
    notes: r.notes,
  };
}

/** The JSON Lines form: one line, stable key order. */
export function renderJson(r: MessageReport): string {
  return `${JSON.stringify(r)}\n`;
}
