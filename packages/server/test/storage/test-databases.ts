import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type PostgresCluster, startPostgresCluster } from '../support/postgres-cluster.js';

/** The backends every storage test runs on. */
export const BACKENDS = ['sqlite', 'postgres'] as const;

let ownCluster: Promise<PostgresCluster> | undefined;
const temporaryDirs: string[] = [];

/**
 * Creates an empty PostgreSQL database and returns its URL. The database is in the run's
 * cluster when COFFER_TEST_DATABASE_URL names one, as `scripts/run-tests.js` does. Otherwise it
 * is in a cluster that this process starts on first use, which `cleanUpTestDatabases` stops.
 */
export async function freshPostgresDatabase(): Promise<string> {
  const name = `coffer_storage_${randomUUID().replaceAll('-', '')}`;
  const shared = process.env.COFFER_TEST_DATABASE_URL;
  if (shared === undefined || shared.length === 0) {
    ownCluster ??= startPostgresCluster();
    return (await ownCluster).createDatabase(name);
  }
  const client = new pg.Client({ connectionString: shared });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
  const url = new URL(shared);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Creates an empty temp directory for a SQLite database. */
export function freshDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-storage-test-'));
  temporaryDirs.push(dir);
  return dir;
}

/** Creates an empty database on `backend` and returns its location, in the shape `openStorage` takes. */
export async function freshLocation(
  backend: (typeof BACKENDS)[number],
): Promise<{ databaseUrl: string | undefined; dataDir: string }> {
  const dataDir = freshDataDir();
  return { databaseUrl: backend === 'postgres' ? await freshPostgresDatabase() : undefined, dataDir };
}

/** Removes the temp directories and stops the cluster this process started, if any. */
export async function cleanUpTestDatabases(): Promise<void> {
  for (const dir of temporaryDirs.splice(0)) {
    rmSync(dir, { recursive: true, force: true });
  }
  const cluster = ownCluster;
  ownCluster = undefined;
  await (await cluster)?.stop();
}
