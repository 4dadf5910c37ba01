import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { type CofferProcess, queryDatabase, startCoffer } from '@coffer/testkit';
import {
  bodyOf,
  type CliApiKey,
  CONTEXT,
  createApiKey,
  createObject,
  listVersions,
  type RawResponse,
  request,
} from './support/object-api.js';

const PARALLEL = 12;

function statuses(responses: RawResponse[]): number[] {
  return responses.map((response) => response.status).sort((a, b) => a - b);
}

function countOf(responses: RawResponse[], status: number): number {
  return responses.filter((response) => response.status === status).length;
}

describe('concurrent object writes', () => {
  let coffer: CofferProcess;

  /** Counts stored versions whose object row is gone. A rolled-back or raced write must leave none. */
  async function orphanVersionCount(): Promise<number> {
    const [row] = await queryDatabase<{ count: number }>(
      coffer.dataDir,
      'select count(*) as count from object_versions where object_id not in (select id from objects)',
    );
    return row?.count ?? Number.NaN;
  }

  async function objectsNamed(name: string): Promise<{ id: string; name: string }[]> {
    const response = await request(
      coffer,
      'GET',
      `/vault/v1/kv?${new URLSearchParams({ search: name, limit: '100' })}`,
    );
    assert.equal(response.status, 200, response.text);
    return (response.json as { data: { id: string; name: string }[] }).data.filter((item) => item.name === name);
  }

  before(async () => {
    coffer = await startCoffer();
  });

  after(async () => {
    await coffer?.stop();
  });

  describe('version checks', () => {
    test('one of twelve checked updates wins', async () => {
      const created = await createObject(coffer, 'race-update', 'original');
      const responses = await Promise.all(
        Array.from({ length: PARALLEL }, (_, index) =>
          request(coffer, 'PUT', `/vault/v1/kv/${created.id}`, {
            body: { value: `writer ${index}`, version_check: created.version_id },
          }),
        ),
      );

      assert.equal(countOf(responses, 201), 1, JSON.stringify(statuses(responses)));
      assert.equal(countOf(responses, 409), PARALLEL - 1, JSON.stringify(statuses(responses)));
      const winnerIndex = responses.findIndex((response) => response.status === 201);
      const winner = bodyOf(responses[winnerIndex] as RawResponse) as { metadata: { version_id: string } };
      const versions = await listVersions(coffer, created.id);
      assert.equal(versions.length, 2);
      assert.equal(versions[0]?.id, winner.metadata.version_id);
      assert.equal(versions[1]?.id, created.version_id);

      const read = await request(coffer, 'GET', `/vault/v1/kv/${created.id}`);
      assert.equal(bodyOf(read).value, `writer ${winnerIndex}`);
    });

    test('losing updates get a JSON 409', async () => {
      const created = await createObject(coffer, 'race-update-body', 'original');
      const responses = await Promise.all(
        Array.from({ length: 4 }, () =>
          request(coffer, 'PUT', `/vault/v1/kv/${created.id}`, {
            body: { value: 'x', version_check: created.version_id },
          }),
        ),
      );
      for (const response of responses.filter((candidate) => candidate.status === 409)) {
        assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
        assert.equal(bodyOf(response).code, 'version_conflict');
      }
    });

    test('unchecked concurrent updates all land', async () => {
      const created = await createObject(coffer, 'race-unchecked', 'original');
      const responses = await Promise.all(
        Array.from({ length: PARALLEL }, (_, index) =>
          request(coffer, 'PUT', `/vault/v1/kv/${created.id}`, { body: { value: `writer ${index}` } }),
        ),
      );
      assert.equal(countOf(responses, 201), PARALLEL);
      const versions = await listVersions(coffer, created.id);
      assert.equal(versions.length, PARALLEL + 1);
      assert.equal(versions.filter((version) => version.current_version).length, 1);
      assert.equal(new Set(versions.map((version) => version.id)).size, PARALLEL + 1);
    });
  });

  describe('names', () => {
    test('one of twelve creates of a name wins', async () => {
      const responses = await Promise.all(
        Array.from({ length: PARALLEL }, (_, index) =>
          request(coffer, 'POST', '/vault/v1/kv', {
            body: { name: 'race-create', value: `creator ${index}`, key_context: CONTEXT },
          }),
        ),
      );

      assert.equal(countOf(responses, 201), 1, JSON.stringify(statuses(responses)));
      assert.equal(countOf(responses, 409), PARALLEL - 1, JSON.stringify(statuses(responses)));
      const winner = bodyOf(responses.find((response) => response.status === 201) as RawResponse);
      const listed = await objectsNamed('race-create');
      assert.deepEqual(
        listed.map((item) => item.id),
        [winner.id],
      );
      const versions = await listVersions(coffer, winner.id as string);
      assert.equal(versions.length, 1);
      assert.equal(await orphanVersionCount(), 0);
    });

    test('create after a concurrent delete of the name', async () => {
      const first = await createObject(coffer, 'race-recreate', 'first');
      const [deleted, ...creates] = await Promise.all([
        request(coffer, 'DELETE', `/vault/v1/kv/${first.id}`),
        ...Array.from({ length: 4 }, () =>
          request(coffer, 'POST', '/vault/v1/kv', {
            body: { name: 'race-recreate', value: 'second', key_context: CONTEXT },
          }),
        ),
      ]);

      assert.equal(deleted?.status, 200);
      assert.ok(countOf(creates, 201) <= 1, JSON.stringify(statuses(creates)));
      assert.equal(countOf(creates, 201) + countOf(creates, 409), creates.length);
      const listed = await objectsNamed('race-recreate');
      assert.equal(listed.length, countOf(creates, 201));
      assert.equal(await orphanVersionCount(), 0);
    });
  });

  describe('delete against update', () => {
    test('unchecked delete and update', async () => {
      for (let round = 0; round < 10; round++) {
        const created = await createObject(coffer, `race-delete-${round}`, 'original');
        const [deleted, updated] = await Promise.all([
          request(coffer, 'DELETE', `/vault/v1/kv/${created.id}`),
          request(coffer, 'PUT', `/vault/v1/kv/${created.id}`, { body: { value: 'update' } }),
        ]);

        assert.equal(deleted?.status, 200, deleted?.text);
        assert.ok(
          updated?.status === 201 || updated?.status === 404,
          `update got ${updated?.status}: ${updated?.text}`,
        );
        const read = await request(coffer, 'GET', `/vault/v1/kv/${created.id}`);
        const versions = await request(coffer, 'GET', `/vault/v1/kv/${created.id}/versions`);
        assert.equal(read.status, 404);
        assert.equal(versions.status, 404);
      }
      assert.equal(await orphanVersionCount(), 0);
    });

    test('checked delete and update', async () => {
      for (let round = 0; round < 10; round++) {
        const created = await createObject(coffer, `race-checked-${round}`, 'original');
        const [deleted, updated] = await Promise.all([
          request(coffer, 'DELETE', `/vault/v1/kv/${created.id}?version_check=${created.version_id}`),
          request(coffer, 'PUT', `/vault/v1/kv/${created.id}`, {
            body: { value: 'update', version_check: created.version_id },
          }),
        ]);

        const outcome = `delete ${deleted?.status}, update ${updated?.status}`;
        const deleteWon = deleted?.status === 200 && updated?.status === 404;
        const updateWon = deleted?.status === 409 && updated?.status === 201;
        assert.ok(deleteWon || updateWon, outcome);
        const read = await request(coffer, 'GET', `/vault/v1/kv/${created.id}`);
        if (deleteWon) {
          assert.equal(read.status, 404, outcome);
        } else {
          assert.equal(bodyOf(read).value, 'update', outcome);
          assert.equal((await listVersions(coffer, created.id)).length, 2, outcome);
        }
      }
      assert.equal(await orphanVersionCount(), 0);
    });
  });

  describe('Idempotency-Key', () => {
    let second: CliApiKey;

    before(async () => {
      second = await createApiKey(coffer.dataDir, 'idempotency-second');
    });

    function post(body: unknown, key: string, apiKey?: string): Promise<RawResponse> {
      return request(coffer, 'POST', '/vault/v1/kv', {
        body,
        headers: { 'idempotency-key': key },
        ...(apiKey === undefined ? {} : { apiKey }),
      });
    }

    test('repeat returns the first response', async () => {
      const key = `retry-${randomUUID()}`;
      const body = { name: 'idem-repeat', value: 'once', key_context: CONTEXT };
      const first = await post(body, key);
      const repeat = await post(body, key);

      assert.equal(first.status, 201, first.text);
      assert.equal(repeat.status, 201, repeat.text);
      assert.equal(repeat.text, first.text);
      assert.equal(repeat.headers.get('idempotent-replayed'), 'true');
      assert.equal(first.headers.get('idempotent-replayed'), null);
      assert.match(repeat.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal((await objectsNamed('idem-repeat')).length, 1);
      assert.equal((await listVersions(coffer, bodyOf(first).id as string)).length, 1);
    });

    test('repeat with reordered fields replays', async () => {
      const key = `retry-${randomUUID()}`;
      const first = await post({ name: 'idem-order', value: 'v', key_context: CONTEXT }, key);
      const repeat = await post({ key_context: CONTEXT, value: 'v', name: 'idem-order' }, key);
      assert.equal(first.status, 201, first.text);
      assert.equal(repeat.status, 201, repeat.text);
      assert.equal(repeat.text, first.text);
    });

    test('different body is a 422', async () => {
      const key = `retry-${randomUUID()}`;
      const first = await post({ name: 'idem-body-a', value: 'a', key_context: CONTEXT }, key);
      const cases: { label: string; body: unknown }[] = [
        { label: 'name', body: { name: 'idem-body-b', value: 'a', key_context: CONTEXT } },
        { label: 'value', body: { name: 'idem-body-a', value: 'b', key_context: CONTEXT } },
        { label: 'context', body: { name: 'idem-body-a', value: 'a', key_context: { organization_id: 'org_other' } } },
      ];

      assert.equal(first.status, 201, first.text);
      for (const { label, body } of cases) {
        const reused = await post(body, key);
        assert.equal(reused.status, 422, `${label}: ${reused.text}`);
        assert.match(reused.headers.get('content-type') ?? '', /^application\/json/);
        assert.equal(bodyOf(reused).code, 'idempotency_key_reused', label);
      }
      assert.equal((await objectsNamed('idem-body-b')).length, 0);
      assert.equal((await listVersions(coffer, bodyOf(first).id as string)).length, 1);
    });

    test('other API key is independent', async () => {
      const key = `retry-${randomUUID()}`;
      const first = await post({ name: 'idem-key-a', value: 'a', key_context: CONTEXT }, key);
      // This is not a replay of the first key's response, so the name is taken. A failed create keeps no key.
      const sameBody = await post({ name: 'idem-key-a', value: 'a', key_context: CONTEXT }, key, second.secret);
      const otherBody = await post({ name: 'idem-key-b', value: 'b', key_context: CONTEXT }, key, second.secret);
      const firstAgain = await post({ name: 'idem-key-a', value: 'a', key_context: CONTEXT }, key);

      assert.equal(first.status, 201, first.text);
      assert.equal(sameBody.status, 409, sameBody.text);
      assert.equal(otherBody.status, 201, otherBody.text);
      assert.notEqual(bodyOf(otherBody).id, bodyOf(first).id);
      assert.deepEqual(bodyOf(otherBody).updated_by, { id: second.id, name: 'idempotency-second' });
      assert.equal(firstAgain.text, first.text);
    });

    test('twelve concurrent repeats create one object', async () => {
      const key = `retry-${randomUUID()}`;
      const body = { name: 'idem-parallel', value: 'parallel', key_context: CONTEXT };
      const responses = await Promise.all(Array.from({ length: PARALLEL }, () => post(body, key)));

      assert.deepEqual(statuses(responses), Array(PARALLEL).fill(201));
      const ids = new Set(responses.map((response) => bodyOf(response).id));
      assert.equal(ids.size, 1);
      assert.equal(new Set(responses.map((response) => response.text)).size, 1);
      const listed = await objectsNamed('idem-parallel');
      assert.deepEqual(
        listed.map((item) => item.id),
        [...ids],
      );
      assert.equal(await orphanVersionCount(), 0);
    });

    test('failed create does not keep the key', async () => {
      await createObject(coffer, 'idem-taken', 'first');
      const key = `retry-${randomUUID()}`;
      const body = { name: 'idem-taken', value: 'second', key_context: CONTEXT };
      const first = await post(body, key);
      const repeat = await post(body, key);
      assert.equal(first.status, 409, first.text);
      assert.equal(repeat.status, 409, repeat.text);
    });

    const badKeys: { label: string; key: string }[] = [
      { label: 'overlong', key: 'k'.repeat(256) },
      { label: 'with a space', key: 'two words' },
      { label: 'non-ASCII', key: 'clé' },
    ];
    for (const { label, key } of badKeys) {
      test(`${label} Idempotency-Key is a 422`, async () => {
        const name = `idem-bad-${label}`;
        const response = await request(coffer, 'POST', '/vault/v1/kv', {
          body: { name, value: 'v', key_context: CONTEXT },
          headers: { 'idempotency-key': key },
        });
        assert.equal(response.status, 422, response.text);
        assert.deepEqual(bodyOf(response).errors, [{ field: 'Idempotency-Key', code: 'invalid' }]);
        assert.equal((await objectsNamed(name)).length, 0);
      });
    }
  });
});
