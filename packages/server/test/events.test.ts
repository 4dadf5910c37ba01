import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type CofferProcess, startCoffer } from '@coffer/testkit';
import type { WorkOS } from '@workos-inc/node';
import { workosFor } from './support/workos.js';

interface EventBody {
  object: string;
  id: string;
  event: string;
  data: Record<string, unknown>;
  created_at: string;
}

interface EventList {
  object: string;
  data: EventBody[];
  list_metadata: { before: string | null; after: string | null };
}

describe('GET /events', () => {
  let coffer: CofferProcess;
  let workos: WorkOS;

  async function listEvents(query: string): Promise<{ status: number; body: EventList & { code?: string } }> {
    const response = await fetch(`${coffer.url}/events?${query}`, {
      headers: { authorization: `Bearer ${coffer.apiKey}` },
    });
    return { status: response.status, body: (await response.json()) as EventList & { code?: string } };
  }

  before(async () => {
    coffer = await startCoffer();
    workos = workosFor(coffer.url, coffer.apiKey);
    const pair = await workos.vault.createDataKey({ context: { organization_id: 'org_events_a' } });
    await workos.vault.decryptDataKey({ keys: pair.encryptedKeys });
    const object = await workos.vault.createObject({
      name: 'events-object',
      value: 'secret-value-that-must-not-appear',
      context: { organization_id: 'org_events_b' },
    });
    await workos.vault.readObject({ id: object.id });
    await workos.vault.deleteObject({ id: object.id });
  });

  after(async () => {
    await coffer?.stop();
  });

  test('lists every operation oldest first', async () => {
    const { status, body } = await listEvents('limit=100');
    assert.equal(status, 200);
    assert.equal(body.object, 'list');
    const names = body.data.map((event) => event.event);
    assert.deepEqual(names, [
      'vault.kek.created',
      'vault.dek.read',
      'vault.dek.decrypted',
      'vault.kek.created',
      'vault.data.created',
      'vault.data.read',
      'vault.data.deleted',
    ]);
  });

  test('events carry actor fields', async () => {
    const { body } = await listEvents('events=vault.data.created');
    const created = body.data[0];
    assert.equal(created?.object, 'event');
    assert.match(created?.id ?? '', /^event_[0-9A-Z]{26}$/);
    assert.equal(created?.data.actor_source, 'api');
    assert.equal(created?.data.actor_name, 'bootstrap');
    assert.equal(created?.data.kv_name, 'events-object');
    assert.deepEqual(created?.data.key_context, { organization_id: 'org_events_b' });
    assert.match(created?.created_at ?? '', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
  });

  test('no event carries a value or key', async () => {
    const { body } = await listEvents('limit=100');
    const text = JSON.stringify(body);
    assert.ok(!text.includes('secret-value-that-must-not-appear'));
    assert.ok(!text.includes('data_key'));
  });

  test('filters by names comma-joined or repeated', async () => {
    const joined = await listEvents('events=vault.dek.read,vault.dek.decrypted');
    const repeated = await listEvents('events=vault.dek.read&events=vault.dek.decrypted');
    assert.deepEqual(
      joined.body.data.map((event) => event.event),
      ['vault.dek.read', 'vault.dek.decrypted'],
    );
    assert.deepEqual(
      repeated.body.data.map((event) => event.id),
      joined.body.data.map((event) => event.id),
    );
  });

  test('filters by organization', async () => {
    const { body } = await listEvents('organization_id=org_events_a');
    assert.ok(body.data.length >= 2);
    assert.ok(body.data.every((event) => event.event.startsWith('vault.dek') || event.event === 'vault.kek.created'));
  });

  test('pages with after until null', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const { body }: { body: EventList } = await listEvents(`limit=2${cursor === null ? '' : `&after=${cursor}`}`);
      seen.push(...body.data.map((event) => event.id));
      assert.equal(body.list_metadata.before, body.list_metadata.after);
      cursor = body.list_metadata.after;
    } while (cursor !== null);
    const all = await listEvents('limit=100');
    assert.deepEqual(
      seen,
      all.body.data.map((event) => event.id),
    );
  });

  test('descending order reverses the list', async () => {
    const ascending = await listEvents('limit=100');
    const descending = await listEvents('limit=100&order=desc');
    assert.deepEqual(
      descending.body.data.map((event) => event.id),
      ascending.body.data.map((event) => event.id).reverse(),
    );
  });

  test('range bounds filter by time', async () => {
    const future = await listEvents('range_start=2999-01-01T00:00:00Z');
    const past = await listEvents('range_end=2000-01-01T00:00:00Z');
    const all = await listEvents('range_start=2000-01-01T00:00:00Z&range_end=2999-01-01T00:00:00Z&limit=100');
    assert.equal(future.body.data.length, 0);
    assert.equal(past.body.data.length, 0);
    assert.equal(all.body.data.length, 7);
  });

  test('official SDK lists vault events', async () => {
    const list = await workos.events.listEvents({ events: ['vault.data.created', 'vault.data.read'] });
    assert.deepEqual(
      list.data.map((event) => event.event),
      ['vault.data.created', 'vault.data.read'],
    );
  });

  const badQueries = [
    ['limit=ten', 'invalid_query'],
    ['order=sideways', 'invalid_query'],
    ['range_start=yesterday', 'invalid_query'],
    ['events=Not%20An%20Event', 'invalid_query'],
    ['after=obj_123', 'invalid_cursor'],
    ['after=event_01J00000000000000000000000&before=event_01J00000000000000000000000', 'invalid_query'],
  ] as const;
  for (const [query, code] of badQueries) {
    test(`rejects ${query.slice(0, 30)} with 400`, async () => {
      const { status, body } = await listEvents(query);
      assert.equal(status, 400);
      assert.equal(body.code, code);
    });
  }

  test('missing API key is 401', async () => {
    const response = await fetch(`${coffer.url}/events`);
    assert.equal(response.status, 401);
  });
});
