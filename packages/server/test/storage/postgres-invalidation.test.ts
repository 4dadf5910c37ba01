import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { newId, systemClock } from '../../src/ids.js';
import { ApiKeyService } from '../../src/services/api-key-service.js';
import { openStorage } from '../../src/storage/open-storage.js';
import type { ApiKeyRecord } from '../../src/storage/records.js';
import type { InvalidationScope, Storage } from '../../src/storage/storage.js';
import { cleanUpTestDatabases, freshDataDir, freshPostgresDatabase } from './test-databases.js';

/** How long a notification may take to arrive on the loopback interface, in milliseconds. */
const DELIVERY_LIMIT_MS = 2_000;

/** How long to wait before concluding that no notification is coming, in milliseconds. */
const SILENCE_MS = 300;

function apiKeyRecord(environmentId: string): ApiKeyRecord {
  return {
    id: newId('key'),
    environmentId,
    name: 'invalidation',
    secretHash: randomBytes(32),
    secretHint: 'wxyz',
    createdAt: Date.now() * 1000,
    revokedAt: null,
  };
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + DELIVERY_LIMIT_MS;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`no ${what} within ${DELIVERY_LIMIT_MS} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('postgres cache invalidation', () => {
  /** Stands in for the process that changes API keys, such as `coffer api-keys revoke`. */
  let writer: Storage;
  /** Stands in for a running server that caches API key lookups. */
  let reader: Storage;
  let environmentId: string;
  let scopes: InvalidationScope[];
  let unsubscribe: () => void;

  before(async () => {
    const location = { databaseUrl: await freshPostgresDatabase(), dataDir: freshDataDir() };
    writer = await openStorage(location);
    reader = await openStorage(location);
    environmentId = (await writer.insertEnvironment({ id: newId('environment'), name: 'default', createdAt: 1 })).id;
    scopes = [];
    unsubscribe = (reader.onInvalidate as NonNullable<Storage['onInvalidate']>)((scope) => scopes.push(scope));
    await waitFor(() => scopes.includes('all'), 'first notice after LISTEN');
  });

  after(async () => {
    await writer?.close();
    await reader?.close();
    await cleanUpTestDatabases();
  });

  test('postgres: revocation notifies other process', async () => {
    const key = apiKeyRecord(environmentId);
    await writer.insertApiKey(key);
    await waitFor(() => scopes.includes('api_keys'), 'notice of the new key');
    scopes.length = 0;

    assert.equal(await writer.revokeApiKey(key.id, Date.now() * 1000), true);
    await waitFor(() => scopes.includes('api_keys'), 'notice of the revocation');
  });

  test('postgres: no-op revocation stays silent', async () => {
    scopes.length = 0;
    assert.equal(await writer.revokeApiKey('key_missing', Date.now() * 1000), false);
    await new Promise((resolve) => setTimeout(resolve, SILENCE_MS));

    assert.deepEqual(scopes, []);
  });

  test('postgres: own changes notify too', async () => {
    scopes.length = 0;
    await reader.insertApiKey(apiKeyRecord(environmentId));
    await waitFor(() => scopes.includes('api_keys'), 'notice of its own insert');
  });

  test('postgres: revocation beats the cache time limit', async () => {
    // A minute-long cache: only the notification can make the revocation visible within the test.
    const cached = new ApiKeyService(reader, systemClock, 60_000);
    const stopFollowing = cached.followInvalidations();
    try {
      const environment = await writer.findEnvironmentById(environmentId);
      assert.ok(environment !== undefined);
      const { record, secret } = await new ApiKeyService(writer, systemClock, 0).create('followed', environment);
      assert.equal((await cached.authenticate(secret))?.apiKeyId, record.id);

      await new ApiKeyService(writer, systemClock, 0).revoke(record.id);
      const deadline = Date.now() + DELIVERY_LIMIT_MS;
      while ((await cached.authenticate(secret)) !== undefined && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.equal(await cached.authenticate(secret), undefined);
    } finally {
      stopFollowing();
    }
  });

  test('postgres: unsubscribe stops notices', async () => {
    unsubscribe();
    scopes.length = 0;
    await writer.insertApiKey(apiKeyRecord(environmentId));
    await new Promise((resolve) => setTimeout(resolve, SILENCE_MS));

    assert.deepEqual(scopes, []);
  });
});
