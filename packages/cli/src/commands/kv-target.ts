import type { CofferClient } from '@coffer/client';
import type { Command } from 'commander';
import { CliError, EXIT } from '../cli-error.js';
import type { ConnectionFlags } from './connection-options.js';

/**
 * Flags of a kv command that acts on one object.
 *
 * @example
 * withTarget(command).action((name: string | undefined, flags: TargetFlags) => resolveTarget(client, name, flags));
 */
export interface TargetFlags extends ConnectionFlags {
  id?: string;
}

/**
 * An object picked on the command line: its id, and its name when the user gave one.
 *
 * @example
 * const target: Target = await resolveTarget(client, 'db-password', flags);
 */
export interface Target {
  id: string;
  name: string | undefined;
}

/**
 * Adds the `[name]` argument and the `--id` option, of which exactly one picks the object.
 *
 * @example
 * withTarget(new Command('describe'));
 */
export function withTarget(command: Command): Command {
  return command
    .argument('[name]', 'the object name, matched exactly')
    .option('--id <id>', 'pick the object by id instead of by name');
}

/**
 * Finds the id of the object picked by `name` or `--id`. A name is looked up by listing with it
 * as the search filter and keeping the exact match, which reads no value and records a listing
 * event rather than a data read.
 *
 * NOTE: a name that is a substring of many other names costs one request per 100 of them.
 *
 * @example
 * const { id } = await resolveTarget(client, name, flags);
 */
export async function resolveTarget(
  client: CofferClient,
  name: string | undefined,
  flags: TargetFlags,
): Promise<Target> {
  if ((name === undefined) === (flags.id === undefined)) {
    throw new CliError('give either an object NAME or --id ID, not both and not neither', EXIT.usage);
  }
  if (flags.id !== undefined) {
    return { id: flags.id, name: undefined };
  }

  const exactName = name as string;
  for await (const summary of client.listAllObjects({ search: exactName, limit: 100 })) {
    if (summary.name === exactName) {
      return { id: summary.id, name: exactName };
    }
  }
  throw new CliError(`no object is named "${exactName}"; run "coffer kv list" to see the names`);
}
