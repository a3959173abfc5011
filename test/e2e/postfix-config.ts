// The configuration of a private Postfix instance for the end-to-end tests
// (own config, queue and data directories under a temp dir, started with
// `postfix -c DIR start`): SMTP only on 127.0.0.1:<port>, no chroot, no
// aliases, and nothing may leave this machine. Each test adds how local mail
// is delivered (main.cf lines) and any extra services (master.cf lines).
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

/** A loopback TCP port nobody listens on now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Whether something answers on 127.0.0.1:`port` (Postfix's smtpd, once it has started). */
export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

export interface PostfixDirs {
  /** main.cf and master.cf go here. */
  readonly conf: string;
  readonly queue: string;
  readonly data: string;
  /** maillog and the spool directory go here. */
  readonly root: string;
}

export function writePostfixConfig(dirs: PostfixDirs, smtpPort: number, delivery: readonly string[], services: readonly string[] = []): void {
  fs.writeFileSync(
    path.join(dirs.conf, 'main.cf'),
    [
      'compatibility_level = 3.6',
      `queue_directory = ${dirs.queue}`,
      `data_directory = ${dirs.data}`,
      `maillog_file = ${dirs.root}/maillog`,
      `maillog_file_prefixes = ${dirs.root}`,
      'myhostname = localhost',
      'mydomain = localdomain',
      'myorigin = localhost',
      'mydestination = localhost',
      'inet_interfaces = loopback-only',
      'inet_protocols = ipv4',
      'mynetworks = 127.0.0.0/8',
      'smtpd_recipient_restrictions = permit_mynetworks, reject',
      'alias_maps =',
      'alias_database =',
      'recipient_delimiter = +',
      ...delivery,
      // Nothing may leave this machine.
      'default_transport = error:outside mail is not allowed in this test',
      'relay_transport = error:outside mail is not allowed in this test',
      'relayhost =',
      'biff = no',
      'smtputf8_enable = no',
      `mail_spool_directory = ${dirs.root}/spool`,
      '',
    ].join('\n'),
  );
  // Only loopback, on the free high port; no chroot.
  fs.writeFileSync(
    path.join(dirs.conf, 'master.cf'),
    [
      `127.0.0.1:${smtpPort} inet n - n - - smtpd`,
      'pickup unix n - n 60 1 pickup',
      'cleanup unix n - n - 0 cleanup',
      'qmgr unix n - n 300 1 qmgr',
      'rewrite unix - - n - - trivial-rewrite',
      'bounce unix - - n - 0 bounce',
      'defer unix - - n - 0 bounce',
      'trace unix - - n - 0 bounce',
      'verify unix - - n - 1 verify',
      'flush unix n - n 1000? 0 flush',
      'proxymap unix - - n - - proxymap',
      'showq unix n - n - - showq',
      'error unix - - n - - error',
      'retry unix - - n - - error',
      'discard unix - - n - - discard',
      'local unix - n n - - local',
      ...services,
      'anvil unix - - n - 1 anvil',
      'scache unix - - n - 1 scache',
      'postlog unix-dgram n - n - 1 postlogd',
      '',
    ].join('\n'),
  );
}
