/**
 * procmail's NORMperm: files it creates (mailboxes, maildir/MH/directory
 * messages, the LOGFILE) are opened with mode 0667 under the umask. The
 * o+x bit is its "new mail" marker (UPDATE_MASK), kept when the umask lets
 * it through: with UMASK=022 new folders are 0645 (verified, differential
 * case 238); with the default 077 they are 0600.
 */
export const NORMAL_FILE_MODE = 0o667;
