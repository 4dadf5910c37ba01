import { Command } from 'commander';
import { clientHelp, connect, withConnectionOptions } from './connection-options.js';
import { metadataJson, printJson } from './json-shapes.js';
import { resolveTarget, type TargetFlags, withTarget } from './kv-target.js';

/**
 * `coffer kv describe NAME` or `coffer kv describe --id ID`: prints metadata without the value.
 *
 * @example
 * kv.addCommand(kvDescribeCommand());
 */
export function kvDescribeCommand(): Command {
  const command = withTarget(
    new Command('describe').description("print an object's metadata without decrypting its value"),
  );
  withConnectionOptions(command)
    .addHelpText('after', clientHelp(['coffer kv describe db-password --json']))
    .action(async (name: string | undefined, flags: TargetFlags) => {
      const client = connect(flags);
      const target = await resolveTarget(client, name, flags);
      const object = await client.describeObject({ id: target.id });
      if (flags.json === true) {
        printJson({ id: object.id, name: object.name, metadata: metadataJson(object.metadata) });
        return;
      }
      const { metadata } = object;
      const context = Object.entries(metadata.context)
        .map(([key, value]) => `${key}=${value}`)
        .join(', ');
      process.stdout.write(
        `name:        ${object.name}\n` +
          `id:          ${object.id}\n` +
          `version:     ${metadata.versionId}\n` +
          `key id:      ${metadata.keyId}\n` +
          `context:     ${context}\n` +
          `updated at:  ${metadata.updatedAt.toISOString()}\n` +
          `updated by:  ${metadata.updatedBy.name} (${metadata.updatedBy.id})\n`,
      );
    });
  return command;
}
