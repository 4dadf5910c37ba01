import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { CofferApiError, CofferClient, CofferNetworkError } from '../src/index.js';
import { dataKeyBody, type ScriptedServer, startScriptedServer } from './scripted-server.js';

const servers: ScriptedServer[] = [];
after(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

async function scripted(...responses: Parameters<typeof startScriptedServer>[0]): Promise<ScriptedServer> {
  const server = await startScriptedServer(responses);
  servers.push(server);
  return server;
}

const slow = { status: 200, body: dataKeyBody(), delayMs: 2000 };

describe('timeouts and abort', () => {
  test('slow response times out', async () => {
    const server = await scripted(slow);
    const client = new CofferClient({ baseUrl: server.url, apiKey: 'k', timeoutMs: 100, retry: { maxRetries: 0 } });

    const started = performance.now();
    const error = await client.createDataKey({ context: { tenant: 't1' } }).catch((caught: unknown) => caught);

    assert.ok(error instanceof CofferNetworkError);
    assert.equal(error.kind, 'timeout');
    assert.ok(performance.now() - started < 1500);
  });

  test('per-call timeout overrides client', async () => {
    const server = await scripted(slow);
    const client = new CofferClient({ baseUrl: server.url, apiKey: 'k', timeoutMs: 60_000, retry: { maxRetries: 0 } });

    const error = await client
      .createDataKey({ context: { tenant: 't1' } }, { timeoutMs: 50 })
      .catch((caught: unknown) => caught);

    assert.ok(error instanceof CofferNetworkError);
    assert.equal(error.kind, 'timeout');
  });

  test('timed-out attempt retried', async () => {
    const server = await scripted(slow, { status: 200, body: dataKeyBody() });
    const client = new CofferClient({ baseUrl: server.url, apiKey: 'k', timeoutMs: 100, retry: { baseDelayMs: 5 } });

    const pair = await client.createDataKey({ context: { tenant: 't1' } });

    assert.equal(pair.dataKey.length, 32);
    assert.equal(server.requests.length, 2);
  });

  test('timeout covers a stalled body', async () => {
    const server = await scripted((response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"id":');
    });
    const client = new CofferClient({ baseUrl: server.url, apiKey: 'k', timeoutMs: 150, retry: { maxRetries: 0 } });

    const error = await client.createDataKey({ context: { tenant: 't1' } }).catch((caught: unknown) => caught);

    assert.ok(error instanceof CofferNetworkError);
    assert.equal(error.kind, 'timeout');
  });

  test('abort rejects with signal reason', async () => {
    const server = await scripted(slow);
    const client = new CofferClient({ baseUrl: server.url, apiKey: 'k' });
    const controller = new AbortController();
    const reason = new Error('user pressed cancel');

    setTimeout(() => controller.abort(reason), 50);
    const error = await client
      .createDataKey({ context: { tenant: 't1' } }, { signal: controller.signal })
      .catch((caught: unknown) => caught);

    assert.equal(error, reason);
  });

  test('abort during backoff stops retries', async () => {
    const server = await scripted({ status: 503, headers: { 'retry-after': '5' }, body: {} });
    const client = new CofferClient({ baseUrl: server.url, apiKey: 'k' });
    const controller = new AbortController();

    setTimeout(() => controller.abort(), 200);
    const started = performance.now();
    const error = await client
      .createDataKey({ context: { tenant: 't1' } }, { signal: controller.signal })
      .catch((caught: unknown) => caught);

    assert.ok(error instanceof DOMException);
    assert.equal(error.name, 'AbortError');
    assert.ok(performance.now() - started < 2000);
    assert.equal(server.requests.length, 1);
  });

  test('aborted signal sends nothing', async () => {
    const server = await scripted({ status: 200, body: dataKeyBody() });
    const client = new CofferClient({ baseUrl: server.url, apiKey: 'k' });

    await assert.rejects(client.createDataKey({ context: { t: '1' } }, { signal: AbortSignal.abort() }), {
      name: 'AbortError',
    });
    assert.equal(server.requests.length, 0);
  });

  test('non-JSON success is invalid_response', async () => {
    const server = await scripted({
      status: 200,
      body: '<html>proxy</html>',
      headers: { 'content-type': 'text/html' },
    });
    const client = new CofferClient({ baseUrl: server.url, apiKey: 'k' });

    const error = await client.createDataKey({ context: { t: '1' } }).catch((caught: unknown) => caught);

    assert.ok(error instanceof CofferApiError);
    assert.equal(error.kind, 'invalid_response');
  });

  test('short data key is invalid_response', async () => {
    const body = { ...dataKeyBody(), data_key: Buffer.alloc(16).toString('base64') };
    const server = await scripted({ status: 200, body });
    const client = new CofferClient({ baseUrl: server.url, apiKey: 'k' });

    const error = await client.createDataKey({ context: { t: '1' } }).catch((caught: unknown) => caught);

    assert.ok(error instanceof CofferApiError);
    assert.equal(error.kind, 'invalid_response');
    assert.match(error.message, /data_key is 16 bytes/);
  });

  test('HTML error page keeps status', async () => {
    const server = await scripted({ status: 502, body: '<html>bad gateway</html>', headers: { 'x-request-id': 'r1' } });
    const client = new CofferClient({ baseUrl: server.url, apiKey: 'k', retry: { maxRetries: 0 } });

    const error = await client.createDataKey({ context: { t: '1' } }).catch((caught: unknown) => caught);

    assert.ok(error instanceof CofferApiError);
    assert.equal(error.kind, 'unavailable');
    assert.equal(error.code, 'http_502');
    assert.equal(error.requestId, 'r1');
  });
});
