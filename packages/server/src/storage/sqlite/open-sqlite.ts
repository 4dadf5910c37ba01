import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { runMigrations } from '../run-migrations.js';
import type { Database } from '../schema.js';
import { SqliteStorage } from './sqlite-storage.js';
import { SqliteWriter } from './sqlite-writer.js';
import { withStatementCache } from './statement-cache.js';

/** File name of the SQLite database inside the data directory. */
export const SQLITE_FILE_NAME = 'coffer.db';

/** How long a statement waits for another process's write lock before failing, in milliseconds. */
const BUSY_TIMEOUT_MS = 5000;

/**
 * Opens (creating if needed) the SQLite database in `dataDir`, migrated to the latest schema.
 * WAL mode lets readers run beside the one writer. `synchronous = FULL` makes every commit
 * durable before it returns, because a KEK lost after its data key was handed out would make
 * that data key impossible to decrypt.
 */
export async function openSqliteStorage(dataDir: string): Promise<SqliteStorage> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, SQLITE_FILE_NAME);
  const database = new BetterSqlite3(path);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  database.pragma('foreign_keys = ON');
  database.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);

  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
  try {
    await runMigrations(db as Kysely<unknown>, 'sqlite');
  } catch (error) {
    await db.destroy();
    throw error;
  }
  // The writer opens its own connection only after the migrations created its tables.
  return new SqliteStorage(db, new SqliteWriter(path, BUSY_TIMEOUT_MS));
}
