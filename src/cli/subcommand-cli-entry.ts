import { EX_SOFTWARE } from '../sysexits.js';
import { runSubcommandCli } from './subcommand-cli.js';

// Bundle entry of the developer CLI (dist/cli.cjs), started by bin/mailrules.
runSubcommandCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  () => process.exit(EX_SOFTWARE),
);
