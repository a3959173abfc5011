import { parseAddressList } from './address.js';
import { fieldValues, type ParsedHeader } from './header.js';

/**
 * The fields in which the MTA names the recipient it delivered to: Postfix's
 * Delivered-To and X-Original-To, Exim's Envelope-To. The topmost is the
 * one added last, by our MTA.
 */
const RECIPIENT_FIELDS = ['Delivered-To', 'X-Original-To', 'Envelope-To'] as const;

/**
 * The domain this message was delivered to, for a notice's origin when the
 * host has no fully qualified name (src/deliver/mail-host.ts). Only an
 * address whose local part is the recipient's login (`bob` or `bob+ext`)
 * counts: a sender can put any of these fields into a message.
 */
export function recipientDomain(header: ParsedHeader, logname: string): string | null {
  if (logname === '') return null;
  const me = logname.toLowerCase();
  for (const name of RECIPIENT_FIELDS) {
    for (const value of fieldValues(header, name)) {
      for (const address of parseAddressList(value)) {
        const at = address.lastIndexOf('@');
        if (at <= 0) continue;
        const local = address.slice(0, at).toLowerCase();
        const domain = address.slice(at + 1);
        if ((local === me || local.startsWith(`${me}+`)) && /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/.test(domain)) return domain.toLowerCase();
      }
    }
  }
  return null;
}
