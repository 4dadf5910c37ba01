import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { before, describe, test } from 'node:test';
import { DecryptionError, FormatError } from '@coffer/core';
import { createDecryptStream } from '../src/decrypt-stream.js';
import { dataKey, decryptExpectingError, encrypt, encryptedKeys, type FailedDecryption } from './stream-helpers.js';

const segmentSize = 64;
const sealedSize = segmentSize + 16;
const headerLength = 46 + encryptedKeys.length;
const plaintext = randomBytes(3 * segmentSize + 20);
let ciphertext: Buffer;

/** Splits `ciphertext` into its sealed segments: three full ones, then the 36-byte final one. */
function segments(): Buffer[] {
  const body = ciphertext.subarray(headerLength);
  return [0, 1, 2, 3].map((index) => body.subarray(index * sealedSize, (index + 1) * sealedSize));
}

function header(): Buffer {
  return ciphertext.subarray(0, headerLength);
}

function flipBit(bytes: Buffer, bit: number): Buffer {
  const flipped = Buffer.from(bytes);
  flipped[bit >> 3] = (flipped[bit >> 3] as number) ^ (1 << (bit & 7));
  return flipped;
}

/** Checks that decryption failed and emitted only whole, authentic segments, at most `intactSegments`. */
function assertRejected(outcome: FailedDecryption, intactSegments: number, label: string): void {
  assert.ok(
    outcome.error instanceof DecryptionError || outcome.error instanceof FormatError,
    `${label}: expected a decryption or format error, got ${String(outcome.error)}`,
  );
  assert.equal(outcome.emitted.length % segmentSize, 0, `${label}: emitted a partial segment`);
  assert.ok(
    outcome.emitted.length <= intactSegments * segmentSize,
    `${label}: emitted ${outcome.emitted.length} bytes`,
  );
  assert.ok(plaintext.subarray(0, outcome.emitted.length).equals(outcome.emitted), `${label}: emitted wrong bytes`);
}

before(async () => {
  ciphertext = await encrypt(plaintext, { segmentSize });
  assert.equal(ciphertext.length, headerLength + 3 * sealedSize + 20 + 16);
});

describe('stream truncation', () => {
  test('truncation at every length fails', async () => {
    for (let length = 0; length < ciphertext.length; length++) {
      for (const chunkSize of [7, ciphertext.length]) {
        const outcome = await decryptExpectingError(ciphertext.subarray(0, length), {}, chunkSize);
        const label = `truncated to ${length} bytes in chunks of ${chunkSize}`;
        assertRejected(outcome, 3, label);
        const expected = length < headerLength ? FormatError : DecryptionError;
        assert.ok(outcome.error instanceof expected, `${label}: got ${String(outcome.error)}`);
      }
    }
  });

  test('truncation at segment boundaries fails', async () => {
    for (const segmentCount of [0, 1, 2, 3]) {
      const length = headerLength + segmentCount * sealedSize;
      const outcome = await decryptExpectingError(ciphertext.subarray(0, length));
      assertRejected(outcome, Math.max(0, segmentCount - 1), `cut after ${segmentCount} segments`);
      assert.ok(outcome.error instanceof DecryptionError);
    }
  });

  test('truncation mid-segment fails', async () => {
    for (const segmentIndex of [0, 1, 2, 3]) {
      const length = headerLength + segmentIndex * sealedSize + 10;
      const outcome = await decryptExpectingError(ciphertext.subarray(0, length));
      assertRejected(outcome, segmentIndex, `cut inside segment ${segmentIndex}`);
      assert.ok(outcome.error instanceof DecryptionError);
    }
  });

  test('truncated header fails as format', async () => {
    const outcome = await decryptExpectingError(ciphertext.subarray(0, headerLength - 1));
    assert.ok(outcome.error instanceof FormatError);
    assert.match((outcome.error as Error).message, /stream is truncated/);
  });

  test('empty input fails as format', async () => {
    const outcome = await decryptExpectingError(Buffer.alloc(0));
    assert.ok(outcome.error instanceof FormatError);
    assert.match((outcome.error as Error).message, /stream is empty/);
  });
});

describe('stream segment order', () => {
  test('reordered segments fail', async () => {
    const [s0, s1, s2, s3] = segments() as [Buffer, Buffer, Buffer, Buffer];
    const cases: [string, Buffer[], number][] = [
      ['swap 0 and 1', [s1, s0, s2, s3], 0],
      ['swap 1 and 2', [s0, s2, s1, s3], 1],
      ['final moved first', [s3, s0, s1, s2], 0],
    ];
    for (const [label, order, intact] of cases) {
      assertRejected(await decryptExpectingError(Buffer.concat([header(), ...order])), intact, label);
    }
  });

  test('duplicated segment fails', async () => {
    const [s0, s1, s2, s3] = segments() as [Buffer, Buffer, Buffer, Buffer];
    const cases: [string, Buffer[], number][] = [
      ['segment 0 twice', [s0, s0, s1, s2, s3], 1],
      ['segment 1 twice', [s0, s1, s1, s2, s3], 2],
      ['final twice', [s0, s1, s2, s3, s3], 3],
    ];
    for (const [label, order, intact] of cases) {
      assertRejected(await decryptExpectingError(Buffer.concat([header(), ...order])), intact, label);
    }
  });

  test('dropped middle segment fails', async () => {
    const [s0, , s2, s3] = segments() as [Buffer, Buffer, Buffer, Buffer];
    assertRejected(await decryptExpectingError(Buffer.concat([header(), s0, s2, s3])), 1, 'segment 1 dropped');
  });

  test('segment from another stream fails', async () => {
    const other = await encrypt(plaintext, { segmentSize });
    const foreign = other.subarray(headerLength + sealedSize, headerLength + 2 * sealedSize);
    const [s0, , s2, s3] = segments() as [Buffer, Buffer, Buffer, Buffer];
    assertRejected(await decryptExpectingError(Buffer.concat([header(), s0, foreign, s2, s3])), 1, 'foreign segment');
  });
});

