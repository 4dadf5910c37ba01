import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type CofferProcess, startCoffer } from '@coffer/testkit';
import { CofferApiError, CofferClient } from '../src/index.js';

let coffer: CofferProcess;
let client: CofferClient;

before(async () => {
  coffer = await startCoffer();
  client = new CofferClient({ baseUrl: coffer.url, apiKey: coffer.apiKey });
});

after(async () => {
  await coffer.stop();
});

describe('data keys', () => {
  test('create returns 32-byte Buffer', async () => {
    const pair = await client.createDataKey({ context: { organization_id: 'org_1' } });

    assert.ok(Buffer.isBuffer(pair.dataKey));
    assert.equal(pair.dataKey.length, 32);
    assert.equal(typeof pair.encryptedKeys, 'string');
    assert.deepEqual(pair.context, { organization_id: 'org_1' });
  });

  test('context echoed in request order', async () => {
    const pair = await client.createDataKey({ context: { zeta: '1', alpha: '2', __proto__x: '3' } });

    assert.deepEqual(Object.keys(pair.context), ['zeta', 'alpha', '__proto__x']);
  });

  test('decrypt returns same key', async () => {
    const pair = await client.createDataKey({ context: { organization_id: 'org_1' } });

    const decrypted = await client.decryptDataKey({ keys: pair.encryptedKeys });

    assert.equal(decrypted.id, pair.id);
    assert.ok(decrypted.dataKey.equals(pair.dataKey));
  });

  test('decrypt accepts blob bytes', async () => {
    const pair = await client.createDataKey({ context: { organization_id: 'org_1' } });

    const decrypted = await client.decryptDataKey({ keys: Buffer.from(pair.encryptedKeys, 'base64') });

    assert.ok(decrypted.dataKey.equals(pair.dataKey));
  });

  test('rekey keeps id and key', async () => {
    const pair = await client.createDataKey({ context: { organization_id: 'org_1' } });

    const moved = await client.rekeyDataKey({
      context: { organization_id: 'org_2' },
      encryptedKeys: pair.encryptedKeys,
    });

    assert.equal(moved.id, pair.id);
    assert.ok(moved.dataKey.equals(pair.dataKey));
    assert.notEqual(moved.encryptedKeys, pair.encryptedKeys);
    assert.deepEqual(moved.context, { organization_id: 'org_2' });
    assert.ok((await client.decryptDataKey({ keys: moved.encryptedKeys })).dataKey.equals(pair.dataKey));
  });
});

describe('error mapping', () => {
  test('wrong API key is unauthorized', async () => {
    const stranger = new CofferClient({ baseUrl: coffer.url, apiKey: 'sk_test_not_a_key' });

    const error = await stranger.createDataKey({ context: { a: 'b' } }).catch((caught: unknown) => caught);

    assert.ok(error instanceof CofferApiError);
    assert.equal(error.kind, 'unauthorized');
    assert.equal(error.status, 401);
    assert.equal(error.code, 'invalid_api_key');
    assert.match(error.requestId ?? '', /\S/);
  });

  test('empty context is validation', async () => {
    const error = await client.createDataKey({ context: {} }).catch((caught: unknown) => caught);

    assert.ok(error instanceof CofferApiError);
    assert.equal(error.kind, 'validation');
    assert.equal(error.status, 422);
    assert.deepEqual(error.errors, [{ field: 'context', code: 'empty' }]);
  });

  test('malformed blob is invalid_request', async () => {
    const error = await client.decryptDataKey({ keys: 'AAAA' }).catch((caught: unknown) => caught);

    assert.ok(error instanceof CofferApiError);
    assert.equal(error.kind, 'invalid_request');
    assert.equal(error.status, 400);
    assert.equal(error.code, 'invalid_encrypted_keys');
  });

  test('unknown object is not_found', async () => {
    const error = await client.readObjectByName('no such object').catch((caught: unknown) => caught);

    assert.ok(error instanceof CofferApiError);
    assert.equal(error.kind, 'not_found');
    assert.equal(error.status, 404);
  });

  test('taken name is conflict', async () => {
    await client.createObject({ name: 'taken', value: 'v', context: { a: 'b' } });

    const error = await client
      .createObject({ name: 'taken', value: 'v', context: { a: 'b' } })
      .catch((caught: unknown) => caught);

    assert.ok(error instanceof CofferApiError);
    assert.equal(error.kind, 'conflict');
    assert.equal(error.code, 'name_conflict');
  });
});
