import { Kysely, PostgresDialect, sql } from 'kysely';
import { runMigrations } from '../run-migrations.js';
import type { Database } from '../schema.js';
import { createPostgresPool, KEEPALIVE_DELAY_MS } from './create-postgres-pool.js';
import { DatabaseAvailability } from './database-availability.js';
import { mapPoolErrors } from './error-mapping-pool.js';
import { InvalidationListener } from './invalidation-listener.js';
import { type PostgresOptions, SILENT_LOGGER } from './postgres-options.js';
import { PostgresStorage } from './postgres-storage.js';
import { describeDriverError } from './storage-unavailable-error.js';

/** How long the invalidation listener waits for its connection to open, in milliseconds. */
const LISTENER_CONNECTION_TIMEOUT_MS = 5_000;

/**
 * Opens the PostgreSQL database at `options.url`, brings its schema up to date and returns the
 * storage on a fresh pool. Raises with the host, port and database (never the password) when
 * the database cannot be reached or a migration fails.
 */
export async function openPostgresStorage(options: PostgresOptions): Promise<PostgresStorage> {
  await migratePostgres(options);
  const logger = options.logger ?? SILENT_LOGGER;
  const pool = createPostgresPool(options, 'serve');
  // The probe runs only when `isAvailable` is called, by which time `db` exists.
  const availability: DatabaseAvailability = new DatabaseAvailability(() => sql`select 1`.execute(db));
  const db: Kysely<Database> = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: mapPoolErrors(pool, availability) }),
  });
  const listener = new InvalidationListener(
    {
      connectionString: options.url,
      application_name: 'coffer',
      connectionTimeoutMillis: LISTENER_CONNECTION_TIMEOUT_MS,
      keepAlive: true,
      keepAliveInitialDelayMillis: KEEPALIVE_DELAY_MS,
    },
    logger,
  );
  return new PostgresStorage(db, listener, availability, logger);
}

/**
 * Runs the pending migrations on one dedicated connection and returns their names; empty when
 * none were pending or another process ran them first.
 */
export async function migratePostgres(options: PostgresOptions): Promise<string[]> {
  const pool = createPostgresPool(options, 'migrate');
  const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: mapPoolErrors(pool) }) });
  try {
    return await runMigrations(db, 'postgres');
  } catch (error) {
    throw new Error(`cannot open the PostgreSQL ${describeDatabase(options.url)}: ${describeDriverError(error)}`, {
      cause: error,
    });
  } finally {
    await db.destroy();
  }
}

/** Names the database, host and port of a connection URL, leaving out the user name and password. */
export function describeDatabase(url: string): string {
  try {
    const parsed = new URL(url);
    const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || '(default)';
    return `database ${database} on ${parsed.hostname || 'the default host'}:${parsed.port || '5432'}`;
  } catch {
    return 'database (the URL does not parse)';
  }
}
