import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type CofferProcess, startCoffer } from '@coffer/testkit';

describe('object rules', () => {
  let coffer: CofferProcess;

  async function call(method: string, path: string, body: unknown) {
    const response = await fetch(`${coffer.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${coffer.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  before(async () => {
    coffer = await startCoffer({ args: ['--max-body-size', '2KiB'] });
  });

  after(async () => {
    await coffer?.stop();
  });

  for (const name of ['.', '..']) {
    test(`name "${name}" is rejected`, async () => {
      const { status, body } = await call('POST', '/vault/v1/kv', { name, value: 'x', key_context: { a: 'b' } });
      assert.equal(status, 422);
      assert.deepEqual(body.errors, [{ field: 'name', code: 'reserved' }]);
    });
  }

  test('names with dots elsewhere are fine', async () => {
    const { status } = await call('POST', '/vault/v1/kv', { name: '...', value: 'x', key_context: { a: 'b' } });
    assert.equal(status, 201);
  });

  test('update cannot change key_context', async () => {
    const created = await call('POST', '/vault/v1/kv', { name: 'fixed-context', value: 'x', key_context: { a: 'b' } });
    const id = created.body.id as string;

    const { status, body } = await call('PUT', `/vault/v1/kv/${id}`, { value: 'y', key_context: { a: 'c' } });

    assert.equal(status, 422);
    assert.deepEqual(body.errors, [{ field: 'key_context', code: 'immutable' }]);
    const versions = await fetch(`${coffer.url}/vault/v1/kv/${id}/versions`, {
      headers: { authorization: `Bearer ${coffer.apiKey}` },
    });
    assert.equal(((await versions.json()) as { data: unknown[] }).data.length, 1);
  });

  test('body limit message states the limit', async () => {
    const { status, body } = await call('POST', '/vault/v1/kv', {
      name: 'big',
      value: 'x'.repeat(4096),
      key_context: { a: 'b' },
    });
    assert.equal(status, 413);
    assert.equal(body.code, 'body_too_large');
    assert.match(body.message as string, /limit of 2048 bytes/);
  });
});
