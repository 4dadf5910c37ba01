import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeLocalCiphertextBase64 } from '@coffer/core';
import { type CofferProcess, startCoffer } from '@coffer/testkit';
import { DataKeyCache, type DataKeyFetchers } from '../src/data-key-cache.js';
import {
  CofferClient,
  CofferNetworkError,
  type DataKeyCacheOptions,
  type EncryptionKeyCacheOptions,
  MAX_MESSAGES_PER_DATA_KEY,
} from '../src/index.js';

let coffer: CofferProcess;
let plain: CofferClient;

before(async () => {
  coffer = await startCoffer();
  plain = new CofferClient({ baseUrl: coffer.url, apiKey: coffer.apiKey });
});

after(async () => {
  await coffer.stop();
});

const context = { tenant: 't1' };
const roomy: EncryptionKeyCacheOptions = { maxAgeMs: 60_000, maxMessages: 1000, maxBytes: 1_000_000 };

function cachedClient(dataKeyCache: DataKeyCacheOptions): CofferClient {
  return new CofferClient({ baseUrl: coffer.url, apiKey: coffer.apiKey, dataKeyCache });
}

/** Extracts the `encrypted_keys` blob of a ciphertext. Equal blobs mean one data key. */
function blobOf(ciphertext: string): string {
  return decodeLocalCiphertextBase64(ciphertext).encryptedKeys.toString('base64');
}

/** Fetchers that call the real server through `plain` and keep every key Buffer they hand out. */
function recordingFetchers(): DataKeyFetchers & { keys: Buffer[]; calls: number } {
  const recorder = {
    keys: [] as Buffer[],
    calls: 0,
    async createDataKey(keyContext: Record<string, string>) {
      recorder.calls++;
      const pair = await plain.createDataKey({ context: keyContext });
      recorder.keys.push(pair.dataKey);
      return pair;
    },
    async decryptDataKey(blob: Buffer) {
      recorder.calls++;
      const key = await plain.decryptDataKey({ keys: blob });
      recorder.keys.push(key.dataKey);
      return key;
    },
  };
  return recorder;
}

function isZero(buffer: Buffer): boolean {
  return buffer.every((byte) => byte === 0);
}

