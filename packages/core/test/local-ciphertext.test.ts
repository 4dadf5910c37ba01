import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DecryptionError, FormatError } from '../src/errors.js';
import {
  decodeLocalCiphertext,
  decodeLocalCiphertextBase64,
  decryptLocalCiphertext,
  detectLocalCiphertextLayout,
  encodeLocalCiphertext,
  encodeLocalCiphertextBase64,
  encryptLocalCiphertext,
  type LocalCiphertextLayout,
} from '../src/local-ciphertext.js';

const key = Buffer.alloc(32, 0x41);
const encryptedKeys = Buffer.from('encrypted_keys', 'ascii');
const iv = Buffer.from('000102030405060708090a0b', 'hex');
const plaintext = Buffer.from('This is a secret message', 'utf8');
const aad = 'additional-auth-data';

const vectors: Record<LocalCiphertextLayout, string> = {
  'iv-first': 'AAECAwQFBgcICQoLQKTZ6zjYutXQKhlj1irdQg5lbmNyeXB0ZWRfa2V5cxrFn0L2n/kDD0TxkKWXIbeuV6pWSQrR4A==',
  'keys-first': 'DmVuY3J5cHRlZF9rZXlzAAECAwQFBgcICQoLGsWfQvaf+QMPRPGQpZcht65XqlZJCtHgQKTZ6zjYutXQKhlj1irdQg==',
};
const layouts = Object.keys(vectors) as LocalCiphertextLayout[];

/** Decodes and decrypts, as an SDK would once the server has returned the data key for K. */
function open(bytes: Buffer, layout: LocalCiphertextLayout, associatedData?: string): Buffer {
  return decryptLocalCiphertext(decodeLocalCiphertext(bytes, layout), key, associatedData);
}

function isCoreFailure(error: unknown): boolean {
  return error instanceof FormatError || error instanceof DecryptionError;
}

function cofferShapedBlob(entries: number): Buffer {
  const blob = Buffer.alloc(50 + 92 * entries, 0x5a);
  blob[0] = 1;
  blob[49] = entries;
  return blob;
}

describe('local ciphertext known answers', () => {
  for (const layout of layouts) {
    test(`${layout} encoding matches vector`, () => {
      const parts = encryptLocalCiphertext(plaintext, key, iv, encryptedKeys, aad);
      assert.equal(encodeLocalCiphertextBase64(parts, layout), vectors[layout]);
    });

    test(`${layout} vector decrypts to plaintext`, () => {
      const parts = decodeLocalCiphertextBase64(vectors[layout], layout);
      assert.deepEqual(parts.encryptedKeys, encryptedKeys);
      assert.deepEqual(parts.iv, iv);
      assert.deepEqual(decryptLocalCiphertext(parts, key, aad), plaintext);
    });
  }

  test('iv-first is the default layout', () => {
    const parts = encryptLocalCiphertext(plaintext, key, iv, encryptedKeys, aad);
    assert.equal(encodeLocalCiphertextBase64(parts), vectors['iv-first']);
    assert.deepEqual(decryptLocalCiphertext(decodeLocalCiphertextBase64(vectors['iv-first']), key, aad), plaintext);
  });

  test('associated data as bytes equals string', () => {
    const parts = encryptLocalCiphertext(plaintext, key, iv, encryptedKeys, Buffer.from(aad, 'utf8'));
    assert.equal(encodeLocalCiphertextBase64(parts), vectors['iv-first']);
  });
});

