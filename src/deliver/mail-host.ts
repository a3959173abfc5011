/**
 * The host's fully qualified name, for what our notices name as their origin
 * (a DSN's Reporting-MTA and MAILER-DAEMON address, an auto-reply's From,
 * Message-IDs): `vm` means nothing to the host that receives them. The
 * kernel's node name when it has a dot; else Debian's /etc/mailname, the
 * name Postfix and Exim give local mail (myorigin, qualify_domain); else the
 * canonical name /etc/hosts gives the node name, as `hostname -f` reads it.
 * null when none is known: src/deliver/ext-answers.ts then falls back to the
 * recipient's domain.
 */
export function fullyQualifiedHost(node: string, readText: (path: string) => string | null): string | null {
  if (qualified(node)) return node;
  const mailname = readText('/etc/mailname')?.split('\n')[0]?.trim() ?? '';
  if (qualified(mailname)) return mailname;
  for (const raw of (readText('/etc/hosts') ?? '').split('\n')) {
    const names = raw.replace(/#.*/, '').trim().split(/\s+/).slice(1);
    if (!names.some((n) => n.toLowerCase() === node.toLowerCase() || n.toLowerCase().startsWith(`${node.toLowerCase()}.`))) continue;
    const canonical = names.find(qualified);
    if (canonical !== undefined && canonical.toLowerCase().startsWith(`${node.toLowerCase()}.`)) return canonical;
  }
  return null;
}

/** A dotted name that is not an address literal or `localhost.localdomain`. */
function qualified(name: string): boolean {
  return /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/.test(name) && !/^\d+(\.\d+)+$/.test(name) && !/^localhost\./i.test(name);
}
