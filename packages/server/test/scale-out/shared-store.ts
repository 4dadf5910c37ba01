import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CofferProcess, createTestDatabase, dropTestDatabase, startCoffer, testBackend } from '@coffer/testkit';

/** Several `coffer serve` processes on one database, as a load balancer would see them. */
export interface SharedStore {
  /** The data dir every process was given: the SQLite file, or the key to the PostgreSQL database. */
  dataDir: string;
  /** Bootstrap API key secret, valid on every process. */
  apiKey: string;
  /** Base64 root key that every process got through COFFER_ROOT_KEY. */
  rootKey: string;
  processes: CofferProcess[];
  /** Starts one more process on the same database, root key and API key. */
  startAnother(): Promise<CofferProcess>;
  /** Stops every process (SIGTERM), then removes the data dir and its PostgreSQL database. */
  stop(): Promise<void>;
}

/**
 * Starts `count` processes on one database: the SQLite file of one data dir, or on the
 * PostgreSQL pass the database that the testkit derives from that data dir (every process gets
 * the same `--database-url`). They share one root key and one bootstrap API key.
 */
export async function startSharedStore(count: number): Promise<SharedStore> {
  const dataDir = mkdtempSync(join(tmpdir(), 'coffer-scale-out-'));
  if (testBackend() === 'postgres') {
    // Created once up front: concurrent CREATE DATABASE calls for one name can fail in other ways
    // than "already exists".
    await createTestDatabase(dataDir);
  }
  const rootKey = randomBytes(32).toString('base64');
  const apiKey = `sk_test_${randomBytes(24).toString('base64url')}`;
  const processes: CofferProcess[] = [];
  const startAnother = async (): Promise<CofferProcess> => {
    const started = await startCoffer({ dataDir, apiKey, env: { COFFER_ROOT_KEY: rootKey } });
    processes.push(started);
    return started;
  };
  const stop = async (): Promise<void> => {
    await Promise.all(processes.map((coffer) => coffer.stop()));
    if (testBackend() === 'postgres') {
      await dropTestDatabase(dataDir);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    // Every process starts at once, as a fleet does: first starts race on the root key file and the
    // bootstrap API key, and each race must end with one winner that the others read.
    const results = await Promise.allSettled(Array.from({ length: count }, () => startAnother()));
    const failure = results.find((result) => result.status === 'rejected');
    if (failure !== undefined) {
      throw failure.reason;
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { dataDir, apiKey, rootKey, processes, startAnother, stop };
}
