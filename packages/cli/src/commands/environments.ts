import { Command } from 'commander';
import { CliError, EXIT } from '../cli-error.js';
import { printJson, type StorageFlags, useStorage, withStorageOptions } from './storage-command.js';

const ENVIRONMENT_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/**
 * `coffer environments create|list`: environments isolate API keys, KEKs and objects from each
 * other, such as `staging` and `production` on one server.
 *
 * @example
 * coffer environments create staging && coffer api-keys create --name ci --environment staging
 */
export function environmentsCommand(): Command {
  const command = new Command('environments').description(
    'create and list environments; each has its own API keys, KEKs and objects',
  );

  const create = withStorageOptions(
    new Command('create')
      .description('create an environment')
      .argument('<name>', 'lowercase letters, digits, "-" and "_", up to 63 characters'),
  ).action(async (name: string, flags: StorageFlags) => {
    if (!ENVIRONMENT_NAME.test(name)) {
      throw new CliError(
        `invalid environment name "${name}": use 1 to 63 lowercase letters, digits, "-" or "_", starting with a letter or digit`,
        EXIT.usage,
      );
    }
    await useStorage(flags, async (storage, apiKeys) => {
      if ((await storage.findEnvironmentByName(name)) !== undefined) {
        throw new CliError(`environment "${name}" already exists`);
      }
      const environment = await apiKeys.ensureEnvironment(name);
      if (flags.json === true) {
        printJson({ id: environment.id, name: environment.name });
      } else {
        process.stdout.write(`Created environment "${environment.name}" (${environment.id}).\n`);
      }
    });
  });

  const list = withStorageOptions(new Command('list').description('list environments')).action(
    async (flags: StorageFlags) => {
      await useStorage(flags, async (storage) => {
        const environments = (await storage.listEnvironments()).map((environment) => ({
          id: environment.id,
          name: environment.name,
          created_at: new Date(environment.createdAt / 1000).toISOString(),
        }));
        if (flags.json === true) {
          printJson(environments);
          return;
        }
        for (const environment of environments) {
          process.stdout.write(`${environment.id}  ${environment.name}  created ${environment.created_at}\n`);
        }
      });
    },
  );

  return command.addCommand(create).addCommand(list);
}
