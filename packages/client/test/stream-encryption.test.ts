import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { DecryptionError, parseStreamHeader } from '@coffer/core';
import { type CofferProcess, startCoffer } from '@coffer/testkit';
import { CofferApiError, CofferClient } from '../src/index.js';
import { runThrough } from './stream-helpers.js';

let coffer: CofferProcess;
let client: CofferClient;

before(async () => {
  coffer = await startCoffer();
  client = new CofferClient({ baseUrl: coffer.url, apiKey: coffer.apiKey });
});

after(async () => {
  await coffer.stop();
});

const context = { tenant: 't1' };

describe('stream helpers', () => {
  test('round trip through server', async () => {
    const plaintext = randomBytes(300_000);

    const ciphertext = await runThrough(await client.encryptStream(context), plaintext, 65_536);
    const decrypted = await runThrough(client.decryptStream(), ciphertext, 10_000);

    assert.ok(decrypted.equals(plaintext));
  });

  test('header carries a server blob', async () => {
    const ciphertext = await runThrough(await client.encryptStream(context), Buffer.from('x'), 1);
    const { encryptedKeys } = parseStreamHeader(ciphertext);

    const key = await client.decryptDataKey({ keys: encryptedKeys });

    assert.equal(key.dataKey.length, 32);
  });

  test('associated data round trips', async () => {
    const plaintext = randomBytes(1000);

    const ciphertext = await runThrough(await client.encryptStream(context, { aad: 'invoice-7' }), plaintext, 100);
    const decrypted = await runThrough(client.decryptStream({ aad: 'invoice-7' }), ciphertext, 100);

    assert.ok(decrypted.equals(plaintext));
  });

  test('wrong associated data fails', async () => {
    const ciphertext = await runThrough(await client.encryptStream(context, { aad: 'invoice-7' }), randomBytes(10), 10);

    await assert.rejects(runThrough(client.decryptStream({ aad: 'invoice-8' }), ciphertext, 100), DecryptionError);
  });

  test('other server cannot decrypt', async () => {
    const other = await startCoffer();
    try {
      const stranger = new CofferClient({ baseUrl: other.url, apiKey: other.apiKey });
      const ciphertext = await runThrough(await client.encryptStream(context), randomBytes(10), 10);

      const error = await runThrough(stranger.decryptStream(), ciphertext, 100).catch((caught: unknown) => caught);

      assert.ok(error instanceof DecryptionError);
      assert.ok(error.cause instanceof CofferApiError);
      assert.equal(error.cause.status, 400);
    } finally {
      await other.stop();
    }
  });

  test('custom segment size recorded', async () => {
    const ciphertext = await runThrough(
      await client.encryptStream(context, { segmentSize: 1024 }),
      randomBytes(5000),
      999,
    );

    assert.equal(parseStreamHeader(ciphertext).segmentSize, 1024);
    assert.equal((await runThrough(client.decryptStream(), ciphertext, 333)).length, 5000);
  });
});
