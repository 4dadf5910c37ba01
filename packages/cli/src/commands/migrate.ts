import { ConfigError, type MigrationReport, migrateStorage, StorageUnavailableError } from '@coffer/server';
import { Command } from 'commander';
import { CliError, EXIT } from '../cli-error.js';
import { printJson, type StorageFlags, withStorageOptions } from './storage-command.js';

/**
 * `coffer migrate`: brings the database schema up to date and prints which migrations ran.
 * `coffer serve` migrates at start as well; this command lets a deployment migrate once before
 * it starts new server processes. Several processes may migrate at once: one runs the
 * migrations and the others wait for it, then find nothing to do.
 *
 * @example
 * coffer migrate --database-url postgres://coffer@db.example.internal/coffer --json
 * // {"backend": "postgres", "applied": ["001-initial", "002-objects"]}
 */
export function migrateCommand(): Command {
  const command = new Command('migrate').description(
    'apply pending database migrations and print which ran (coffer serve also migrates at start)',
  );
  return withStorageOptions(command).action(async (flags: StorageFlags) => {
    const report = await migrate(flags);
    if (flags.json === true) {
      printJson(report);
    } else {
      process.stdout.write(describeReport(report));
    }
  });
}

async function migrate(flags: StorageFlags): Promise<MigrationReport> {
  try {
    return await migrateStorage({ databaseUrl: flags.databaseUrl, dataDir: flags.dataDir });
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new CliError(error.message, EXIT.usage);
    }
    if (causedByOutage(error)) {
      throw new CliError((error as Error).message, EXIT.unavailable);
    }
    throw error;
  }
}

function describeReport(report: MigrationReport): string {
  const database = report.backend === 'postgres' ? 'the PostgreSQL database' : 'the SQLite database';
  if (report.applied.length === 0) {
    return `No migrations to apply: ${database} is up to date.\n`;
  }
  const noun = report.applied.length === 1 ? 'migration' : 'migrations';
  return `Applied ${report.applied.length} ${noun} to ${database}: ${report.applied.join(', ')}\n`;
}

/** Tests whether `error` or one of its first few causes is a database outage. */
function causedByOutage(error: unknown): boolean {
  let current = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (current instanceof StorageUnavailableError) {
      return true;
    }
    current = current.cause;
  }
  return false;
}
