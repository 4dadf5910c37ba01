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
import { printJson } from './json-shapes.js';

interface CreateFlags extends ConnectionFlags {
  context: ContextPairs;
}

/**
 * `coffer data-key create|decrypt`: get a new data key for a context, or recover one from its
 * `encrypted_keys` blob.
 *
 * @example
 * program.addCommand(dataKeyCommand());
 */
export function dataKeyCommand(): Command {
  const command = new Command('data-key').description('create data keys and decrypt encrypted_keys blobs');

  const create = withContextOption(
    new Command('create').description(
      'create a data key: print its id, the 32-byte key (base64) and the encrypted_keys blob to store with your data',
    ),
    'key context pair, such as organization_id=org_123',
  );
  withConnectionOptions(create)
    .addHelpText(
      'after',
      clientHelp(
        ['coffer data-key create --context organization_id=org_123 --json'],
        'The data key is secret: keep it in memory only, and store only encrypted_keys.',
      ),
    )
    .action(async (flags: CreateFlags) => {
      const context = requireContext(flags.context, 'data-key create');
      const pair = await connect(flags).createDataKey({ context });
      const output = {
        id: pair.id,
        data_key: pair.dataKey.toString('base64'),
        encrypted_keys: pair.encryptedKeys,
        context: pair.context,
      };
      pair.dataKey.fill(0);
      if (flags.json === true) {
        printJson(output);
      } else {
        process.stdout.write(
          `id: ${output.id}\ndata_key: ${output.data_key}\nencrypted_keys: ${output.encrypted_keys}\n`,
        );
      }
    });

  const decrypt = new Command('decrypt')
    .description('decrypt an encrypted_keys blob and print the data key (base64)')
    .argument('[blob]', 'the base64 encrypted_keys blob; "-" or absent reads it from stdin');
  withConnectionOptions(decrypt)
    .addHelpText(
      'after',
      clientHelp(['coffer data-key decrypt AQIDBA...==', 'cat blob.txt | coffer data-key decrypt - --json']),
    )
    .action(async (blob: string | undefined, flags: ConnectionFlags) => {
      const keys = blob === undefined || blob === '-' ? await readBlobFromStdin() : blob.trim();
      const key = await connect(flags).decryptDataKey({ keys });
      const output = { id: key.id, data_key: key.dataKey.toString('base64') };
      key.dataKey.fill(0);
      if (flags.json === true) {
        printJson(output);
      } else {
        process.stdout.write(`id: ${output.id}\ndata_key: ${output.data_key}\n`);
      }
    });

  return command.addCommand(create).addCommand(decrypt);
}

async function readBlobFromStdin(): Promise<string> {
  if (process.stdin.isTTY === true) {
    throw new CliError('no blob given: pass it as an argument or pipe it to stdin', EXIT.usage);
  }
  const text = (await readAllInput(undefined, 1024 * 1024, 'the blob')).toString('utf8').trim();
  if (text.length === 0) {
    throw new CliError('stdin is empty: expected a base64 encrypted_keys blob', EXIT.usage);
  }
  return text;
}
