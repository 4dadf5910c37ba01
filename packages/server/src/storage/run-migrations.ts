import { type Kysely, Migrator } from 'kysely';
import type { SqlDialect } from './migrations/dialect-types.js';
import { migrationsFor } from './migrations/index.js';

/** Name of the table in which Kysely records the migrations that ran. */
export const MIGRATION_TABLE = 'coffer_migrations';

/**
 * Brings the schema up to date. Raises with the failing migration's name and cause; a
 * migration that fails is rolled back where the dialect supports transactional DDL.
 */
export async function runMigrations(db: Kysely<unknown>, dialect: SqlDialect): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrationsFor(dialect) },
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: `${MIGRATION_TABLE}_lock`,
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((result) => result.status === 'Error');
  if (error !== undefined) {
    const where = failed === undefined ? '' : ` in ${failed.migrationName}`;
    throw new Error(`database migration failed${where}`, { cause: error });
  }
  return (results ?? []).filter((result) => result.status === 'Success').map((result) => result.migrationName);
}
