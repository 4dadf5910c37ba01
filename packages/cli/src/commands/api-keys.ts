import { DEFAULT_ENVIRONMENT } from '@coffer/server';
import { Command, Option } from 'commander';
import { CliError } from '../cli-error.js';
import { printJson, type StorageFlags, useStorage, withStorageOptions } from './storage-command.js';

/**
 * `coffer api-keys create|list|revoke`, working on the data dir or database directly.
 *
 * @example
 * program.addCommand(apiKeysCommand()); // coffer api-keys create --name billing
 */
export function apiKeysCommand(): Command {
  const command = new Command('api-keys').description(
    'create, list and revoke API keys (works on the database directly; the server may be running)',
  );

  const create = withStorageOptions(new Command('create').description('create an API key and print its secret once'))
    .requiredOption('--name <name>', 'a label for the key, such as the service that will use it')
    .addOption(new Option('--environment <name>', 'environment the key belongs to').default(DEFAULT_ENVIRONMENT))
    .action(async (flags: StorageFlags & { name: string; environment: string }) => {
      await useStorage(flags, async (storage, apiKeys) => {
        const environment = await storage.findEnvironmentByName(flags.environment);
        if (environment === undefined) {
          const known = (await storage.listEnvironments()).map((each) => each.name).join(', ');
          throw new CliError(`environment "${flags.environment}" does not exist; known environments: ${known}`);
        }
        const { record, secret } = await apiKeys.create(flags.name, environment);
        if (flags.json === true) {
          printJson({ id: record.id, name: record.name, environment: environment.name, secret });
        } else {
          process.stdout.write(
            `Created API key ${record.id} ("${record.name}", environment "${environment.name}").\n` +
              `Store this secret now; it is not shown again:\n\n    ${secret}\n\n`,
          );
        }
      });
    });

  const list = withStorageOptions(new Command('list').description('list API keys (secrets are never shown)')).action(
    async (flags: StorageFlags) => {
      await useStorage(flags, async (storage, apiKeys) => {
        const environments = new Map((await storage.listEnvironments()).map((each) => [each.id, each.name]));
        const rows = (await apiKeys.list()).map((record) => ({
          id: record.id,
          name: record.name,
          environment: environments.get(record.environmentId) ?? record.environmentId,
          secret_ends_with: record.secretHint,
          created_at: new Date(record.createdAt / 1000).toISOString(),
          revoked_at: record.revokedAt === null ? null : new Date(record.revokedAt / 1000).toISOString(),
        }));
        if (flags.json === true) {
          printJson(rows);
          return;
        }
        for (const row of rows) {
          const state = row.revoked_at === null ? 'active' : `revoked ${row.revoked_at}`;
          process.stdout.write(
            `${row.id}  ${row.name}  env=${row.environment}  ...${row.secret_ends_with}  created ${row.created_at}  ${state}\n`,
          );
        }
        if (rows.length === 0) {
          process.stdout.write('no API keys\n');
        }
      });
    },
  );

  const revoke = withStorageOptions(
    new Command('revoke').description('revoke an API key by id').argument('<id>', 'key id, key_...'),
  ).action(async (id: string, flags: StorageFlags) => {
    await useStorage(flags, async (_storage, apiKeys) => {
      if (!(await apiKeys.revoke(id))) {
        throw new CliError(`no active API key has id ${id}; run "coffer api-keys list" to see the ids`);
      }
      if (flags.json === true) {
        printJson({ id, revoked: true });
      } else {
        process.stdout.write(`Revoked API key ${id}. Running servers reject it within 2 seconds.\n`);
      }
    });
  });

  return command.addCommand(create).addCommand(list).addCommand(revoke);
}
