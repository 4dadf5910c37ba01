import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { queryDatabase, testBackend } from '@coffer/testkit';
import { createApiKey, revokeApiKey } from '../support/coffer-cli.js';
import { type RawResponse, sendJson, sendRaw, type Target } from '../support/http.js';
import { type SharedStore, startSharedStore } from './shared-store.js';

const BACKEND = testBackend();
const CREATE = '/vault/v1/keys/data-key';
const DECRYPT = '/vault/v1/keys/decrypt';
const REKEY = '/vault/v1/keys/rekey';
const OBJECTS = '/vault/v1/kv';

/** Offset of the first entry's KEK id in an `encrypted_keys` blob: version (1), data key id (16), commitment (32), count (1). */
const FIRST_KEK_ID_OFFSET = 50;
const KEK_ID_LENGTH = 16;

/**
 * How long after `coffer api-keys revoke` exits every process may still accept the key, in
 * milliseconds. PostgreSQL delivers a NOTIFY that clears the caches at once, so its bound only
 * leaves room for a loaded CI machine. SQLite has no notifications: a lookup is cached for 2 s,
 * and the margin covers the polling interval and scheduling.
 */
const REVOCATION_LIMIT_MS = BACKEND === 'postgres' ? 1_000 : 2_500;

interface DataKeyBody {
  id: string;
  data_key: string;
  encrypted_keys: string;
  context: Record<string, string>;
}

function statuses(responses: RawResponse[]): number[] {
  return responses.map((response) => response.status).sort((a, b) => a - b);
}

function countOf(responses: RawResponse[], status: number): number {
  return responses.filter((response) => response.status === status).length;
}

/** Returns the KEK id of a one-entry blob's entry as a UUID string, as the `keks` table stores it. */
function kekIdOf(encryptedKeys: string): string {
  const blob = Buffer.from(encryptedKeys, 'base64');
  const hex = blob.subarray(FIRST_KEK_ID_OFFSET, FIRST_KEK_ID_OFFSET + KEK_ID_LENGTH).toString('hex');
  return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join('-');
}

