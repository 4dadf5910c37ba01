import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type CofferProcess, startCoffer } from '@coffer/testkit';
import { systemClock } from '../../src/ids.js';
import { ApiKeyService } from '../../src/services/api-key-service.js';
import { openStorage } from '../../src/storage/open-storage.js';
import type { InvalidationScope, Storage } from '../../src/storage/storage.js';
import { type PostgresCluster, type ShutdownMode, startPostgresCluster } from '../support/postgres-cluster.js';

const CREATE = '/vault/v1/keys/data-key';

/** How long the database stays down in each outage, in milliseconds. */
const OUTAGE_MS = 1_500;

/** How long Coffer may take to serve again once PostgreSQL accepts connections, in milliseconds. */
const RECOVERY_LIMIT_MS = 15_000;

interface Outcome {
  status: number;
  retryAfter: string | null;
  code: unknown;
  /** When the request was sent, in `Date.now()` milliseconds. */
  sentAt: number;
}

async function createDataKey(coffer: CofferProcess): Promise<Outcome> {
  const sentAt = Date.now();
  const response = await fetch(new URL(CREATE, coffer.url), {
    method: 'POST',
    headers: { authorization: `Bearer ${coffer.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ context: { organization_id: 'org_outage' } }),
  });
  const body = (await response.json()) as { code?: unknown };
  return { status: response.status, retryAfter: response.headers.get('retry-after'), code: body.code, sentAt };
}

/** Sends create requests from `workers` loops until `stop()`, and returns every outcome. */
function startLoad(coffer: CofferProcess, workers: number): { stop(): Promise<Outcome[]> } {
  const outcomes: Outcome[] = [];
  let stopping = false;
  const loops = Array.from({ length: workers }, async () => {
    while (!stopping) {
      outcomes.push(await createDataKey(coffer));
    }
  });
  return {
    async stop() {
      stopping = true;
      await Promise.all(loops);
      return outcomes;
    },
  };
}

/** Sends requests until one succeeds; returns how long that took, in milliseconds. */
async function waitForRecovery(coffer: CofferProcess): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < RECOVERY_LIMIT_MS) {
    if ((await createDataKey(coffer)).status === 200) {
      return Date.now() - started;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`coffer did not serve again within ${RECOVERY_LIMIT_MS} ms of PostgreSQL restarting`);
}

describe('postgres outage', () => {
  let cluster: PostgresCluster;
  let coffer: CofferProcess;

  before(async () => {
    cluster = await startPostgresCluster();
    const databaseUrl = await cluster.createDatabase('outage');
    coffer = await startCoffer({ args: ['--database-url', databaseUrl] });
  });

  after(async () => {
    await coffer?.stop();
    await cluster?.stop();
  });

  for (const mode of ['fast', 'immediate'] as ShutdownMode[]) {
    describe(`postgres: ${mode} shutdown under load`, () => {
      let outcomes: Outcome[];
      let downFrom: number;
      let downUntil: number;
      let recoveryMs: number;

      before(async () => {
        assert.equal((await createDataKey(coffer)).status, 200);
        const load = startLoad(coffer, 4);
        await new Promise((resolve) => setTimeout(resolve, 300));
        await cluster.stopServer(mode);
        downFrom = Date.now();
        await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
        downUntil = Date.now();
        await cluster.startServer();
        recoveryMs = await waitForRecovery(coffer);
        await new Promise((resolve) => setTimeout(resolve, 300));
        outcomes = await load.stop();
      });

      test(`postgres: ${mode} shutdown never answers 500`, (context) => {
        const count = (status: number) => outcomes.filter((outcome) => outcome.status === status).length;
        context.diagnostic(`${outcomes.length} requests: ${count(200)} answered 200, ${count(503)} answered 503`);
        const statuses = [...new Set(outcomes.map((outcome) => outcome.status))].sort();
        assert.ok(
          statuses.every((status) => status === 200 || status === 503),
          JSON.stringify(statuses),
        );
      });

      test(`postgres: ${mode} outage answers 503`, () => {
        const during = outcomes.filter((outcome) => outcome.sentAt > downFrom && outcome.sentAt < downUntil);
        assert.ok(during.length > 0);
        assert.ok(
          during.every((outcome) => outcome.status === 503),
          JSON.stringify(during.map((outcome) => outcome.status)),
        );
      });

      test(`postgres: ${mode} 503 carries Retry-After`, () => {
        const unavailable = outcomes.filter((outcome) => outcome.status === 503);
        assert.ok(unavailable.length > 0);
        assert.ok(unavailable.every((outcome) => outcome.retryAfter === '1'));
        assert.ok(unavailable.every((outcome) => outcome.code === 'service_unavailable'));
      });

      test(`postgres: ${mode} recovery needs no restart`, async (context) => {
        context.diagnostic(`first success ${recoveryMs} ms after PostgreSQL accepted connections again`);
        const after = await Promise.all(Array.from({ length: 20 }, () => createDataKey(coffer)));
        assert.deepEqual(
          after.map((outcome) => outcome.status),
          Array(20).fill(200),
        );
      });
    });
  }

  test('postgres: invalidations resume after restart', async () => {
    const databaseUrl = await cluster.createDatabase('invalidation_restart');
    const location = { databaseUrl, dataDir: '/nonexistent-coffer-data-dir' };
    const log: string[] = [];
    const logger = {
      info: (fields: Record<string, unknown>, message: string) => log.push(`info ${message} ${JSON.stringify(fields)}`),
      warn: (fields: Record<string, unknown>, message: string) => log.push(`warn ${message} ${JSON.stringify(fields)}`),
    };
    const writer = await openStorage(location);
    const reader = await openStorage({ ...location, logger });
    try {
      const scopes: InvalidationScope[] = [];
      (reader.onInvalidate as NonNullable<Storage['onInvalidate']>)((scope) => scopes.push(scope));
      await waitFor(() => scopes.includes('all'), 'the first LISTEN', log);

      // Cleared before the restart: the listener may reconnect and report 'all' before the restart returns.
      scopes.length = 0;
      await cluster.restartServer('fast');
      await waitFor(() => scopes.includes('all'), 'LISTEN after the restart', log);

      const apiKeys = new ApiKeyService(writer, systemClock, 0);
      const environment = await apiKeys.ensureEnvironment('default');
      const { record } = await apiKeys.create('restart', environment);
      scopes.length = 0;
      await apiKeys.revoke(record.id);
      await waitFor(() => scopes.includes('api_keys'), 'the revocation notice', log);
    } finally {
      await writer.close();
      await reader.close();
    }
  });
});

/** Polls `condition` for up to 20 seconds; the error names what was missing and the storage's log lines. */
async function waitFor(condition: () => boolean, what: string, log: string[]): Promise<void> {
  const timeoutMs = 20_000;
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; storage log:\n${log.join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
