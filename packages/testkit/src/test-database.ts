import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';

/** The storage backend a test run uses. */
export type TestBackend = 'sqlite' | 'postgres';

/** File name of the SQLite database in a data dir, as `coffer serve` creates it. */
const SQLITE_FILE_NAME = 'coffer.db';

/** SQLSTATE duplicate_database: another process created the database first. */
const DUPLICATE_DATABASE = '42P04';

/** Parses int8 as a number, as SQLite returns integers; test values stay below 2^53. */
const INT8_AS_NUMBER: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 && format !== 'binary'
      ? Number
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/**
 * Returns the backend that `startCoffer` gives its servers: `postgres` when the environment
 * variable COFFER_TEST_BACKEND is `postgres`, otherwise `sqlite`. `scripts/run-tests.js` sets
 * it for the PostgreSQL pass.
 */
export function testBackend(): TestBackend {
  const value = process.env.COFFER_TEST_BACKEND ?? 'sqlite';
  if (value !== 'sqlite' && value !== 'postgres') {
    throw new Error(`COFFER_TEST_BACKEND must be sqlite or postgres, got "${value}"`);
  }
  return value;
}

/**
 * URL of the PostgreSQL cluster that the tests may create databases in, from
 * COFFER_TEST_DATABASE_URL, which `scripts/run-tests.js` sets after starting a throwaway
 * cluster. Raises when it is missing.
 */
export function testClusterUrl(): string {
  const url = process.env.COFFER_TEST_DATABASE_URL;
  if (url === undefined || url.length === 0) {
    throw new Error(
      'COFFER_TEST_DATABASE_URL is not set: run the tests with "npm test", which starts a throwaway ' +
        'PostgreSQL cluster, or point it at a cluster where the tests may create databases',
    );
  }
  return url;
}

/**
 * Name of the database that belongs to a data dir: a hash of its absolute path. Every process
 * derives the same name, so a CLI command given the data dir finds the server's database, and
 * a server restarted on the same data dir finds its data again.
 */
export function databaseNameFor(dataDir: string): string {
  return `coffer_test_${createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 24)}`;
}

/** URL of a data dir's database in the test cluster when the backend is PostgreSQL; undefined for SQLite. */
export function databaseUrlFor(dataDir: string): string | undefined {
  return testBackend() === 'postgres' ? urlOfDatabase(databaseNameFor(dataDir)) : undefined;
}

/**
 * The storage options of a `coffer` command that must reach the same database as a server
 * started with `startCoffer({ dataDir })`: `--data-dir`, plus `--database-url` on PostgreSQL.
 *
 * @example
 * await runCoffer(['api-keys', 'list', ...storageArgs(coffer.dataDir), '--json']);
 */
export function storageArgs(dataDir: string): string[] {
  const url = databaseUrlFor(dataDir);
  return url === undefined ? ['--data-dir', dataDir] : ['--data-dir', dataDir, '--database-url', url];
}

/** Creates a data dir's database in the test cluster unless it exists; returns its URL. */
export async function createTestDatabase(dataDir: string): Promise<string> {
  const name = databaseNameFor(dataDir);
  await withClusterClient(async (client) => {
    try {
      await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
    } catch (error) {
      if ((error as { code?: unknown }).code !== DUPLICATE_DATABASE) {
        throw error;
      }
    }
  });
  return urlOfDatabase(name);
}

/** Drops a data dir's database from the test cluster, ending any session still connected to it. */
export async function dropTestDatabase(dataDir: string): Promise<void> {
  const name = databaseNameFor(dataDir);
  await withClusterClient(async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
  });
}

/**
 * Runs one SQL statement on the database of a data dir, whichever backend the run uses, and
 * returns the rows. Write parameters as `?`; they become `$1`, `$2`, ... on PostgreSQL, so the
 * statement must not contain a `?` of its own. int8 columns (such as `count(*)`) come back as
 * numbers on both backends.
 *
 * @example
 * const [row] = await queryDatabase(coffer.dataDir, 'select count(*) as count from objects where name = ?', [name]);
 */
export async function queryDatabase<Row = Record<string, unknown>>(
  dataDir: string,
  text: string,
  parameters: readonly unknown[] = [],
): Promise<Row[]> {
  const url = databaseUrlFor(dataDir);
  if (url === undefined) {
    return querySqlite<Row>(join(dataDir, SQLITE_FILE_NAME), text, parameters);
  }
  const client = new pg.Client({ connectionString: url, types: INT8_AS_NUMBER });
  await client.connect();
  try {
    let index = 0;
    const numbered = text.replace(/\?/g, () => `$${++index}`);
    const result = await client.query(numbered, [...parameters]);
    return result.rows as Row[];
  } finally {
    await client.end();
  }
}

/**
 * Directories whose files hold a data dir's stored data, for tests that scan data at rest. On
 * SQLite that is the data dir. On PostgreSQL it is the data dir (root key), the database's own
 * directory and the write-ahead log, after a CHECKPOINT has written every change to its table
 * files. The cluster's files belong to its OS user; reading them needs that user or root.
 */
export async function storageDirectories(dataDir: string): Promise<string[]> {
  const url = databaseUrlFor(dataDir);
  if (url === undefined) {
    return [dataDir];
  }
  return withClusterClient(async (client) => {
    await client.query('CHECKPOINT');
    const setting = await client.query<{ data_directory: string }>('SHOW data_directory');
    const database = await client.query<{ oid: number }>('SELECT oid FROM pg_database WHERE datname = $1', [
      databaseNameFor(dataDir),
    ]);
    const clusterDir = setting.rows[0]?.data_directory;
    const oid = database.rows[0]?.oid;
    if (clusterDir === undefined || oid === undefined) {
      throw new Error(`no database ${databaseNameFor(dataDir)} in the test cluster`);
    }
    return [dataDir, join(clusterDir, 'base', String(oid)), join(clusterDir, 'pg_wal')];
  });
}

function querySqlite<Row>(path: string, text: string, parameters: readonly unknown[]): Row[] {
  const database = new BetterSqlite3(path, { fileMustExist: true });
  try {
    const statement = database.prepare(text);
    if (statement.reader) {
      return statement.all(...parameters) as Row[];
    }
    statement.run(...parameters);
    return [];
  } finally {
    database.close();
  }
}

function urlOfDatabase(name: string): string {
  const url = new URL(testClusterUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

async function withClusterClient<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: testClusterUrl() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