describe('local ciphertext decryption failures', () => {
  for (const layout of layouts) {
    const bytes = Buffer.from(vectors[layout], 'base64');

    test(`${layout} wrong associated data fails`, () => {
      assert.throws(() => open(bytes, layout, 'other-auth-data'), DecryptionError);
    });

    test(`${layout} missing associated data fails`, () => {
      assert.throws(() => open(bytes, layout), DecryptionError);
      assert.throws(() => open(bytes, layout, ''), DecryptionError);
    });

    test(`${layout} wrong key fails`, () => {
      const parts = decodeLocalCiphertext(bytes, layout);
      assert.throws(() => decryptLocalCiphertext(parts, Buffer.alloc(32, 0x42), aad), DecryptionError);
    });

    test(`${layout} short key fails as decryption`, () => {
      const parts = decodeLocalCiphertext(bytes, layout);
      assert.throws(() => decryptLocalCiphertext(parts, Buffer.alloc(16, 0x41), aad), DecryptionError);
    });

    test(`${layout} flipped byte never decrypts`, () => {
      for (let position = 0; position < bytes.length; position++) {
        const flipped = Buffer.from(bytes);
        flipped[position] = (flipped[position] as number) ^ 0x01;
        let outcome: unknown;
        try {
          const parts = decodeLocalCiphertext(flipped, layout);
          // K is authenticated by the server when it unwraps the data key, not by this GCM tag,
          // so a changed K counts as rejected: the server would not return this data key for it.
          outcome = parts.encryptedKeys.equals(encryptedKeys) ? decryptLocalCiphertext(parts, key, aad) : 'other K';
        } catch (error) {
          outcome = error;
        }
        assert.ok(outcome === 'other K' || isCoreFailure(outcome), `flip at byte ${position} gave ${String(outcome)}`);
      }
    });

    test(`${layout} truncation at every length fails`, () => {
      for (let length = 0; length < bytes.length; length++) {
        assert.throws(
          () => open(bytes.subarray(0, length), layout, aad),
          (error) => isCoreFailure(error),
          `truncated to ${length} bytes`,
        );
      }
    });

    test(`${layout} failures share one message`, () => {
      const tampered = Buffer.from(bytes);
      tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 0x80;
      const attempts = [
        () => open(bytes, layout, 'wrong'),
        () => open(tampered, layout, aad),
        () => decryptLocalCiphertext(decodeLocalCiphertext(bytes, layout), Buffer.alloc(32), aad),
      ];
      const messages = attempts.map((attempt) => {
        try {
          attempt();
          return 'no error';
        } catch (error) {
          assert.ok(error instanceof DecryptionError);
          return error.message;
        }
      });
      assert.equal(new Set(messages).size, 1);
    });
  }

  test('iv-first bit flips in IV, tag and ciphertext fail', () => {
    const bytes = Buffer.from(vectors['iv-first'], 'base64');
    const authenticated = [0, 11, 12, 27, bytes.length - 24, bytes.length - 1];
    for (const position of authenticated) {
      const flipped = Buffer.from(bytes);
      flipped[position] = (flipped[position] as number) ^ 0x10;
      assert.throws(() => open(flipped, 'iv-first', aad), DecryptionError, `flip at byte ${position}`);
    }
  });

  test('keys-first bit flips in IV, ciphertext and tag fail', () => {
    const bytes = Buffer.from(vectors['keys-first'], 'base64');
    const authenticated = [15, 26, 27, bytes.length - 17, bytes.length - 16, bytes.length - 1];
    for (const position of authenticated) {
      const flipped = Buffer.from(bytes);
      flipped[position] = (flipped[position] as number) ^ 0x10;
      assert.throws(() => open(flipped, 'keys-first', aad), DecryptionError, `flip at byte ${position}`);
    }
  });

  test('wrong layout fails without crashing', () => {
    for (const [written, read] of [
      ['iv-first', 'keys-first'],
      ['keys-first', 'iv-first'],
    ] as const) {
      assert.throws(
        () => open(Buffer.from(vectors[written], 'base64'), read, aad),
        (error) => isCoreFailure(error),
      );
    }
  });
});

