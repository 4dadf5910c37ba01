import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createTestDatabase, testBackend } from '@coffer/testkit';
import { EXIT } from '../src/cli-error.js';

const execFileAsync = promisify(execFile);

const COFFER_BIN = fileURLToPath(new URL('../../bin/coffer.js', import.meta.url));

const backend = testBackend();
const temporaryDirs: string[] = [];

/** Storage flags for an empty database on the run's backend. */
async function freshStorageArgs(): Promise<string[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'coffer-migrate-test-'));
  temporaryDirs.push(dataDir);
  if (backend === 'sqlite') {
    return ['--data-dir', dataDir];
  }
  return ['--data-dir', dataDir, '--database-url', await createTestDatabase(dataDir)];
}

/** How a `coffer migrate` process ended and what it printed. */
interface MigrateRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `coffer migrate ARGS` binary in a child process. */
async function runMigrate(args: string[]): Promise<MigrateRun> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [COFFER_BIN, 'migrate', ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? null, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe(`coffer migrate on ${backend}`, () => {
  after(() => {
    for (const dir of temporaryDirs) {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test(`${backend}: first run applies migrations`, async () => {
    const report = JSON.parse((await runMigrate([...(await freshStorageArgs()), '--json'])).stdout) as {
      backend: string;
      applied: string[];
    };

    assert.equal(report.backend, backend);
    assert.equal(report.applied[0], '001-initial');
    assert.deepEqual(report.applied, [...report.applied].sort());
  });

  test(`${backend}: second run applies nothing`, async () => {
    const args = await freshStorageArgs();
    await runMigrate([...args, '--json']);
    const report = JSON.parse((await runMigrate([...args, '--json'])).stdout) as { applied: string[] };

    assert.deepEqual(report.applied, []);
  });

  test(`${backend}: text output names migrations`, async () => {
    const args = await freshStorageArgs();
    const first = (await runMigrate(args)).stdout;
    const second = (await runMigrate(args)).stdout;

    assert.match(first, /^Applied \d+ migrations to the (SQLite|PostgreSQL) database: 001-initial, /);
    assert.match(second, /^No migrations to apply: the (SQLite|PostgreSQL) database is up to date\.\n$/);
  });

  test(`${backend}: non-PostgreSQL URL is a usage error`, async () => {
    const args = ['--data-dir', join(tmpdir(), 'unused'), '--database-url', 'mysql://coffer@127.0.0.1/coffer'];
    const result = await runMigrate(args);

    assert.equal(result.code, EXIT.usage, result.stderr);
    assert.match(result.stderr, /^coffer: --database-url must be a PostgreSQL URL starting with postgres:\/\//);
  });

  test(`${backend}: unreachable database exits unavailable`, async () => {
    // Port 1 on loopback has no listener, so the connection is refused at once.
    const args = ['--data-dir', join(tmpdir(), 'unused'), '--database-url', 'postgres://coffer@127.0.0.1:1/coffer'];
    const result = await runMigrate(args);

    assert.equal(result.code, EXIT.unavailable, result.stderr);
    assert.match(result.stderr, /cannot open the PostgreSQL database coffer on 127\.0\.0\.1:1: .*ECONNREFUSED/);
  });
});
