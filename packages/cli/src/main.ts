import { Command, CommanderError } from 'commander';
import { CliError, EXIT } from './cli-error.js';
import { toCliError } from './commands/client-errors.js';
import { dataKeyCommand } from './commands/data-key.js';
import { decryptCommand } from './commands/decrypt.js';
import { encryptCommand } from './commands/encrypt.js';
import { kvCommand } from './commands/kv.js';

/**
 * Runs the `coffer` command line and returns the process exit code. Errors become one line on
 * stderr; stack traces appear only with COFFER_DEBUG=1.
 *
 * @example
 * process.exitCode = await main(['api-keys', 'list']);
 */
export async function main(argv: string[]): Promise<number> {
  process.stdout.on('error', exitOnClosedStdout);
  const program = new Command('coffer')
    .description('Coffer: a self-hosted encryption key manager and secrets vault that speaks the WorkOS Vault API')
    .addHelpText(
      'after',
      '\nExit codes: 0 success, 1 operation failed, 2 invalid command line or configuration, ' +
        '3 server unreachable or answering 5xx.',
    );
  for (const command of await loadCommands(argv[0])) {
    program.addCommand(command);
  }
  configureTree(program);

  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    return reportError(error);
  }
}

const CLIENT_COMMANDS = new Set(['data-key', 'encrypt', 'decrypt', 'kv']);

/**
 * Builds the top-level commands. The server commands import the whole server (Fastify, the
 * database drivers), which is most of the start-up time of a client command, so they are loaded
 * only when the command line does not start with a client command.
 */
async function loadCommands(first: string | undefined): Promise<Command[]> {
  const clientCommands = [dataKeyCommand(), encryptCommand(), decryptCommand(), kvCommand()];
  if (first !== undefined && CLIENT_COMMANDS.has(first)) {
    return clientCommands;
  }
  const [{ serveCommand }, { apiKeysCommand }, { environmentsCommand }, { migrateCommand }] = await Promise.all([
    import('./commands/serve.js'),
    import('./commands/api-keys.js'),
    import('./commands/environments.js'),
    import('./commands/migrate.js'),
  ]);
  return [serveCommand(), apiKeysCommand(), environmentsCommand(), migrateCommand(), ...clientCommands];
}

/**
 * Makes every command, not only the root, throw instead of calling process.exit, print to
 * stderr, and point to --help after a usage error: commands added with addCommand do not
 * inherit these settings from their parent.
 */
function configureTree(command: Command): void {
  command
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })
    .showHelpAfterError('(run with --help for usage)');
  for (const subcommand of command.commands) {
    configureTree(subcommand);
  }
}

/**
 * Ends the process quietly when the reader of stdout has gone, as in `coffer kv list | head -1`;
 * without a listener Node would crash with an unhandled EPIPE error.
 */
function exitOnClosedStdout(error: NodeJS.ErrnoException): void {
  if (error.code === 'EPIPE') {
    process.exit(EXIT.ok);
  }
  throw error;
}

function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander has already printed its message (or the help text).
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  const known = error instanceof CliError ? error : toCliError(error);
  if (known !== undefined) {
    process.stderr.write(`coffer: ${known.message}\n`);
    printStackWhenDebugging(error);
    return known.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`coffer: ${message}\n`);
  printStackWhenDebugging(error);
  return EXIT.failure;
}

function printStackWhenDebugging(error: unknown): void {
  if (process.env.COFFER_DEBUG === '1' && error instanceof Error) {
    process.stderr.write(`${error.stack}\n`);
  }
}
