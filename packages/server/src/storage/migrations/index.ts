import type { Kysely, Migration } from 'kysely';
import * as initial from './001-initial.js';
import * as objects from './002-objects.js';
import type { SqlDialect } from './dialect-types.js';

/** A migration written once for both dialects. */
interface DialectMigration {
  up(db: Kysely<unknown>, dialect: SqlDialect): Promise<void>;
}

/**
 * Every migration in order. Names sort in the order they must run; never rename or edit one
 * that has shipped, add a new one instead.
 */
const MIGRATIONS: Record<string, DialectMigration> = {
  '001-initial': initial,
  '002-objects': objects,
};

/** Binds each migration to a dialect, in the shape Kysely's Migrator expects. */
export function migrationsFor(dialect: SqlDialect): Record<string, Migration> {
  return Object.fromEntries(
    Object.entries(MIGRATIONS).map(([name, migration]) => [name, { up: (db) => migration.up(db, dialect) }]),
  );
}
