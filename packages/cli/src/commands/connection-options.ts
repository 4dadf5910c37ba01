import { CofferClient, DEFAULT_BASE_URL } from '@coffer/client';
import { type Command, Option } from 'commander';
import { CliError, EXIT } from '../cli-error.js';
import { wholeNumberOption } from './whole-number-option.js';

/**
 * The flags that `withConnectionOptions` adds to a client command.
 *
 * @example
 * withConnectionOptions(command).action((flags: ConnectionFlags) => connect(flags));
 */
export interface ConnectionFlags {
  url: string;
  apiKey?: string;
  timeout: number;
  json?: boolean;
}

const CONNECTION_HELP =
  'The server is COFFER_URL (default http://127.0.0.1:7700) and the API key is COFFER_API_KEY;\n' +
  '--url and --api-key override them. Exit codes: 0 success, 1 operation failed, 2 invalid command\n' +
  'line or configuration, 3 server unreachable or answering 5xx.\n';

/**
 * Builds the text after the options in a client command's help: examples, optional notes,
 * then how the server and API key are chosen and what the exit codes mean.
 *
 * @example
 * command.addHelpText('after', clientHelp(['coffer kv get db-password']));
 */
export function clientHelp(examples: string[], notes = ''): string {
  const heading = examples.length === 1 ? 'Example:' : 'Examples:';
  const lines = examples.map((example) => `  ${example}\n`).join('');
  return `\n${heading}\n${lines}\n${notes.length > 0 ? `${notes}\n\n` : ''}${CONNECTION_HELP}`;
}

/**
 * Adds `--url`, `--api-key`, `--timeout` and `--json` to a command that talks to a server.
 *
 * @example
 * withConnectionOptions(new Command('get')).action(async (flags) => { const client = connect(flags); });
 */
export function withConnectionOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--url <url>', 'server URL, such as https://vault.internal:7700')
        .env('COFFER_URL')
        .default(DEFAULT_BASE_URL),
    )
    .addOption(
      new Option(
        '--api-key <secret>',
        'API key secret (sk_...); prefer COFFER_API_KEY, because other local users can see command lines',
      ).env('COFFER_API_KEY'),
    )
    .addOption(
      new Option('--timeout <seconds>', 'time limit of each HTTP request, in seconds (1 to 3600)')
        .default(30)
        .argParser(wholeNumberOption('--timeout', 1, 3600)),
    )
    .option('--json', 'print machine-readable JSON on stdout');
}

/**
 * Builds a client from the connection flags. Raises a usage `CliError` when no API key is set
 * or the URL is invalid.
 *
 * @example
 * const client = connect({ url: 'http://127.0.0.1:7700', apiKey: 'sk_test_123', timeout: 30 });
 */
export function connect(flags: ConnectionFlags): CofferClient {
  if (flags.apiKey === undefined || flags.apiKey.length === 0) {
    throw new CliError(
      'missing API key: set COFFER_API_KEY=sk_... or pass --api-key ' +
        '(create a key with "coffer api-keys create --name NAME")',
      EXIT.usage,
    );
  }
  try {
    return new CofferClient({ baseUrl: flags.url, apiKey: flags.apiKey, timeoutMs: flags.timeout * 1000 });
  } catch (error) {
    throw new CliError(`invalid --url or COFFER_URL: ${(error as Error).message}`, EXIT.usage);
  }
}

/**
 * Adds a repeatable `--context key=value` option that collects pairs in the order given.
 *
 * @example
 * withContextOption(command, 'key context pair that selects a KEK');
 */
export function withContextOption(command: Command, description: string): Command {
  return command.addOption(
    new Option('--context <key=value>', `${description}; repeat for more pairs`).argParser(collectContextPair),
  );
}

/**
 * The pairs that `withContextOption` collects, in the order given; absent when none were.
 *
 * @example
 * const pairs: ContextPairs = [['tenant', 't1']];
 */
export type ContextPairs = Array<[string, string]> | undefined;

/**
 * Turns collected `--context` pairs into a key context, raising a usage `CliError` when there
 * are none. Every key becomes an own property, even `__proto__`, because Object.fromEntries
 * defines properties instead of assigning them.
 *
 * @example
 * requireContext([['tenant', 't1']], 'encrypt'); // { tenant: 't1' }
 */
export function requireContext(pairs: ContextPairs, commandName: string): Record<string, string> {
  if (pairs === undefined || pairs.length === 0) {
    throw new CliError(`${commandName} needs at least one --context key=value`, EXIT.usage);
  }
  return Object.fromEntries(pairs);
}

function collectContextPair(text: string, previous: Array<[string, string]> = []): Array<[string, string]> {
  const separator = text.indexOf('=');
  if (separator <= 0) {
    throw new CliError(`--context must have the form key=value, such as tenant=t1, got "${text}"`, EXIT.usage);
  }
  const key = text.slice(0, separator);
  if (previous.some(([existing]) => existing === key)) {
    throw new CliError(`--context gives the key "${key}" twice; each key may appear once`, EXIT.usage);
  }
  return [...previous, [key, text.slice(separator + 1)]];
}
