import { Command, CommanderError } from 'commander';
import { CliError, EXIT } from './cli-error.js';
import { apiKeysCommand } from './commands/api-keys.js';
import { environmentsCommand } from './commands/environments.js';
import { serveCommand } from './commands/serve.js';

/**
 * Runs the `coffer` command line and returns the process exit code. Errors become one line on
 * stderr; stack traces appear only with COFFER_DEBUG=1.
 *
 * @example
 * process.exitCode = await main(['api-keys', 'list']);
 */
export async function main(argv: string[]): Promise<number> {
  const program = new Command('coffer')
    .description('Coffer: a self-hosted encryption key manager and secrets vault that speaks the WorkOS Vault API')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      '\nExit codes: 0 success, 1 operation failed, 2 invalid command line or configuration, ' +
        '3 server unreachable or answering 5xx.',
    )
    .addCommand(serveCommand())
    .addCommand(apiKeysCommand())
    .addCommand(environmentsCommand());

  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    return reportError(error);
  }
}

function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander has already printed its message (or the help text).
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (error instanceof CliError) {
    process.stderr.write(`coffer: ${error.message}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`coffer: ${message}\n`);
  if (process.env.COFFER_DEBUG === '1' && error instanceof Error) {
    process.stderr.write(`${error.stack}\n`);
  }
  return EXIT.failure;
}
