import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { DecryptionError } from '../src/errors.js';
import { XaesKey } from '../src/xaes-256-gcm.js';

// Vectors from the C2SP XAES-256-GCM specification (https://c2sp.org/XAES-256-GCM). The first key
// has the top bit of L = AES(0^128) clear and the second has it set, so both branches of the CMAC
// subkey doubling are covered.
const nonce = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWX', 'ascii');
const plaintext = Buffer.from('XAES-256-GCM', 'ascii');
const vectors = [
  {
    name: 'key 0x01, no associated data',
    key: Buffer.alloc(32, 0x01),
    aad: Buffer.alloc(0),
    sealed: 'ce546ef63c9cc60765923609b33a9a1974e96e52daf2fcf7075e2271',
  },
  {
    name: 'key 0x03, with associated data',
    key: Buffer.alloc(32, 0x03),
    aad: Buffer.from('c2sp.org/XAES-256-GCM', 'ascii'),
    sealed: '986ec1832593df5443a179437fd083bf3fdb41abd740a21f71eb769d',
  },
] as const;

describe('XAES-256-GCM known answers', () => {
  for (const vector of vectors) {
    test(`${vector.name} seals to vector`, () => {
      const sealed = new XaesKey(vector.key).seal(nonce, plaintext, vector.aad);
      assert.equal(sealed.toString('hex'), vector.sealed);
    });

    test(`${vector.name} opens vector`, () => {
      const opened = new XaesKey(vector.key).open(nonce, Buffer.from(vector.sealed, 'hex'), vector.aad);
      assert.deepEqual(opened, plaintext);
    });
  }

  test('accumulated 10,000 iterations match', () => {
    assert.equal(accumulatedHash(10_000), 'e6b9edf2df6cec60c8cbd864e2211b597fb69a529160cd040d56c0c210081939');
  });
});

describe('XAES-256-GCM failures', () => {
  const key = new XaesKey(Buffer.alloc(32, 0x01));
  const sealed = Buffer.from(vectors[0].sealed, 'hex');

  test('every flipped bit fails to open', () => {
    for (let bit = 0; bit < sealed.length * 8; bit++) {
      const damaged = Buffer.from(sealed);
      damaged[bit >> 3] = (damaged[bit >> 3] as number) ^ (1 << (bit & 7));
      assert.throws(() => key.open(nonce, damaged), DecryptionError, `bit ${bit}`);
    }
  });

  test('other nonce fails to open', () => {
    const other = Buffer.from(nonce);
    other[23] = 0x59;
    assert.throws(() => key.open(other, sealed), DecryptionError);
    other[23] = 0x58;
    other[0] = 0x42;
    assert.throws(() => key.open(other, sealed), DecryptionError);
  });

  test('other key fails to open', () => {
    assert.throws(() => new XaesKey(Buffer.alloc(32, 0x02)).open(nonce, sealed), DecryptionError);
  });

  test('unexpected associated data fails', () => {
    assert.throws(() => key.open(nonce, sealed, Buffer.from('x')), DecryptionError);
  });

  test('input shorter than tag fails', () => {
    for (let length = 0; length < 16; length++) {
      assert.throws(() => key.open(nonce, sealed.subarray(0, length)), DecryptionError, `length ${length}`);
    }
  });

  test('wrong key length is rejected', () => {
    for (const length of [0, 16, 31, 33]) {
      assert.throws(() => new XaesKey(Buffer.alloc(length)), RangeError, `length ${length}`);
    }
  });

  test('wrong nonce length is rejected', () => {
    for (const length of [0, 12, 23, 25]) {
      assert.throws(() => key.seal(Buffer.alloc(length), plaintext), RangeError, `seal, length ${length}`);
      assert.throws(() => key.open(Buffer.alloc(length), sealed), RangeError, `open, length ${length}`);
    }
  });
});

/**
 * Runs the specification's accumulated test. Keys, nonces, plaintexts and associated data come from
 * one SHAKE-128 stream of the empty input, with plaintext and associated data each after a one-byte
 * length. Every ciphertext feeds a second SHAKE-128, whose first 32 bytes are the result.
 */
function accumulatedHash(iterations: number): string {
  // Each iteration reads at most 32 + 24 + 1 + 255 + 1 + 255 bytes. A longer SHAKE output starts
  // with every shorter one, so one long digest serves as the stream.
  const stream = createHash('shake128', { outputLength: iterations * 568 }).digest();
  let offset = 0;
  const read = (length: number): Buffer => {
    const bytes = stream.subarray(offset, offset + length);
    offset += length;
    return bytes;
  };

  const hash = createHash('shake128', { outputLength: 32 });
  for (let i = 0; i < iterations; i++) {
    const key = new XaesKey(read(32));
    const iterationNonce = read(24);
    const message = read(read(1)[0] as number);
    const aad = read(read(1)[0] as number);
    const sealed = key.seal(iterationNonce, message, aad);
    assert.deepEqual(key.open(iterationNonce, sealed, aad), message, `iteration ${i}`);
    hash.update(sealed);
  }
  return hash.digest('hex');
}
