import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type CofferProcess, startCoffer } from '@coffer/testkit';
import { type PostgresCluster, startPostgresCluster } from '../support/postgres-cluster.js';

interface Health {
  status: number;
  retryAfter: string | null;
  body: unknown;
}

async function health(coffer: CofferProcess): Promise<Health> {
  const response = await fetch(new URL('/health', coffer.url));
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: await response.json() };
}

/** Polls `/health` every 100 ms until it returns `status`, for up to 10 seconds; returns the last response. */
async function waitForHealth(coffer: CofferProcess, status: number): Promise<Health> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const response = await health(coffer);
    if (response.status === status || Date.now() > deadline) {
      return response;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// This test stops its own cluster, so it never touches the one the PostgreSQL pass shares.
describe('postgres: health during an outage', () => {
  let cluster: PostgresCluster;
  let coffer: CofferProcess;

  before(async () => {
    cluster = await startPostgresCluster();
    coffer = await startCoffer({ args: ['--database-url', await cluster.createDatabase('health')] });
  });

  after(async () => {
    await coffer?.stop();
    await cluster?.stop();
  });

  test('postgres: health is ok while up', async () => {
    assert.deepEqual(await health(coffer), { status: 200, retryAfter: null, body: { status: 'ok' } });
  });

  test('postgres: health is 503 while down', async () => {
    await cluster.stopServer('fast');
    const down = await waitForHealth(coffer, 503);
    assert.equal(down.status, 503);
    assert.equal(down.retryAfter, '1');
    assert.deepEqual(down.body, { status: 'database_unavailable' });
  });

  test('postgres: health recovers after restart', async () => {
    await cluster.startServer();
    const up = await waitForHealth(coffer, 200);
    assert.deepEqual(up.body, { status: 'ok' });
  });
});