describe(`${BACKEND}: three processes on one database`, () => {
  let store: SharedStore;
  let targets: Target[];

  /** Returns the process that request number `index` goes to, round-robin. */
  function spread(index: number): Target {
    return targets[index % targets.length] as Target;
  }

  before(async () => {
    store = await startSharedStore(3);
    targets = store.processes.map((coffer) => ({ url: coffer.url, apiKey: store.apiKey }));
  });

  after(async () => {
    await store?.stop();
  });

  test('concurrent first use creates one KEK', async () => {
    const organization = `org_first_use_${randomUUID()}`;
    const responses = await Promise.all(
      Array.from({ length: 60 }, (_, index) =>
        sendJson(spread(index), CREATE, { context: { organization_id: organization } }),
      ),
    );

    assert.deepEqual(statuses(responses), Array(60).fill(200));
    const blobKekIds = new Set(responses.map((response) => kekIdOf((response.json as DataKeyBody).encrypted_keys)));
    assert.equal(blobKekIds.size, 1, [...blobKekIds].join(', '));
    const rows = await queryDatabase<{ id: string }>(
      store.dataDir,
      'select id from keks where context_key = ? and context_value = ?',
      ['organization_id', organization],
    );
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.id, [...blobKekIds][0]);
    const events = await queryDatabase<{ data: string }>(store.dataDir, 'select data from events where event = ?', [
      'vault.kek.created',
    ]);
    const creations = events.filter((event) => event.data.includes(`organization_id:${organization}`));
    assert.equal(creations.length, 1);
  });

  test('data key decrypts on every process', async () => {
    const created = await sendJson(spread(0), CREATE, { context: { organization_id: `org_${randomUUID()}` } });
    assert.equal(created.status, 200, created.text);
    const dataKey = created.json as DataKeyBody;

    for (const target of [spread(1), spread(2)]) {
      const decrypted = await sendJson(target, DECRYPT, { keys: dataKey.encrypted_keys });
      assert.equal(decrypted.status, 200, decrypted.text);
      assert.deepEqual(decrypted.json, { id: dataKey.id, data_key: dataKey.data_key });
    }
  });

  test('rekey on one decrypts on another', async () => {
    const created = await sendJson(spread(0), CREATE, { context: { organization_id: `org_${randomUUID()}` } });
    assert.equal(created.status, 200, created.text);
    const original = created.json as DataKeyBody;

    const context = { organization_id: `org_${randomUUID()}`, region: 'eu' };
    const rekeyed = await sendJson(spread(1), REKEY, { context, encrypted_keys: original.encrypted_keys });
    assert.equal(rekeyed.status, 200, rekeyed.text);
    const moved = rekeyed.json as DataKeyBody;
    assert.equal(moved.id, original.id);
    assert.notEqual(moved.encrypted_keys, original.encrypted_keys);

    const decrypted = await sendJson(spread(2), DECRYPT, { keys: moved.encrypted_keys });
    assert.equal(decrypted.status, 200, decrypted.text);
    assert.deepEqual(decrypted.json, { id: original.id, data_key: original.data_key });
  });

  test('one of twelve checked updates wins', async () => {
    const created = await sendJson(spread(0), OBJECTS, {
      name: `race-${randomUUID()}`,
      value: 'original',
      key_context: { organization_id: 'org_scale_out' },
    });
    assert.equal(created.status, 201, created.text);
    const { id, version_id: versionId } = created.json as { id: string; version_id: string };

    const responses = await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        sendJson(
          spread(index),
          `${OBJECTS}/${id}`,
          { value: `writer ${index}`, version_check: versionId },
          { method: 'PUT' },
        ),
      ),
    );

    assert.equal(countOf(responses, 201), 1, JSON.stringify(statuses(responses)));
    assert.equal(countOf(responses, 409), 11, JSON.stringify(statuses(responses)));
    const winnerIndex = responses.findIndex((response) => response.status === 201);
    const versions = await sendRaw(spread(winnerIndex + 1), `${OBJECTS}/${id}/versions`, undefined, { method: 'GET' });
    assert.equal(versions.status, 200, versions.text);
    const listed = (versions.json as { data: { id: string; current_version: boolean }[] }).data;
    assert.equal(listed.length, 2);
    const winner = responses[winnerIndex]?.json as { metadata: { version_id: string } };
    assert.equal(listed[0]?.id, winner.metadata.version_id);
    const read = await sendRaw(spread(winnerIndex + 2), `${OBJECTS}/${id}`, undefined, { method: 'GET' });
    assert.equal((read.json as { value: string }).value, `writer ${winnerIndex}`);
  });

  test('name is taken everywhere until deleted', async () => {
    const name = `shared-name-${randomUUID()}`;
    const body = { name, value: 'first', key_context: { organization_id: 'org_scale_out' } };
    const first = await sendJson(spread(0), OBJECTS, body);
    assert.equal(first.status, 201, first.text);

    for (const index of [1, 2]) {
      const duplicate = await sendJson(spread(index), OBJECTS, body);
      assert.equal(duplicate.status, 409, `process ${index}: ${duplicate.text}`);
    }

    // Delete on one process, then read and create the name on each of the others at once.
    let current = (first.json as { id: string }).id;
    for (let round = 0; round < targets.length; round++) {
      const deleted = await sendRaw(spread(round + 1), `${OBJECTS}/${current}`, undefined, { method: 'DELETE' });
      assert.equal(deleted.status, 200, `round ${round}: ${deleted.text}`);
      const read = await sendRaw(spread(round + 2), `${OBJECTS}/name/${encodeURIComponent(name)}`, undefined, {
        method: 'GET',
      });
      assert.equal(read.status, 404, `round ${round}: ${read.text}`);
      const recreated = await sendJson(spread(round + 2), OBJECTS, { ...body, value: `round ${round}` });
      assert.equal(recreated.status, 201, `round ${round}: ${recreated.text}`);
      const next = (recreated.json as { id: string }).id;
      assert.notEqual(next, current);
      current = next;
    }
  });

  test('Idempotency-Key replays on another process', async () => {
    const body = {
      name: `idempotent-${randomUUID()}`,
      value: 'once',
      key_context: { organization_id: 'org_scale_out' },
    };
    const headers = { 'idempotency-key': `retry-${randomUUID()}` };
    const first = await sendJson(spread(0), OBJECTS, body, { headers });
    assert.equal(first.status, 201, first.text);

    for (const index of [1, 2]) {
      const replay = await sendJson(spread(index), OBJECTS, body, { headers });
      assert.equal(replay.status, 201, `process ${index}: ${replay.text}`);
      assert.equal(replay.text, first.text, `process ${index}`);
      assert.equal(replay.headers.get('idempotent-replayed'), 'true', `process ${index}`);
    }
  });

  test('revoked API key is rejected everywhere', async (context) => {
    const key = await createApiKey(store.dataDir, `revoke-${randomUUID()}`);
    const withKey = targets.map((target) => ({ ...target, apiKey: key.secret }));
    const probe = (target: Target) => sendJson(target, CREATE, { context: { organization_id: 'org_revoke' } });
    // On SQLite the new key is unknown to a process that looked it up before it existed, for up to 2 s.
    await waitUntil(async () => (await Promise.all(withKey.map(probe))).every((response) => response.status === 200));

    // Keep sending with the key while the CLI runs, so every process has it cached when the revocation commits.
    let warming = true;
    const warm = Promise.all(
      withKey.map(async (target) => {
        while (warming) {
          await probe(target);
          await delay(20);
        }
      }),
    );
    await revokeApiKey(store.dataDir, key.id);
    const revokedAt = Date.now();
    warming = false;
    await warm;

    const latencies = await Promise.all(
      withKey.map(async (target) => {
        for (;;) {
          const response = await probe(target);
          if (response.status === 401) {
            return Date.now() - revokedAt;
          }
          assert.equal(response.status, 200, response.text);
          if (Date.now() - revokedAt > 10_000) {
            return Number.POSITIVE_INFINITY;
          }
          await delay(20);
        }
      }),
    );
    context.diagnostic(`first 401 after the CLI exited: ${latencies.join(', ')} ms`);
    for (const [index, latency] of latencies.entries()) {
      assert.ok(latency < REVOCATION_LIMIT_MS, `process ${index} accepted the key for ${latency} ms`);
    }
    for (const [index, target] of withKey.entries()) {
      assert.equal((await probe(target)).status, 401, `process ${index}`);
    }
  });
});

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `condition` every 50 ms for up to 5 seconds. */
async function waitUntil(condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await condition())) {
    if (Date.now() > deadline) {
      throw new Error('condition not met within 5000 ms');
    }
    await delay(50);
  }
}
