import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { ConfigError } from '../config.js';
import { migratePostgres, openPostgresStorage } from './postgres/open-postgres.js';
import { DEFAULT_POOL_SIZE, type StorageLogger } from './postgres/postgres-options.js';
import { runMigrations } from './run-migrations.js';
import { openSqliteStorage, SQLITE_FILE_NAME } from './sqlite/open-sqlite.js';
import type { Storage } from './storage.js';

/** Location of the database, from `--database-url` and `--data-dir`. */
export interface StorageLocation {
  /** PostgreSQL connection URL; SQLite in `dataDir` when undefined. */
  databaseUrl: string | undefined;
  dataDir: string;
  /** Maximum connections of the PostgreSQL pool; ignored for SQLite. Default: 10. */
  databasePoolSize?: number;
  /** Receives the backend's warnings, such as a lost PostgreSQL connection. */
  logger?: StorageLogger;
}

/** Result of `migrateStorage`: the backend and the migrations that ran. */
export interface MigrationReport {
  backend: 'sqlite' | 'postgres';
  /** Names of the migrations this call ran, in order; empty when the schema was up to date. */
  applied: string[];
}

/** Largest accepted `databasePoolSize`. */
const MAX_POOL_SIZE = 1000;

/** How long `coffer migrate` waits for another process's SQLite write lock, as the server does, in milliseconds. */
const SQLITE_BUSY_TIMEOUT_MS = 5000;

/**
 * Opens the configured backend, migrated to the latest schema: PostgreSQL when a URL is given,
 * otherwise SQLite in the data dir. Raises `ConfigError` for a URL that is not PostgreSQL's or
 * a pool size out of range.
 */
export async function openStorage(options: StorageLocation): Promise<Storage> {
  if (options.databaseUrl === undefined) {
    return openSqliteStorage(options.dataDir);
  }
  return openPostgresStorage({
    url: checkPostgresUrl(options.databaseUrl),
    poolSize: checkPoolSize(options.databasePoolSize),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
}

/**
 * Runs the pending migrations of the configured backend and reports which ran, for
 * `coffer migrate`. A SQLite database is created in the data dir when missing.
 */
export async function migrateStorage(options: StorageLocation): Promise<MigrationReport> {
  if (options.databaseUrl !== undefined) {
    const applied = await migratePostgres({ url: checkPostgresUrl(options.databaseUrl) });
    return { backend: 'postgres', applied };
  }
  return { backend: 'sqlite', applied: await migrateSqlite(options.dataDir) };
}

function checkPostgresUrl(url: string): string {
  if (!/^postgres(ql)?:\/\//i.test(url)) {
    const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0] ?? 'no scheme';
    throw new ConfigError(
      `--database-url must be a PostgreSQL URL starting with postgres:// or postgresql://, got ${scheme}`,
    );
  }
  return url;
}

function checkPoolSize(size: number | undefined): number {
  if (size === undefined) {
    return DEFAULT_POOL_SIZE;
  }
  if (!Number.isInteger(size) || size < 1 || size > MAX_POOL_SIZE) {
    throw new ConfigError(`the database pool size must be a whole number from 1 to ${MAX_POOL_SIZE}, got ${size}`);
  }
  return size;
}

/**
 * Migrates the SQLite file in `dataDir` on a connection of its own, without the writer thread
 * that `openSqliteStorage` starts. WAL mode and the busy timeout match `openSqliteStorage`, so
 * that a server may run on the file meanwhile.
 */
async function migrateSqlite(dataDir: string): Promise<string[]> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const database = new BetterSqlite3(join(dataDir, SQLITE_FILE_NAME));
  database.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database }) });
  try {
    return await runMigrations(db, 'sqlite');
  } finally {
    await db.destroy();
  }
}