describe('stream appended data', () => {
  test('appended bytes fail', async () => {
    for (const extra of [1, 15, 16, 17, 64, sealedSize, 200]) {
      const outcome = await decryptExpectingError(Buffer.concat([ciphertext, randomBytes(extra)]));
      assertRejected(outcome, 3, `${extra} bytes appended`);
    }
  });

  test('appended whole segment fails', async () => {
    for (const [index, segment] of segments().entries()) {
      const outcome = await decryptExpectingError(Buffer.concat([ciphertext, segment]));
      assertRejected(outcome, 3, `segment ${index} appended`);
    }
  });

  test('appended stream fails', async () => {
    const outcome = await decryptExpectingError(Buffer.concat([ciphertext, ciphertext]));
    assertRejected(outcome, 3, 'stream appended to itself');
  });
});

describe('stream bit flips', () => {
  test('header bit flips fail', async () => {
    for (let bit = 0; bit < headerLength * 8; bit++) {
      const flipped = flipBit(ciphertext, bit);
      const outcome = await decryptExpectingError(flipped, {
        // A changed blob would be rejected by the server; here any blob gets the data key.
        resolveDataKey: async () => dataKey,
      });
      assertRejected(outcome, 0, `header bit ${bit}`);
    }
  });

  test('segment and tag bit flips fail', async () => {
    const bodyBits = (ciphertext.length - headerLength) * 8;
    for (let bit = 0; bit < bodyBits; bit++) {
      const flippedSegment = Math.floor(bit / 8 / sealedSize);
      const outcome = await decryptExpectingError(flipBit(ciphertext, headerLength * 8 + bit));
      assertRejected(outcome, flippedSegment, `body bit ${bit}`);
      assert.ok(outcome.error instanceof DecryptionError, `body bit ${bit}: ${String(outcome.error)}`);
    }
  });

  test('tag bit flips in each segment fail', async () => {
    for (const [index, segment] of segments().entries()) {
      const tagStart = headerLength + index * sealedSize + segment.length - 16;
      for (const offset of [0, 15]) {
        const outcome = await decryptExpectingError(flipBit(ciphertext, (tagStart + offset) * 8));
        assertRejected(outcome, index, `segment ${index} tag byte ${offset}`);
      }
    }
  });
});

describe('stream keys and associated data', () => {
  test('wrong data key fails', async () => {
    const outcome = await decryptExpectingError(ciphertext, { resolveDataKey: async () => randomBytes(32) });
    assertRejected(outcome, 0, 'wrong key');
    assert.ok(outcome.error instanceof DecryptionError);
  });

  test('wrong associated data fails', async () => {
    const withAad = await encrypt(plaintext, { segmentSize, aad: 'tenant-1' });
    for (const aad of [undefined, '', 'tenant-2']) {
      const outcome = await decryptExpectingError(withAad, { aad });
      assertRejected(outcome, 0, `aad ${String(aad)}`);
      assert.ok(outcome.error instanceof DecryptionError);
    }
  });

  test('unexpected associated data fails', async () => {
    const outcome = await decryptExpectingError(ciphertext, { aad: 'tenant-1' });
    assertRejected(outcome, 0, 'aad given');
  });

  test('resolver error passes through', async () => {
    const failure = new Error('data key service unavailable');
    const outcome = await decryptExpectingError(ciphertext, {
      resolveDataKey: async () => {
        throw failure;
      },
    });
    assert.equal(outcome.error, failure);
    assert.equal(outcome.emitted.length, 0);
  });

  test('resolver key of wrong length fails', async () => {
    const outcome = await decryptExpectingError(ciphertext, { resolveDataKey: async () => Buffer.alloc(16) });
    assert.ok(outcome.error instanceof FormatError);
    assert.equal((outcome.error as FormatError).code, 'invalid_key');
  });

  test('resolver returning string fails', async () => {
    const outcome = await decryptExpectingError(ciphertext, {
      resolveDataKey: async () => dataKey.toString('base64') as unknown as Buffer,
    });
    assert.ok(outcome.error instanceof TypeError);
  });

  test('destroy while resolving key is quiet', async () => {
    let release: (key: Buffer) => void = () => {};
    const stream = createDecryptStream({
      resolveDataKey: () =>
        new Promise<Buffer>((resolve) => {
          release = resolve;
        }),
    });
    stream.write(ciphertext);
    await new Promise((resolve) => setImmediate(resolve));
    stream.destroy();
    release(dataKey);
    await once(stream, 'close');
    assert.equal(stream.readableLength, 0);
  });

  test('other format fails on first byte', async () => {
    const stream = createDecryptStream({ resolveDataKey: async () => dataKey });
    stream.write(Buffer.from('{'));
    const [error] = await once(stream, 'error');
    assert.ok(error instanceof FormatError);
    assert.match(error.message, /unknown format version 123/);
  });
});
