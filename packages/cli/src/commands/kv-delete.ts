import { Command } from 'commander';
import { clientHelp, connect, withConnectionOptions } from './connection-options.js';
import { printJson } from './json-shapes.js';
import { resolveTarget, type TargetFlags, withTarget } from './kv-target.js';

interface DeleteFlags extends TargetFlags {
  versionCheck?: string;
}

/**
 * `coffer kv delete NAME` or `coffer kv delete --id ID`: deletes an object with all versions.
 *
 * @example
 * kv.addCommand(kvDeleteCommand());
 */
export function kvDeleteCommand(): Command {
  const command = withTarget(
    new Command('delete').description('delete an object and every version of it, permanently'),
  ).option('--version-check <version-id>', 'delete only while this is the current version id');
  withConnectionOptions(command)
    .addHelpText(
      'after',
      clientHelp(['coffer kv delete db-password', 'coffer kv delete --id 0b7d... --version-check 9f1c...']),
    )
    .action(async (name: string | undefined, flags: DeleteFlags) => {
      const client = connect(flags);
      const target = await resolveTarget(client, name, flags);
      const result = await client.deleteObject({ id: target.id, versionCheck: flags.versionCheck });
      if (flags.json === true) {
        printJson({ id: target.id, name: result.name, deleted: result.success });
      } else {
        process.stdout.write(`deleted "${result.name}" (id ${target.id})\n`);
      }
    });
  return command;
}
