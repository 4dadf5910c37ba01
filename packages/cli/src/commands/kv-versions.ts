import { Command } from 'commander';
import { clientHelp, connect, withConnectionOptions } from './connection-options.js';
import { printJson, versionJson } from './json-shapes.js';
import { resolveTarget, type TargetFlags, withTarget } from './kv-target.js';

/**
 * `coffer kv versions NAME` or `coffer kv versions --id ID`: lists an object's versions.
 *
 * @example
 * kv.addCommand(kvVersionsCommand());
 */
export function kvVersionsCommand(): Command {
  const command = withTarget(new Command('versions').description('list the versions of an object, newest first'));
  withConnectionOptions(command)
    .addHelpText(
      'after',
      clientHelp(
        ['coffer kv versions db-password'],
        'Output: one version per line, version id, creation time, size in bytes and "current" for\n' +
          'the current version, separated by tabs.',
      ),
    )
    .action(async (name: string | undefined, flags: TargetFlags) => {
      const client = connect(flags);
      const target = await resolveTarget(client, name, flags);
      const versions = await client.listObjectVersions({ id: target.id });
      if (flags.json === true) {
        printJson({ data: versions.map(versionJson) });
        return;
      }
      for (const version of versions) {
        const current = version.currentVersion ? '\tcurrent' : '';
        process.stdout.write(`${version.id}\t${version.createdAt.toISOString()}\t${version.size}${current}\n`);
      }
    });
  return command;
}
