import { EX_SOFTWARE } from '../sysexits.js';
import { exitWhenFlushed } from './exit-when-flushed.js';
import { runSubcommandCli } from './subcommand-cli.js';

// Bundle entry of the developer CLI (dist/cli.cjs), started by bin/mailrules.
runSubcommandCli(process.argv.slice(2)).then(
  (code) => exitWhenFlushed(code),
  () => exitWhenFlushed(EX_SOFTWARE),
);