describe('encryption cache', () => {
  test('off by default', async () => {
    const first = await plain.encrypt('a', context);
    const second = await plain.encrypt('b', context);

    assert.notEqual(blobOf(first), blobOf(second));
  });

  test('reuses one key within limits', async () => {
    const client = cachedClient({ encryption: roomy });

    const blobs = new Set<string>();
    for (let index = 0; index < 5; index++) {
      blobs.add(blobOf(await client.encrypt(`message ${index}`, context)));
    }

    assert.equal(blobs.size, 1);
  });

  test('cached ciphertext decrypts anywhere', async () => {
    const client = cachedClient({ encryption: roomy });
    await client.encrypt('warm-up', context);

    const ciphertext = await client.encrypt('second message', context, 'aad');

    assert.equal(await plain.decrypt(ciphertext, 'aad'), 'second message');
  });

  test('new key after maxMessages', async () => {
    const client = cachedClient({ encryption: { ...roomy, maxMessages: 3 } });

    const blobs: string[] = [];
    for (let index = 0; index < 7; index++) {
      blobs.push(blobOf(await client.encrypt('m', context)));
    }

    assert.equal(new Set(blobs.slice(0, 3)).size, 1);
    assert.notEqual(blobs[3], blobs[2]);
    assert.equal(new Set(blobs.slice(3, 6)).size, 1);
    assert.notEqual(blobs[6], blobs[5]);
  });

  test('new key after maxBytes', async () => {
    const client = cachedClient({ encryption: { ...roomy, maxBytes: 10 } });

    const first = blobOf(await client.encrypt('1234', context));
    const second = blobOf(await client.encrypt('5678', context));
    const third = blobOf(await client.encrypt('9abc', context));

    assert.equal(first, second);
    assert.notEqual(third, second);
  });

  test('oversized message gets own key', async () => {
    const client = cachedClient({ encryption: { ...roomy, maxBytes: 10 } });

    const cached = blobOf(await client.encrypt('1234', context));
    const oversized = blobOf(await client.encrypt('this is more than ten bytes', context));
    const afterwards = blobOf(await client.encrypt('5678', context));

    assert.notEqual(oversized, cached);
    assert.equal(afterwards, cached);
  });

  test('new key after maxAgeMs', async () => {
    const client = cachedClient({ encryption: { ...roomy, maxAgeMs: 150 } });

    const first = blobOf(await client.encrypt('m', context));
    const soon = blobOf(await client.encrypt('m', context));
    await sleep(250);
    const later = blobOf(await client.encrypt('m', context));

    assert.equal(soon, first);
    assert.notEqual(later, first);
  });

  test('pair order shares a key', async () => {
    const client = cachedClient({ encryption: roomy });

    const first = blobOf(await client.encrypt('m', { a: '1', b: '2' }));
    const second = blobOf(await client.encrypt('m', { b: '2', a: '1' }));

    assert.equal(first, second);
  });

  test('contexts get separate keys', async () => {
    const client = cachedClient({ encryption: roomy });

    const first = blobOf(await client.encrypt('m', { tenant: 't1' }));
    const second = blobOf(await client.encrypt('m', { tenant: 't2' }));

    assert.notEqual(first, second);
    assert.equal(client.cachedDataKeys.encryption, 2);
  });

  test('maxContexts evicts oldest', async () => {
    const client = cachedClient({ encryption: { ...roomy, maxContexts: 2 } });

    const t1 = blobOf(await client.encrypt('m', { tenant: 't1' }));
    await client.encrypt('m', { tenant: 't2' });
    await client.encrypt('m', { tenant: 't3' });
    const t1Again = blobOf(await client.encrypt('m', { tenant: 't1' }));

    assert.equal(client.cachedDataKeys.encryption, 2);
    assert.notEqual(t1Again, t1);
  });

  test('concurrent misses share one fetch', async () => {
    const fetchers = recordingFetchers();
    const cache = new DataKeyCache({ encryption: roomy }, fetchers);

    const blobs = await Promise.all(
      Array.from({ length: 20 }, () => cache.withEncryptionKey(context, 1, {}, (_key, blob) => blob.toString('hex'))),
    );

    assert.equal(fetchers.calls, 1);
    assert.equal(new Set(blobs).size, 1);
  });

  test('one abort spares other waiters', async () => {
    const fetchers = recordingFetchers();
    const cache = new DataKeyCache({ encryption: roomy }, fetchers);
    const controller = new AbortController();

    const aborted = cache.withEncryptionKey(context, 1, { signal: controller.signal }, () => 'first');
    const waiting = cache.withEncryptionKey(context, 1, {}, () => 'second');
    controller.abort();

    await assert.rejects(aborted, { name: 'AbortError' });
    assert.equal(await waiting, 'second');
    assert.equal(fetchers.calls, 1);
  });

  test('burst above maxMessages stays within limit', async () => {
    const fetchers = recordingFetchers();
    const cache = new DataKeyCache({ encryption: { ...roomy, maxMessages: 4 } }, fetchers);

    const blobs = await Promise.all(
      Array.from({ length: 10 }, () => cache.withEncryptionKey(context, 1, {}, (_key, blob) => blob.toString('hex'))),
    );

    const uses = new Map<string, number>();
    for (const blob of blobs) {
      uses.set(blob, (uses.get(blob) ?? 0) + 1);
    }
    assert.ok(Math.max(...uses.values()) <= 4, `uses per key: ${[...uses.values()]}`);
  });

  test('stream counts as one message', async () => {
    const client = cachedClient({ encryption: { ...roomy, maxMessages: 2 } });

    const first = blobOf(await client.encrypt('m', context));
    await client.encryptStream(context);
    const third = blobOf(await client.encrypt('m', context));

    assert.notEqual(third, first);
  });
});

describe('key zeroing', () => {
  test('uncached key zeroed after use', async () => {
    const fetchers = recordingFetchers();
    const cache = new DataKeyCache(undefined, fetchers);

    await cache.withEncryptionKey(context, 1, {}, () => undefined);

    assert.equal(fetchers.keys.length, 1);
    assert.ok(isZero(fetchers.keys[0] as Buffer));
  });

  test('used-up key zeroed on eviction', async () => {
    const fetchers = recordingFetchers();
    const cache = new DataKeyCache({ encryption: { ...roomy, maxMessages: 1 } }, fetchers);

    await cache.withEncryptionKey(context, 1, {}, () => undefined);
    assert.equal(isZero(fetchers.keys[0] as Buffer), false);
    await cache.withEncryptionKey(context, 1, {}, () => undefined);

    assert.ok(isZero(fetchers.keys[0] as Buffer));
    assert.equal(isZero(fetchers.keys[1] as Buffer), false);
  });

  test('expired key zeroed by timer', async () => {
    const fetchers = recordingFetchers();
    const cache = new DataKeyCache({ encryption: { ...roomy, maxAgeMs: 100 } }, fetchers);

    await cache.withEncryptionKey(context, 1, {}, () => undefined);
    await sleep(200);

    assert.ok(isZero(fetchers.keys[0] as Buffer));
    assert.equal(cache.size.encryption, 0);
  });

  test('clear zeroes both sides', async () => {
    const fetchers = recordingFetchers();
    const cache = new DataKeyCache({ encryption: roomy, decryption: { maxAgeMs: 60_000, maxEntries: 10 } }, fetchers);
    const blob = await cache.withEncryptionKey(context, 1, {}, (_key, encryptedKeys) => Buffer.from(encryptedKeys));
    await cache.withDecryptionKey(blob, {}, () => undefined);

    cache.clear();

    assert.equal(fetchers.keys.length, 2);
    assert.ok(fetchers.keys.every(isZero));
    assert.deepEqual(cache.size, { encryption: 0, decryption: 0 });
  });
});

