import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  DEFAULT_STREAM_SEGMENT_SIZE,
  deriveStreamKey,
  FormatError,
  openStreamSegment,
  parseStreamHeader,
} from '@coffer/core';
import { createDecryptStream } from '../src/decrypt-stream.js';
import { createEncryptStream } from '../src/encrypt-stream.js';
import { dataKey, decrypt, encrypt, encryptedKeys } from './stream-helpers.js';

const segmentSize = 4096;
const sizes = [0, 1, segmentSize - 1, segmentSize, segmentSize + 1, 5 * segmentSize + 7];
const chunkSizes = [1, 7, 1000, 4097, 65536];

describe('stream round trip', () => {
  for (const size of sizes) {
    test(`${size} bytes in odd chunks`, async () => {
      const plaintext = randomBytes(size);
      for (const chunkSize of chunkSizes) {
        if (chunkSize === 1 && size > 2 * segmentSize) {
          continue;
        }
        const ciphertext = await encrypt(plaintext, { segmentSize }, chunkSize);
        const decrypted = await decrypt(ciphertext, {}, chunkSize + 6);
        assert.ok(decrypted.equals(plaintext), `size ${size}, chunk size ${chunkSize}`);
      }
    });
  }

  test('ciphertext length matches segment count', async () => {
    for (const size of sizes) {
      const ciphertext = await encrypt(randomBytes(size), { segmentSize });
      const segments = Math.max(1, Math.ceil(size / segmentSize));
      const headerLength = 46 + encryptedKeys.length;
      assert.equal(ciphertext.length, headerLength + size + 16 * segments, `size ${size}`);
    }
  });

  test('default segment size round trips', async () => {
    const plaintext = randomBytes(3 * DEFAULT_STREAM_SEGMENT_SIZE + 123);
    const ciphertext = await encrypt(plaintext, {}, 65536);
    assert.equal(parseStreamHeader(ciphertext).segmentSize, DEFAULT_STREAM_SEGMENT_SIZE);
    assert.ok((await decrypt(ciphertext, {}, 65536)).equals(plaintext));
  });

  test('associated data round trips', async () => {
    const plaintext = randomBytes(10_000);
    const ciphertext = await encrypt(plaintext, { segmentSize, aad: 'tenant-7' });
    assert.ok((await decrypt(ciphertext, { aad: 'tenant-7' })).equals(plaintext));
    assert.ok((await decrypt(ciphertext, { aad: Buffer.from('tenant-7') })).equals(plaintext));
  });

  test('empty associated data equals absent', async () => {
    const plaintext = randomBytes(100);
    const ciphertext = await encrypt(plaintext, { segmentSize, aad: '' });
    assert.ok((await decrypt(ciphertext)).equals(plaintext));
  });

  test('segment size one round trips', async () => {
    const plaintext = randomBytes(50);
    assert.ok((await decrypt(await encrypt(plaintext, { segmentSize: 1 }, 3), {}, 5)).equals(plaintext));
  });

  test('same input encrypts differently', async () => {
    const plaintext = randomBytes(100);
    const first = await encrypt(plaintext, { segmentSize });
    const second = await encrypt(plaintext, { segmentSize });
    assert.notDeepEqual(first, second);
  });

  test('output opens with core functions', async () => {
    const plaintext = randomBytes(2 * segmentSize + 5);
    const ciphertext = await encrypt(plaintext, { segmentSize, aad: 'x' });
    const header = parseStreamHeader(ciphertext);
    assert.deepEqual(header.encryptedKeys, encryptedKeys);

    const key = deriveStreamKey(dataKey, header, 'x');
    const sealed = segmentSize + 16;
    const body = ciphertext.subarray(header.bytes.length);
    const parts = [0, 1, 2].map((index) =>
      openStreamSegment(
        key,
        header.noncePrefix,
        index,
        index === 2,
        body.subarray(index * sealed, (index + 1) * sealed),
      ),
    );
    assert.ok(Buffer.concat(parts).equals(plaintext));
  });
});

describe('stream options', () => {
  test('data key of wrong length is rejected', () => {
    assert.throws(
      () => createEncryptStream({ dataKey: Buffer.alloc(16), encryptedKeys }),
      (error) => error instanceof FormatError && error.code === 'invalid_key',
    );
  });

  test('segment size out of range is rejected', () => {
    for (const size of [0, -1, 1.5, 16 * 1024 * 1024 + 1]) {
      assert.throws(() => createEncryptStream({ dataKey, encryptedKeys, segmentSize: size }), RangeError, `${size}`);
    }
  });

  test('encrypted_keys out of range is rejected', () => {
    for (const keys of [Buffer.alloc(0), Buffer.alloc(0x10000)]) {
      assert.throws(() => createEncryptStream({ dataKey, encryptedKeys: keys }), RangeError);
    }
  });

  test('missing resolveDataKey is rejected', () => {
    assert.throws(() => createDecryptStream({} as unknown as Parameters<typeof createDecryptStream>[0]), TypeError);
  });

  test('resolveDataKey gets header blob once', async () => {
    const seen: Buffer[] = [];
    const ciphertext = await encrypt(randomBytes(5 * segmentSize), { segmentSize });
    const plaintext = await decrypt(ciphertext, {
      resolveDataKey: async (keys) => {
        seen.push(keys);
        return dataKey;
      },
    });
    assert.equal(plaintext.length, 5 * segmentSize);
    assert.equal(seen.length, 1);
    assert.deepEqual(seen[0], encryptedKeys);
  });
});
