import { openSqliteStorage } from './sqlite/open-sqlite.js';
import type { Storage } from './storage.js';

/** Opens the configured backend: PostgreSQL when a URL is given, otherwise SQLite in the data dir. */
export async function openStorage(options: { databaseUrl: string | undefined; dataDir: string }): Promise<Storage> {
  if (options.databaseUrl !== undefined) {
    // NOTE: the PostgreSQL backend is not built yet; this rejects the setting clearly until it is.
    throw new Error('--database-url is not supported yet: PostgreSQL storage is not built');
  }
  return openSqliteStorage(options.dataDir);
}
