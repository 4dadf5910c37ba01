import type { VaultObject } from '@coffer/client';
import { Command } from 'commander';
import { CliError, EXIT } from '../cli-error.js';
import { clientHelp, connect, withConnectionOptions } from './connection-options.js';
import { metadataJson, printJson } from './json-shapes.js';
import type { TargetFlags } from './kv-target.js';

/**
 * `coffer kv get NAME` or `coffer kv get --id ID`: prints an object's decrypted value.
 *
 * @example
 * kv.addCommand(kvGetCommand());
 */
export function kvGetCommand(): Command {
  const command = new Command('get')
    .description('print the decrypted value of an object')
    .argument('[name]', 'the object name, matched exactly')
    .option('--id <id>', 'read the object by id instead of by name');
  withConnectionOptions(command)
    .addHelpText(
      'after',
      clientHelp(
        ['coffer kv get db-password', 'coffer kv get --id 0b7d... --json'],
        'The value is printed exactly as stored; a newline is added only when stdout is a terminal.',
      ),
    )
    .action(async (name: string | undefined, flags: TargetFlags) => {
      if ((name === undefined) === (flags.id === undefined)) {
        throw new CliError('give either an object NAME or --id ID, not both and not neither', EXIT.usage);
      }
      const client = connect(flags);
      const object: VaultObject =
        flags.id === undefined
          ? await client.readObjectByName(name as string)
          : await client.readObject({ id: flags.id });

      if (flags.json === true) {
        printJson({ id: object.id, name: object.name, value: object.value, metadata: metadataJson(object.metadata) });
      } else {
        process.stdout.write(process.stdout.isTTY === true ? `${object.value}\n` : object.value);
      }
    });
  return command;
}
