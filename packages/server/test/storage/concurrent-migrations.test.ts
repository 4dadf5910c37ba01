import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { migrationsFor } from '../../src/storage/migrations/index.js';
import { migrateStorage, openStorage } from '../../src/storage/open-storage.js';
import { listExecutedMigrations, MIGRATION_TABLE } from '../../src/storage/run-migrations.js';
import { SQLITE_FILE_NAME } from '../../src/storage/sqlite/open-sqlite.js';
import type { Storage } from '../../src/storage/storage.js';
import { BACKENDS, cleanUpTestDatabases, freshLocation } from './test-databases.js';

const execFileAsync = promisify(execFile);

/** Compiled module that the child processes import. */
const OPEN_STORAGE_MODULE = pathToFileURL(
  join(fileURLToPath(new URL('.', import.meta.url)), '../../src/storage/open-storage.js'),
).href;

const ALL_MIGRATIONS = Object.keys(migrationsFor('sqlite')).sort();
const PROCESSES = 5;

/** Runs `migrateStorage` in a new Node.js process and returns the names it applied. */
async function migrateInChildProcess(location: {
  databaseUrl: string | undefined;
  dataDir: string;
}): Promise<string[]> {
  const script = [
    `import { migrateStorage } from ${JSON.stringify(OPEN_STORAGE_MODULE)};`,
    `const report = await migrateStorage(${JSON.stringify(location)});`,
    'process.stdout.write(JSON.stringify(report.applied));',
  ].join('\n');
  const { stdout } = await execFileAsync(process.execPath, ['--input-type=module', '-e', script]);
  return JSON.parse(stdout) as string[];
}

/** Opens a storage on an already migrated database and lists the recorded migrations through it. */
async function recordedMigrations(location: { databaseUrl: string | undefined; dataDir: string }): Promise<string[]> {
  const storage = await openStorage(location);
  try {
    return await listExecutedMigrations((storage as unknown as { db: Kysely<unknown> }).db);
  } finally {
    await storage.close();
  }
}

for (const backend of BACKENDS) {
  describe(`${backend} migrations`, () => {
    test(`${backend}: ${PROCESSES} processes migrate once`, async () => {
      const location = await freshLocation(backend);
      const results = await Promise.all(Array.from({ length: PROCESSES }, () => migrateInChildProcess(location)));
      const appliers = results.filter((applied) => applied.length > 0);

      assert.equal(appliers.length, 1, JSON.stringify(results));
      assert.deepEqual(appliers[0], ALL_MIGRATIONS);
      assert.deepEqual(await recordedMigrations(location), ALL_MIGRATIONS);
    });

    // better-sqlite3 waits for a lock synchronously and so blocks the event loop that would
    // release it, which is why a process never opens two SQLite storages on one file.
    const skip = backend === 'sqlite' ? 'one process opens one SQLite storage per file' : false;
    test(`${backend}: concurrent opens share one migration`, { skip }, async () => {
      const location = await freshLocation(backend);
      const opened = await Promise.allSettled(Array.from({ length: PROCESSES }, () => openStorage(location)));
      const storages = opened.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
      const recorded = await recordedMigrations(location).finally(() =>
        Promise.all(storages.map((storage: Storage) => storage.close())),
      );

      assert.deepEqual(
        opened.map((result) => result.status),
        Array(PROCESSES).fill('fulfilled'),
        JSON.stringify(opened.filter((result) => result.status === 'rejected')),
      );
      assert.deepEqual(recorded, ALL_MIGRATIONS);
    });

    test(`${backend}: second migrate applies nothing`, async () => {
      const location = await freshLocation(backend);
      const first = await migrateStorage(location);
      const second = await migrateStorage(location);

      assert.deepEqual(first, { backend, applied: ALL_MIGRATIONS });
      assert.deepEqual(second, { backend, applied: [] });
    });

    test(`${backend}: unknown recorded migration is rejected`, async () => {
      const location = await freshLocation(backend);
      const storage = await openStorage(location);
      const db = (storage as unknown as { db: Kysely<{ [MIGRATION_TABLE]: { name: string; timestamp: string } }> }).db;
      await db
        .insertInto(MIGRATION_TABLE)
        .values({ name: '999-future', timestamp: new Date().toISOString() })
        .execute();
      await storage.close();

      await assert.rejects(openStorage(location), /999-future, which this version of Coffer does not know/);
    });
  });
}

describe('sqlite migration history', () => {
  test("sqlite: database from Kysely's Migrator opens", async () => {
    const location = await freshLocation('sqlite');
    const database = new BetterSqlite3(join(location.dataDir, SQLITE_FILE_NAME));
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database }) });
    const migrator = new Migrator({
      db,
      provider: { getMigrations: async () => migrationsFor('sqlite') },
      migrationTableName: MIGRATION_TABLE,
      migrationLockTableName: `${MIGRATION_TABLE}_lock`,
    });
    const { error } = await migrator.migrateToLatest();
    await db.destroy();

    assert.equal(error, undefined);
    assert.deepEqual(await migrateStorage(location), { backend: 'sqlite', applied: [] });
    assert.deepEqual(await recordedMigrations(location), ALL_MIGRATIONS);
  });
});

after(async () => {
  await cleanUpTestDatabases();
});
