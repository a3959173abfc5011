import { describe, expect, it, vi } from 'vitest';
import { runSubcommandCli } from '../../src/cli/subcommand-cli.js';

/** `mailrules lmtp` refusing its command line: usage errors 64, configuration errors 78, never commander's 1. */
describe('mailrules lmtp command line', () => {
  const run = async (argv: string[]) => {
    const err: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
      err.push(String(s));
      return true;
    });
    try {
      return { code: await runSubcommandCli(argv), stderr: err.join('') };
    } finally {
      spy.mockRestore();
    }
  };

  it('a bad option value or an unknown option is a usage error (64)', async () => {
    expect(await run(['lmtp', '--user-concurrency', '0'])).toMatchObject({ code: 64, stderr: expect.stringContaining('--user-concurrency must be a whole number above 0') });
    expect((await run(['lmtp', '--bogus'])).code).toBe(64);
  });

  it('nowhere to listen, a bad --listen or --socket-mode is a configuration error (78)', async () => {
    expect(await run(['lmtp'])).toMatchObject({ code: 78, stderr: expect.stringContaining('nowhere to listen') });
    expect(await run(['lmtp', '--listen', 'bogus'])).toMatchObject({ code: 78, stderr: expect.stringContaining('expected unix:/path, HOST:PORT') });
    expect((await run(['lmtp', '--listen', '127.0.0.1:0', '--socket-mode', '999'])).code).toBe(78);
  });
});
