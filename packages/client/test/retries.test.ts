import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { CofferApiError, CofferClient, CofferNetworkError, type RetryEvent } from '../src/index.js';
import { closedPort, dataKeyBody, type ScriptedServer, startScriptedServer } from './scripted-server.js';

const servers: ScriptedServer[] = [];
after(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

async function scripted(...responses: Parameters<typeof startScriptedServer>[0]): Promise<ScriptedServer> {
  const server = await startScriptedServer(responses);
  servers.push(server);
  return server;
}

function clientFor(server: ScriptedServer, retries: RetryEvent[] = []): CofferClient {
  return new CofferClient({
    baseUrl: server.url,
    apiKey: 'sk_test_retries',
    retry: { baseDelayMs: 20, maxDelayMs: 2000 },
    onRetry: (event) => retries.push(event),
  });
}

const unavailable = { status: 503, body: { error: 'down', message: 'down', code: 'service_unavailable' } };

describe('retries', () => {
  test('503 with Retry-After then 200', async () => {
    const server = await scripted(
      { ...unavailable, headers: { 'retry-after': '1' } },
      { status: 200, body: dataKeyBody() },
    );
    const retries: RetryEvent[] = [];

    const pair = await clientFor(server, retries).createDataKey({ context: { tenant: 't1' } });

    assert.equal(pair.dataKey.length, 32);
    assert.equal(server.requests.length, 2);
    assert.equal(retries.length, 1);
    assert.equal(retries[0]?.delayMs, 1000);
    const gap = (server.requests[1]?.at ?? 0) - (server.requests[0]?.at ?? 0);
    assert.ok(gap >= 990, `second attempt came ${gap} ms after the first`);
  });

  test('HTTP-date Retry-After honoured', async () => {
    const when = new Date(Date.now() + 2000).toUTCString();
    const server = await scripted(
      { ...unavailable, headers: { 'retry-after': when } },
      { status: 200, body: dataKeyBody() },
    );
    const retries: RetryEvent[] = [];

    await clientFor(server, retries).createDataKey({ context: { tenant: 't1' } });

    // An HTTP date has whole seconds, so the wait is between 1 and 2 seconds.
    assert.ok((retries[0]?.delayMs ?? 0) > 900, `waited ${retries[0]?.delayMs} ms`);
    assert.ok((retries[0]?.delayMs ?? 0) <= 2000, `waited ${retries[0]?.delayMs} ms`);
  });

  test('backoff grows without Retry-After', async () => {
    const server = await scripted(unavailable, unavailable, unavailable, { status: 200, body: dataKeyBody() });
    const retries: RetryEvent[] = [];

    await clientFor(server, retries).createDataKey({ context: { tenant: 't1' } });

    assert.deepEqual(
      retries.map((event) => event.retry),
      [1, 2, 3],
    );
    for (const [index, event] of retries.entries()) {
      const ceiling = 20 * 2 ** index;
      assert.ok(event.delayMs >= ceiling / 2, `retry ${index + 1} waited ${event.delayMs} ms`);
      assert.ok(event.delayMs <= ceiling, `retry ${index + 1} waited ${event.delayMs} ms`);
    }
  });

  test('gives up after maxRetries', async () => {
    const server = await scripted(unavailable);
    const client = clientFor(server);

    const error = await client.createDataKey({ context: { tenant: 't1' } }).catch((caught: unknown) => caught);

    assert.ok(error instanceof CofferApiError);
    assert.equal(error.kind, 'unavailable');
    assert.equal(server.requests.length, 4);
  });

  test('Retry-After above maxDelayMs not waited for', async () => {
    const server = await scripted({ status: 429, headers: { 'retry-after': '60' }, body: { message: 'slow down' } });

    const error = await clientFor(server)
      .createDataKey({ context: { tenant: 't1' } })
      .catch((caught: unknown) => caught);

    assert.ok(error instanceof CofferApiError);
    assert.equal(error.kind, 'rate_limited');
    assert.equal(error.retryAfterMs, 60_000);
    assert.equal(server.requests.length, 1);
  });

  test('GET retried', async () => {
    const list = { status: 200, body: { data: [], list_metadata: { before: null, after: null } } };
    const server = await scripted(unavailable, list);

    await clientFor(server).listObjects();

    assert.equal(server.requests.length, 2);
  });

  test('create reuses one Idempotency-Key', async () => {
    const metadata = {
      id: 'obj',
      environment_id: 'env',
      key_id: 'key',
      context: { tenant: 't1' },
      updated_at: '2025-02-21T12:04:09.165Z',
      updated_by: { id: 'key_1', name: 'ci' },
      version_id: 'v1',
    };
    const server = await scripted(unavailable, { status: 201, body: metadata });

    await clientFor(server).createObject({ name: 'n', value: 'v', context: { tenant: 't1' } });

    const keys = server.requests.map((request) => request.headers['idempotency-key']);
    assert.equal(keys.length, 2);
    assert.equal(typeof keys[0], 'string');
    assert.equal(keys[0], keys[1]);
  });

  test('separate creates get separate keys', async () => {
    const server = await scripted({ status: 409, body: { message: 'taken', code: 'name_conflict' } });
    const client = clientFor(server);

    await client.createObject({ name: 'n', value: 'v', context: { t: '1' } }).catch(() => undefined);
    await client.createObject({ name: 'n', value: 'v', context: { t: '1' } }).catch(() => undefined);

    const [first, second] = server.requests.map((request) => request.headers['idempotency-key']);
    assert.notEqual(first, second);
  });

  test('caller idempotency key sent', async () => {
    const server = await scripted({ status: 409, body: { message: 'taken', code: 'name_conflict' } });

    await clientFor(server)
      .createObject({ name: 'n', value: 'v', context: { t: '1' } }, { idempotencyKey: 'import-row-17' })
      .catch(() => undefined);

    assert.equal(server.requests[0]?.headers['idempotency-key'], 'import-row-17');
  });

  test('update not retried on 503', async () => {
    const server = await scripted(unavailable);

    const error = await clientFor(server)
      .updateObject({ id: 'obj', value: 'v' })
      .catch((caught: unknown) => caught);

    assert.ok(error instanceof CofferApiError);
    assert.equal(server.requests.length, 1);
  });

  test('delete not retried on 503', async () => {
    const server = await scripted(unavailable);

    await clientFor(server)
      .deleteObject({ id: 'obj' })
      .catch(() => undefined);

    assert.equal(server.requests.length, 1);
  });

  test('409 never retried', async () => {
    const server = await scripted({ status: 409, body: { message: 'taken', code: 'name_conflict' } });

    await clientFor(server)
      .createObject({ name: 'n', value: 'v', context: { t: '1' } })
      .catch(() => undefined);

    assert.equal(server.requests.length, 1);
  });

  test('refused connection retried for update', async () => {
    const port = await closedPort();
    const retries: RetryEvent[] = [];
    const client = new CofferClient({
      baseUrl: `http://127.0.0.1:${port}`,
      apiKey: 'sk_test_retries',
      retry: { maxRetries: 2, baseDelayMs: 5 },
      onRetry: (event) => retries.push(event),
    });

    const error = await client.updateObject({ id: 'obj', value: 'v' }).catch((caught: unknown) => caught);

    assert.ok(error instanceof CofferNetworkError);
    assert.equal(error.kind, 'network');
    assert.equal(retries.length, 2);
  });

  test('maxRetries 0 sends once', async () => {
    const server = await scripted(unavailable);
    const client = new CofferClient({ baseUrl: server.url, apiKey: 'sk_test_retries', retry: { maxRetries: 0 } });

    await client.createDataKey({ context: { tenant: 't1' } }).catch(() => undefined);

    assert.equal(server.requests.length, 1);
  });
});
