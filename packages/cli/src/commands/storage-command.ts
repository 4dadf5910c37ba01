import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  ApiKeyService,
  DEFAULT_ENVIRONMENT,
  openStorage,
  SQLITE_FILE_NAME,
  type Storage,
  systemClock,
} from '@coffer/server';
import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { storageOptions } from './server-options.js';

/**
 * Flags of every command that works on the database directly.
 *
 * @example
 * const flags: StorageFlags = { dataDir: './.coffer', json: true };
 */
export interface StorageFlags {
  dataDir: string;
  databaseUrl?: string;
  json?: boolean;
}

/**
 * Adds `--data-dir`, `--database-url` and `--json` to a command that works on the database.
 *
 * @example
 * withStorageOptions(new Command('list')).action(async (flags: StorageFlags) => { … });
 */
export function withStorageOptions(command: Command): Command {
  for (const option of storageOptions()) {
    command.addOption(option);
  }
  return command.option('--json', 'print machine-readable JSON');
}

/**
 * Opens the database named by the flags (migrating it if needed), makes sure the default
 * environment exists, runs `work` and closes the database again.
 *
 * @example
 * await useStorage(flags, async (storage, apiKeys) => console.log(await apiKeys.count()));
 */
export async function useStorage(
  flags: StorageFlags,
  work: (storage: Storage, apiKeys: ApiKeyService) => Promise<void>,
): Promise<void> {
  if (flags.databaseUrl === undefined && !existsSync(join(flags.dataDir, SQLITE_FILE_NAME))) {
    throw new CliError(
      `no Coffer database in ${flags.dataDir}: check --data-dir (or COFFER_DATA_DIR), or run "coffer serve" once to create it`,
    );
  }
  const storage = await openStorage({ databaseUrl: flags.databaseUrl, dataDir: flags.dataDir });
  try {
    const apiKeys = new ApiKeyService(storage, systemClock, 0);
    await apiKeys.ensureEnvironment(DEFAULT_ENVIRONMENT);
    await work(storage, apiKeys);
  } finally {
    await storage.close();
  }
}

/**
 * Prints a value as indented JSON on stdout.
 *
 * @example
 * printJson({ id: 'key_01J…', revoked: true });
 */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
