/**
 * What the zygote delivers to itself before it forks anyone
 * (src/lmtp/zygote.ts): deliveries that run the code every worker runs
 * (the rc compiled and evaluated, header and body regexes, a maildir
 * written), so that V8's compiled code and the heap it leaves are the
 * zygote's, shared by every child, instead of made again in each.
 * Everything happens under a private directory of the zygote's own,
 * removed afterwards: ORGMAIL and DEFAULT point there too, so no failure
 * can reach the system mail spool, and COMSAT is off.
 */
export const WARM_UP_RC = [
  'MAILDIR=HOME_DIR/Mail',
  'ORGMAIL=HOME_DIR/orgmail',
  'DEFAULT=HOME_DIR/Mail/',
  'COMSAT=no',
  ':0',
  '* ^Subject:.*(weekly|report)',
  '* !^From:.*noreply',
  'reports/',
  ':0 B',
  '* unsubscribe',
  'lists/',
  ':0',
  '* ^X-Spam-Flag: YES',
  'spam/',
  ':0',
  '* ^From:\\/.*',
  '{ SENDER=$MATCH }',
  '',
].join('\n');

const SUBJECTS = ['weekly report', 'lunch?', 'Re: the plan', 'invoice 42'];

/** The i-th sample message: a few kinds, so each recipe both matches and does not. */
export function warmUpMessage(i: number): Buffer {
  const body = i % 3 === 0 ? 'To stop these mails, unsubscribe here.\n' : `Hello,\n\nmessage ${i}.\n`;
  return Buffer.from(
    `From: ${i % 5 === 0 ? 'noreply' : 'alice'}@example.org\nTo: bob@example.org\nSubject: ${SUBJECTS[i % SUBJECTS.length]}\n` +
      `Message-ID: <${i}@example.org>\n${i % 7 === 0 ? 'X-Spam-Flag: YES\n' : ''}\n${body}`,
    'latin1',
  );
}
