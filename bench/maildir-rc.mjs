// The rc file of the LMTP benchmarks (lmtp.mjs, lmtp-worker.mjs): twenty recipes that mostly do
// not match, then the maildir: a typical personal rc.
export const MAILDIR_RC = [
  'MAILDIR=$HOME/Maildir',
  'DEFAULT=$HOME/Maildir/',
  ...Array.from({ length: 19 }, (_, i) => `:0\n* ^Subject:.*(project-${i}|weekly-${i})\n* !^From:.*noreply\n.list-${i}/`),
  ':0\n* ^X-Spam-Flag: YES\n.spam/',
  '',
].join('\n');
