import { CofferApiError } from '@coffer/client';
import { Command } from 'commander';
import { CliError, EXIT } from '../cli-error.js';
import {
  type ConnectionFlags,
  type ContextPairs,
  clientHelp,
  connect,
  requireContext,
  withConnectionOptions,
  withContextOption,
} from './connection-options.js';
import { readAllInput } from './input-output.js';
import { metadataJson, printJson } from './json-shapes.js';
import { resolveTarget } from './kv-target.js';

/** Largest value read from stdin; the server applies its own limit, 1 MiB by default. */
const MAX_STDIN_VALUE_BYTES = 64 * 1024 * 1024;

interface PutFlags extends ConnectionFlags {
  context: ContextPairs;
  update?: boolean;
  versionCheck?: string;
}

/**
 * `coffer kv put NAME [VALUE|-]`: creates an object, or with `--update` or `--version-check`
 * stores a new version of an existing one.
 *
 * @example
 * kv.addCommand(kvPutCommand());
 */
export function kvPutCommand(): Command {
  const command = new Command('put')
    .description('store a new object, or a new version of one with --update')
    .argument('<name>', 'object name, 1 to 200 characters')
    .argument('[value]', 'the value; "-" or absent reads it from stdin, byte for byte (a trailing newline is kept)');
  withContextOption(command, 'key context pair for a new object, such as app=billing (at least one)')
    .option('--update', 'store a new version of the existing object NAME; its context stays as created')
    .option('--version-check <version-id>', 'update only while this is the current version id (implies --update)');
  withConnectionOptions(command)
    .addHelpText(
      'after',
      clientHelp(
        [
          'printf %s "$DB_PASSWORD" | coffer kv put db-password --context app=billing',
          'printf %s "$NEW_PASSWORD" | coffer kv put db-password --update',
          'coffer kv put db-password - --version-check 9f1c... < new-password.txt',
        ],
        'A value on the command line is visible to other local users in the process list; prefer stdin.',
      ),
    )
    .action(async (name: string, value: string | undefined, flags: PutFlags) => {
      await runPut(name, value, flags);
    });
  return command;
}

async function runPut(name: string, valueArgument: string | undefined, flags: PutFlags): Promise<void> {
  const updating = flags.update === true || flags.versionCheck !== undefined;
  const hasContext = flags.context !== undefined && flags.context.length > 0;
  if (updating && hasContext) {
    throw new CliError(
      '--context cannot be used with --update: an object keeps the context it was created with',
      EXIT.usage,
    );
  }
  if (!updating && !hasContext) {
    throw new CliError('kv put needs at least one --context key=value for a new object, or --update', EXIT.usage);
  }
  const client = connect(flags);
  const value = valueArgument === undefined || valueArgument === '-' ? await readValueFromStdin() : valueArgument;

  if (updating) {
    const target = await resolveTarget(client, name, flags);
    const updated = await client.updateObject({ id: target.id, value, versionCheck: flags.versionCheck });
    report('updated', name, updated.metadata, flags);
    return;
  }

  try {
    const metadata = await client.createObject({ name, value, context: requireContext(flags.context, 'kv put') });
    report('created', name, metadata, flags);
  } catch (error) {
    if (error instanceof CofferApiError && error.code === 'name_conflict') {
      throw new CliError(`an object named "${name}" already exists; add --update to store a new version`);
    }
    throw error;
  }
}

function report(
  verb: 'created' | 'updated',
  name: string,
  metadata: Parameters<typeof metadataJson>[0],
  flags: PutFlags,
): void {
  if (flags.json === true) {
    printJson({ id: metadata.id, name, metadata: metadataJson(metadata) });
  } else {
    process.stdout.write(`${verb} "${name}" (id ${metadata.id}, version ${metadata.versionId})\n`);
  }
}

async function readValueFromStdin(): Promise<string> {
  if (process.stdin.isTTY === true) {
    throw new CliError('no value: give VALUE as an argument or pipe it to stdin', EXIT.usage);
  }
  const bytes = await readAllInput(undefined, MAX_STDIN_VALUE_BYTES, 'the value on stdin');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new CliError('the value on stdin is not valid UTF-8; object values are text');
  }
}