describe('local ciphertext decoding', () => {
  function assertInvalid(bytes: Buffer, layout: LocalCiphertextLayout, message: RegExp): void {
    assert.throws(
      () => decodeLocalCiphertext(bytes, layout),
      (error) => error instanceof FormatError && error.code === 'invalid_ciphertext' && message.test(error.message),
    );
  }
  const ivAndTag = Buffer.alloc(28, 7);

  test('empty input is rejected', () => {
    assertInvalid(Buffer.alloc(0), 'iv-first', /ciphertext is empty/);
    assertInvalid(Buffer.alloc(0), 'keys-first', /ciphertext is empty/);
  });

  test('iv-first shorter than IV and tag', () => {
    assertInvalid(Buffer.alloc(27), 'iv-first', /shorter than its 28-byte IV and tag/);
  });

  test('iv-first missing key length', () => {
    assertInvalid(ivAndTag, 'iv-first', /truncated inside its key length field/);
  });

  test('unterminated key length is rejected', () => {
    assertInvalid(Buffer.concat([ivAndTag, Buffer.of(0x80, 0x80)]), 'iv-first', /truncated inside/);
    assertInvalid(Buffer.of(0xff), 'keys-first', /truncated inside/);
  });

  test('overlong key length is rejected', () => {
    assertInvalid(Buffer.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x01), 'keys-first', /longer than 5 bytes/);
  });

  test('non-minimal key length is rejected', () => {
    assertInvalid(Buffer.concat([ivAndTag, Buffer.of(0x81, 0x00, 0x41)]), 'iv-first', /not minimally encoded/);
  });

  test('key length above 32 bits is rejected', () => {
    assertInvalid(Buffer.of(0xff, 0xff, 0xff, 0xff, 0x1f), 'keys-first', /exceeds 32 bits/);
  });

  test('empty encrypted_keys is rejected', () => {
    assertInvalid(Buffer.concat([ivAndTag, Buffer.of(0x00), Buffer.alloc(10)]), 'iv-first', /empty encrypted_keys/);
    assertInvalid(Buffer.concat([Buffer.of(0x00), ivAndTag]), 'keys-first', /empty encrypted_keys/);
  });

  test('encrypted_keys past the end is rejected', () => {
    const message = /encrypted_keys field is 5 bytes long but only 4 bytes follow/;
    assertInvalid(Buffer.concat([ivAndTag, Buffer.of(5), Buffer.alloc(4)]), 'iv-first', message);
    assertInvalid(Buffer.concat([Buffer.of(5), Buffer.alloc(4)]), 'keys-first', message);
  });

  test('keys-first without IV and tag is rejected', () => {
    const bytes = Buffer.concat([Buffer.of(2), Buffer.alloc(2), Buffer.alloc(27)]);
    assertInvalid(bytes, 'keys-first', /27 bytes follow encrypted_keys, fewer than its 28-byte IV and tag/);
  });

  test('empty plaintext decodes to empty ciphertext', () => {
    for (const layout of layouts) {
      const parts = encryptLocalCiphertext(Buffer.alloc(0), key, iv, encryptedKeys);
      const decoded = decodeLocalCiphertext(encodeLocalCiphertext(parts, layout), layout);
      assert.equal(decoded.ciphertext.length, 0);
      assert.deepEqual(decryptLocalCiphertext(decoded, key), Buffer.alloc(0));
    }
  });

  test('long encrypted_keys round trips', () => {
    const longKeys = Buffer.alloc(300, 9);
    for (const layout of layouts) {
      const bytes = encodeLocalCiphertext(encryptLocalCiphertext(plaintext, key, iv, longKeys, aad), layout);
      const decoded = decodeLocalCiphertext(bytes, layout);
      assert.deepEqual(decoded.encryptedKeys, longKeys);
      assert.deepEqual(decryptLocalCiphertext(decoded, key, aad), plaintext);
    }
  });

  test('invalid base64 is rejected', () => {
    assert.throws(
      () => decodeLocalCiphertextBase64(vectors['iv-first'].replace(/=+$/, '')),
      (error) => error instanceof FormatError && error.code === 'invalid_base64',
    );
    assert.throws(
      () => decodeLocalCiphertextBase64(vectors['iv-first'].replaceAll('/', '_')),
      (error) => error instanceof FormatError && error.code === 'invalid_base64',
    );
  });
});

describe('local ciphertext encoding arguments', () => {
  test('key of wrong length is rejected', () => {
    assert.throws(
      () => encryptLocalCiphertext(plaintext, Buffer.alloc(16), iv, encryptedKeys),
      (error) => error instanceof FormatError && error.code === 'invalid_key',
    );
  });

  test('IV of wrong length is rejected', () => {
    assert.throws(() => encryptLocalCiphertext(plaintext, key, Buffer.alloc(16), encryptedKeys), RangeError);
  });

  test('empty encrypted_keys is rejected', () => {
    assert.throws(() => encryptLocalCiphertext(plaintext, key, iv, Buffer.alloc(0)), RangeError);
  });

  test('tag of wrong length is rejected', () => {
    const parts = encryptLocalCiphertext(plaintext, key, iv, encryptedKeys);
    assert.throws(() => encodeLocalCiphertext({ ...parts, tag: parts.tag.subarray(0, 12) }), RangeError);
  });
});

describe('local ciphertext layout detection', () => {
  for (const layout of layouts) {
    test(`${layout} with Coffer blob is detected`, () => {
      for (const entries of [1, 2, 10]) {
        const parts = encryptLocalCiphertext(plaintext, key, iv, cofferShapedBlob(entries), aad);
        assert.equal(detectLocalCiphertextLayout(encodeLocalCiphertext(parts, layout)), layout);
      }
    });
  }

  test('foreign blob is not detected', () => {
    for (const layout of layouts) {
      assert.equal(detectLocalCiphertextLayout(Buffer.from(vectors[layout], 'base64')), undefined);
    }
  });

  test('malformed input is not detected', () => {
    assert.equal(detectLocalCiphertextLayout(Buffer.alloc(0)), undefined);
    assert.equal(detectLocalCiphertextLayout(Buffer.alloc(40, 0xff)), undefined);
  });
});
