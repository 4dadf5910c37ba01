import type { Kysely, Migration, Transaction } from 'kysely';
import type { SqlDialect } from './migrations/dialect-types.js';
import { migrationsFor } from './migrations/index.js';

/** Table that records the migrations that ran: `name` and an ISO 8601 `timestamp`, as Kysely's Migrator keeps them. */
export const MIGRATION_TABLE = 'coffer_migrations';

/** One-row table whose row the migration transaction locks, so that one process migrates at a time. */
export const MIGRATION_LOCK_TABLE = `${MIGRATION_TABLE}_lock`;

const LOCK_ROW_ID = 'migration_lock';

interface MigrationTables {
  [MIGRATION_TABLE]: { name: string; timestamp: string };
  [MIGRATION_LOCK_TABLE]: { id: string; is_locked: number };
}

/**
 * Brings the schema up to date and returns the names of the migrations this call ran: empty
 * when none were pending, or when another process ran them first. Every pending migration runs
 * in one transaction, so a failure leaves the schema as it was; raises with the failing
 * migration's name and the cause.
 *
 * Several processes may start at once. The transaction's first statement updates the lock row,
 * so the row lock makes the other processes wait until the first one commits. They then find
 * nothing left to run. A row lock works alike on SQLite (the write lock), PostgreSQL and the
 * distributed engines that speak its protocol, unlike PostgreSQL's advisory locks.
 *
 * NOTE: tested on SQLite and PostgreSQL 15 only. CockroachDB and YugabyteDB accept this SQL, but
 * their DDL inside transactions and their serializable retries (SQLSTATE 40001) are untested.
 */
export async function runMigrations(db: Kysely<unknown>, dialect: SqlDialect): Promise<string[]> {
  const tables = db as unknown as Kysely<MigrationTables>;
  await createBookkeepingTables(tables);
  const migrations = migrationsFor(dialect);
  const names = Object.keys(migrations).sort();

  return tables.transaction().execute(async (trx) => {
    await trx.updateTable(MIGRATION_LOCK_TABLE).set({ is_locked: 1 }).where('id', '=', LOCK_ROW_ID).execute();
    const executed = await executedMigrations(trx);
    checkHistory(names, executed);

    const pending = names.slice(executed.length);
    for (const name of pending) {
      await runOne(trx, name, migrations[name] as Migration);
    }
    await trx.updateTable(MIGRATION_LOCK_TABLE).set({ is_locked: 0 }).where('id', '=', LOCK_ROW_ID).execute();
    return pending;
  });
}

/** Names of the migrations that ran on this database, oldest first. */
export async function listExecutedMigrations(db: Kysely<unknown>): Promise<string[]> {
  return executedMigrations(db as unknown as Kysely<MigrationTables>);
}

/**
 * Creates the two bookkeeping tables and the lock row when missing, each in its own statement.
 * When two processes run CREATE TABLE IF NOT EXISTS at once, PostgreSQL can fail one of them
 * with a unique violation in its catalog. That error comes only after the other process
 * committed, so one retry finds the table.
 */
async function createBookkeepingTables(db: Kysely<MigrationTables>): Promise<void> {
  await retryOnce(() =>
    db.schema
      .createTable(MIGRATION_TABLE)
      .ifNotExists()
      .addColumn('name', 'varchar(255)', (column) => column.notNull().primaryKey())
      .addColumn('timestamp', 'varchar(255)', (column) => column.notNull())
      .execute(),
  );
  await retryOnce(() =>
    db.schema
      .createTable(MIGRATION_LOCK_TABLE)
      .ifNotExists()
      .addColumn('id', 'varchar(255)', (column) => column.notNull().primaryKey())
      .addColumn('is_locked', 'integer', (column) => column.notNull().defaultTo(0))
      .execute(),
  );
  await db
    .insertInto(MIGRATION_LOCK_TABLE)
    .values({ id: LOCK_ROW_ID, is_locked: 0 })
    .onConflict((conflict) => conflict.column('id').doNothing())
    .execute();
}

async function executedMigrations(db: Kysely<MigrationTables> | Transaction<MigrationTables>): Promise<string[]> {
  const rows = await db.selectFrom(MIGRATION_TABLE).select('name').execute();
  // Names sort in the order the migrations must run.
  return rows.map((row) => row.name).sort();
}

/** Raises unless the executed migrations are the first ones of the known list, in order. */
function checkHistory(known: readonly string[], executed: readonly string[]): void {
  for (const [index, name] of executed.entries()) {
    if (!known.includes(name)) {
      throw new Error(
        `the database has migration ${name}, which this version of Coffer does not know; run a newer Coffer`,
      );
    }
    if (known[index] !== name) {
      throw new Error(
        `the database ran migration ${name} but not ${known[index]}, which comes before it; ` +
          'the migration history is inconsistent',
      );
    }
  }
}

async function runOne(trx: Transaction<MigrationTables>, name: string, migration: Migration): Promise<void> {
  try {
    await migration.up(trx);
  } catch (error) {
    throw new Error(`database migration ${name} failed`, { cause: error });
  }
  await trx.insertInto(MIGRATION_TABLE).values({ name, timestamp: new Date().toISOString() }).execute();
}

async function retryOnce(statement: () => Promise<unknown>): Promise<void> {
  try {
    await statement();
  } catch {
    await statement();
  }
}