describe('decryption cache', () => {
  test('hit needs no server', async () => {
    const server = await startCoffer();
    const writer = new CofferClient({ baseUrl: server.url, apiKey: server.apiKey });
    const reader = new CofferClient({
      baseUrl: server.url,
      apiKey: server.apiKey,
      retry: { maxRetries: 0 },
      dataKeyCache: { decryption: { maxAgeMs: 60_000, maxEntries: 10 } },
    });
    const ciphertext = await writer.encrypt('cached read', context);
    const other = await writer.encrypt('not cached', context);
    assert.equal(await reader.decrypt(ciphertext), 'cached read');

    await server.stop();

    assert.equal(await reader.decrypt(ciphertext), 'cached read');
    await assert.rejects(reader.decrypt(other), CofferNetworkError);
  });

  test('expired key fetched again', async () => {
    const fetchers = recordingFetchers();
    const cache = new DataKeyCache({ decryption: { maxAgeMs: 100, maxEntries: 10 } }, fetchers);
    const blob = Buffer.from((await plain.createDataKey({ context })).encryptedKeys, 'base64');

    await cache.withDecryptionKey(blob, {}, () => undefined);
    await cache.withDecryptionKey(blob, {}, () => undefined);
    const callsWhileFresh = fetchers.calls;
    await sleep(200);
    await cache.withDecryptionKey(blob, {}, () => undefined);

    assert.equal(callsWhileFresh, 1);
    assert.equal(fetchers.calls, 2);
    assert.ok(isZero(fetchers.keys[0] as Buffer));
  });

  test('maxEntries evicts least recently used', async () => {
    const fetchers = recordingFetchers();
    const cache = new DataKeyCache({ decryption: { maxAgeMs: 60_000, maxEntries: 2 } }, fetchers);
    const blobs = await Promise.all(
      ['t1', 't2', 't3'].map(async (tenant) =>
        Buffer.from((await plain.createDataKey({ context: { tenant } })).encryptedKeys, 'base64'),
      ),
    );
    const [a, b, c] = blobs as [Buffer, Buffer, Buffer];

    await cache.withDecryptionKey(a, {}, () => undefined);
    await cache.withDecryptionKey(b, {}, () => undefined);
    await cache.withDecryptionKey(a, {}, () => undefined);
    await cache.withDecryptionKey(c, {}, () => undefined);
    const callsBefore = fetchers.calls;
    await cache.withDecryptionKey(a, {}, () => undefined);
    await cache.withDecryptionKey(b, {}, () => undefined);

    assert.equal(callsBefore, 3);
    assert.equal(fetchers.calls, 4);
    assert.ok(isZero(fetchers.keys[1] as Buffer));
  });
});

describe('cache options', () => {
  test('message limit above 2^32 rejected', () => {
    assert.throws(
      () => cachedClient({ encryption: { ...roomy, maxMessages: MAX_MESSAGES_PER_DATA_KEY + 1 } }),
      /maxMessages must be a whole number from 1 to 4294967296 because random 96-bit GCM nonces/,
    );
  });

  test('message limit of 2^32 accepted', () => {
    assert.doesNotThrow(() => cachedClient({ encryption: { ...roomy, maxMessages: MAX_MESSAGES_PER_DATA_KEY } }));
  });

  test('missing encryption limit rejected', () => {
    const partial = { maxAgeMs: 1000, maxMessages: 10 } as EncryptionKeyCacheOptions;

    assert.throws(() => cachedClient({ encryption: partial }), {
      name: 'TypeError',
      message: /maxBytes is required/,
    });
  });

  test('zero limits rejected', () => {
    assert.throws(() => cachedClient({ encryption: { ...roomy, maxAgeMs: 0 } }), RangeError);
    assert.throws(() => cachedClient({ decryption: { maxAgeMs: 1000, maxEntries: 0 } }), RangeError);
  });

  test('empty cache options rejected', () => {
    assert.throws(() => cachedClient({}), TypeError);
  });
});
