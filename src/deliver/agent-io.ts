import type { ExtAnswers } from './answerer.js';
import type { KernelLocker } from './kernel-lock.js';
import type { ProgramPipes } from './os-pipe.js';
import type { CompiledRcCache } from './compiled-rc-cache.js';
import type { Clock, DatagramSend, DeliveryFs, SpawnFn, TextSink } from './seams.js';
import type { StopSignal } from './stop-signal.js';
import type { DeliveryWatch } from './watch.js';
import type { UserDb, UserEntry } from './userdb.js';

/**
 * The delivery agent's seams (docs/architecture.md §4.4): every effect of a
 * delivery from procmail's command line goes through them, so each exit
 * path has a test. src/cli/delivery-agent-entry.ts gives the real ones.
 */
export interface LdaIo {
  stdin(): Promise<Buffer>;
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly fs: DeliveryFs;
  readonly spawn: SpawnFn;
  readonly clock: Clock;
  readonly userdb: UserDb;
  readonly hostname: string;
  readonly pid: number;
  /** Real uid of the process. */
  readonly uid: number;
  /** The process's working directory. */
  readonly cwd: string;
  readonly umask: number;
  setUmask?(mask: number): void;
  /** Become the recipient: setgroups, setgid, setuid, in that order. Only called when running as root. */
  switchUser?(user: UserEntry, groups: number[]): void;
  /** How to run this program again (one child per recipient with several -d recipients as root). */
  readonly self?: readonly string[];
  readonly kernel?: KernelLocker;
  /** How programs' stdio is connected (deliver/os-pipe.ts): real pipes unless given. */
  readonly pipes?: ProgramPipes;
  readonly ext?: ExtAnswers | (() => Promise<ExtAnswers>);
  /** Our version, for -v. */
  readonly version?: string;
  /** The compiled-rc cache of the user a delivery runs as (compiled-rc-cache.ts); none when absent. */
  readonly compiledRcCache?: (user: UserEntry) => CompiledRcCache | null;
  /**
   * The system mail spool, `/var/mail` unless given: ORGMAIL is
   * `<spool>/$LOGNAME`, screened at start-up (docs/procmail-semantics.md §9). Tests point
   * it at a temporary directory.
   */
  readonly mailSpool?: string;
  /** Sends the comsat datagram (docs/procmail-semantics.md §5.2); real UDP (deliver/udp.ts) unless given. */
  readonly comsat?: DatagramSend;
  /** Sees every answered request and the outcome (the LMTP service's per-recipient log line and reply). */
  readonly watch?: DeliveryWatch;
  /** Set by SIGTERM, SIGINT and SIGHUP (src/cli/delivery-agent-entry.ts): the delivery stops, and the message is whole where it is or requeued. */
  readonly stop?: StopSignal;
}
