import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DecryptionError, FormatError } from '../src/errors.js';
import {
  buildStreamHeader,
  MAX_STREAM_SEGMENT_SIZE,
  parseStreamHeader,
  STREAM_HEADER_FIXED_LENGTH,
  type StreamHeader,
  streamHeaderLength,
} from '../src/stream-header.js';
import { deriveStreamKey } from '../src/stream-key.js';
import {
  MAX_STREAM_SEGMENTS,
  openStreamSegment,
  openStreamSegmentParts,
  sealStreamSegment,
  streamSegmentNonce,
} from '../src/stream-segment.js';

const dataKey = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
const salt = Buffer.from(Array.from({ length: 32 }, (_, i) => 0x20 + i));
const noncePrefix = Buffer.from('a0a1a2a3a4a5a6', 'hex');
const encryptedKeys = Buffer.from('encrypted_keys', 'ascii');
const segmentSize = 16;
const fields = { segmentSize, salt, noncePrefix, encryptedKeys };

const headerHex =
  '0100000010202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3fa0a1a2a3a4a5a6000e656e637279707465645f6b657973';

// Computed by a separate script that follows the format description with node:crypto calls only.
const vectors = [
  {
    name: 'three segments with associated data',
    plaintext: 'Coffer streams in fixed segments.',
    aad: 'stream-aad',
    streamKey: 'e8f02f945f8c1b07acaf41011290a48bfd5b3123eb080d1e769838ce789f7f14',
    segments: [
      '85bfdaa003692bc4c2c95c2c64dbcb3867454c8482c2df5756ef4e210c57300a',
      '05e2aff816ec7e02a3dcde50011e48cd09bb97e861a5ea3d160dc09ab1c8bc16',
      'cb4ab2d34a66b10122f477b50eaf502e66',
    ],
  },
  {
    name: 'two full segments',
    plaintext: 'exactly two full segments here!!',
    aad: undefined,
    streamKey: 'f7476ddb8f1424707d5fcc72ccfcadf6499531721a2711d0606ba4fc988cdeee',
    segments: [
      'e890b9d99b4c51013bb456969dde95acb2f9617141608863ae5d377caf44a48f',
      '3dec08ad460b177c3e28836e17352bba5fe23f8e6c460ce36e0dee3e8f3f5570',
    ],
  },
  {
    name: 'empty plaintext',
    plaintext: '',
    aad: undefined,
    streamKey: 'f7476ddb8f1424707d5fcc72ccfcadf6499531721a2711d0606ba4fc988cdeee',
    segments: ['05e8f688b1143e6af320586f5e6caf53'],
  },
];

/** Encrypts a whole message with the core functions, splitting it as a stream writer does. */
function encryptWhole(plaintext: Buffer, aad?: string): Buffer {
  const header = buildStreamHeader(fields);
  const key = deriveStreamKey(dataKey, header, aad);
  const count = Math.max(1, Math.ceil(plaintext.length / segmentSize));
  const out = [header.bytes];
  for (let index = 0; index < count; index++) {
    const chunk = plaintext.subarray(index * segmentSize, (index + 1) * segmentSize);
    const { ciphertext, tag } = sealStreamSegment(key, noncePrefix, index, index === count - 1, chunk);
    out.push(ciphertext, tag);
  }
  return Buffer.concat(out);
}

/** Decrypts a whole stream held in memory with the core functions. */
function decryptWhole(bytes: Buffer, aad?: string): Buffer {
  const header = parseStreamHeader(bytes);
  const key = deriveStreamKey(dataKey, header, aad);
  const body = bytes.subarray(header.bytes.length);
  const sealedSize = header.segmentSize + 16;
  const count = Math.max(1, Math.ceil(body.length / sealedSize));
  const out: Buffer[] = [];
  for (let index = 0; index < count; index++) {
    const segment = body.subarray(index * sealedSize, (index + 1) * sealedSize);
    out.push(openStreamSegment(key, header.noncePrefix, index, index === count - 1, segment));
  }
  return Buffer.concat(out);
}

describe('stream format known answers', () => {
  test('header encodes to pinned bytes', () => {
    assert.equal(buildStreamHeader(fields).bytes.toString('hex'), headerHex);
  });

  for (const vector of vectors) {
    const expected = headerHex + vector.segments.join('');

    test(`${vector.name} derives pinned key`, () => {
      const key = deriveStreamKey(dataKey, buildStreamHeader(fields), vector.aad);
      assert.equal(key.toString('hex'), vector.streamKey);
    });

    test(`${vector.name} encrypts to pinned bytes`, () => {
      assert.equal(encryptWhole(Buffer.from(vector.plaintext, 'utf8'), vector.aad).toString('hex'), expected);
    });

    test(`${vector.name} decrypts to plaintext`, () => {
      const plaintext = decryptWhole(Buffer.from(expected, 'hex'), vector.aad);
      assert.equal(plaintext.toString('utf8'), vector.plaintext);
    });
  }
});

describe('stream header parsing', () => {
  const header = Buffer.from(headerHex, 'hex');

  function assertInvalid(bytes: Buffer, message: RegExp): void {
    assert.throws(
      () => parseStreamHeader(bytes),
      (error) => error instanceof FormatError && error.code === 'invalid_ciphertext' && message.test(error.message),
    );
  }

  test('parsed fields match built ones', () => {
    const parsed = parseStreamHeader(Buffer.concat([header, Buffer.from('first segment')]));
    assert.equal(parsed.segmentSize, segmentSize);
    assert.deepEqual(parsed.salt, salt);
    assert.deepEqual(parsed.noncePrefix, noncePrefix);
    assert.deepEqual(parsed.encryptedKeys, encryptedKeys);
    assert.deepEqual(parsed.bytes, header);
  });

  test('header length read from fixed part', () => {
    assert.equal(streamHeaderLength(header.subarray(0, STREAM_HEADER_FIXED_LENGTH)), header.length);
  });

  test('empty stream is rejected', () => {
    assertInvalid(Buffer.alloc(0), /stream is empty/);
  });

  test('unknown version is rejected', () => {
    for (const version of [0, 2, 0xff]) {
      const bytes = Buffer.from(header);
      bytes[0] = version;
      assertInvalid(bytes, new RegExp(`unknown format version ${version}`));
    }
  });

  test('unknown version is rejected before length', () => {
    assertInvalid(Buffer.of(2), /unknown format version 2/);
  });

  test('truncation at every length is rejected', () => {
    for (let length = 1; length < header.length; length++) {
      assertInvalid(header.subarray(0, length), /stream is truncated/);
    }
  });

  test('segment size zero is rejected', () => {
    const bytes = Buffer.from(header);
    bytes.writeUInt32BE(0, 1);
    assertInvalid(bytes, /segment size 0, outside 1 to/);
  });

  test('segment size above maximum is rejected', () => {
    const bytes = Buffer.from(header);
    bytes.writeUInt32BE(MAX_STREAM_SEGMENT_SIZE + 1, 1);
    assertInvalid(bytes, /segment size 16777217, outside 1 to 16777216/);
  });

  test('empty encrypted_keys is rejected', () => {
    const bytes = Buffer.from(header);
    bytes.writeUInt16BE(0, STREAM_HEADER_FIXED_LENGTH - 2);
    assertInvalid(bytes, /empty encrypted_keys/);
  });

  test('build rejects fields out of range', () => {
    const cases = [
      { ...fields, segmentSize: 0 },
      { ...fields, segmentSize: MAX_STREAM_SEGMENT_SIZE + 1 },
      { ...fields, segmentSize: 1.5 },
      { ...fields, salt: Buffer.alloc(16) },
      { ...fields, noncePrefix: Buffer.alloc(8) },
      { ...fields, encryptedKeys: Buffer.alloc(0) },
      { ...fields, encryptedKeys: Buffer.alloc(0x10000) },
    ];
    for (const bad of cases) {
      assert.throws(() => buildStreamHeader(bad), RangeError);
    }
  });

  test('largest encrypted_keys fits', () => {
    const built = buildStreamHeader({ ...fields, encryptedKeys: Buffer.alloc(0xffff, 3) });
    assert.equal(parseStreamHeader(built.bytes).encryptedKeys.length, 0xffff);
  });
});

describe('stream key derivation', () => {
  const header = buildStreamHeader(fields);
  const baseKey = deriveStreamKey(dataKey, header).toString('hex');

  test('every header byte changes key', () => {
    for (let position = 0; position < header.bytes.length; position++) {
      const bytes = Buffer.from(header.bytes);
      bytes[position] = (bytes[position] as number) ^ 0x01;
      let changed: StreamHeader;
      try {
        changed = parseStreamHeader(bytes);
      } catch (error) {
        assert.ok(error instanceof FormatError, `flip at header byte ${position}`);
        continue;
      }
      assert.notEqual(deriveStreamKey(dataKey, changed).toString('hex'), baseKey, `flip at header byte ${position}`);
    }
  });

  test('associated data changes key', () => {
    assert.notEqual(deriveStreamKey(dataKey, header, 'a').toString('hex'), baseKey);
  });

  test('empty associated data equals absent', () => {
    assert.equal(deriveStreamKey(dataKey, header, '').toString('hex'), baseKey);
    assert.equal(deriveStreamKey(dataKey, header, Buffer.alloc(0)).toString('hex'), baseKey);
  });

  test('data key of wrong length is rejected', () => {
    assert.throws(
      () => deriveStreamKey(Buffer.alloc(31), header),
      (error) => error instanceof FormatError && error.code === 'invalid_key',
    );
  });
});

describe('stream segments', () => {
  const key = Buffer.from(vectors[0]?.streamKey ?? '', 'hex');
  const plaintext = Buffer.from('one segment', 'utf8');
  const { ciphertext, tag } = sealStreamSegment(key, noncePrefix, 5, false, plaintext);
  const segment = Buffer.concat([ciphertext, tag]);

  test('nonce lays out prefix, index and flag', () => {
    assert.equal(streamSegmentNonce(noncePrefix, 0x01020304, true).toString('hex'), 'a0a1a2a3a4a5a60102030401');
    assert.equal(streamSegmentNonce(noncePrefix, 0, false).toString('hex'), 'a0a1a2a3a4a5a60000000000');
  });

  test('segment opens at its own position', () => {
    assert.deepEqual(openStreamSegment(key, noncePrefix, 5, false, segment), plaintext);
  });

  test('segment at other index fails', () => {
    assert.throws(() => openStreamSegment(key, noncePrefix, 4, false, segment), DecryptionError);
    assert.throws(() => openStreamSegment(key, noncePrefix, 6, false, segment), DecryptionError);
  });

  test('segment with other last flag fails', () => {
    assert.throws(() => openStreamSegment(key, noncePrefix, 5, true, segment), DecryptionError);
  });

  test('segment with other prefix fails', () => {
    assert.throws(() => openStreamSegment(key, Buffer.alloc(7), 5, false, segment), DecryptionError);
  });

  test('segment shorter than tag fails', () => {
    for (let length = 0; length < 16; length++) {
      assert.throws(() => openStreamSegment(key, noncePrefix, 5, false, segment.subarray(0, length)), DecryptionError);
    }
  });

  test('every flipped bit fails', () => {
    for (let bit = 0; bit < segment.length * 8; bit++) {
      const flipped = Buffer.from(segment);
      flipped[bit >> 3] = (flipped[bit >> 3] as number) ^ (1 << (bit & 7));
      assert.throws(() => openStreamSegment(key, noncePrefix, 5, false, flipped), DecryptionError, `bit ${bit}`);
    }
  });

  test('segment split at any point opens', () => {
    for (let first = 0; first <= segment.length; first++) {
      for (const second of [first, Math.min(segment.length, first + 3), segment.length]) {
        const parts = [segment.subarray(0, first), segment.subarray(first, second), segment.subarray(second)];
        const opened = Buffer.concat(openStreamSegmentParts(key, noncePrefix, 5, false, parts));
        assert.deepEqual(opened, plaintext, `split at ${first} and ${second}`);
      }
    }
  });

  test('split segment with flipped tag fails', () => {
    const flipped = Buffer.from(segment);
    flipped[segment.length - 9] = (flipped[segment.length - 9] as number) ^ 0x04;
    const parts = [flipped.subarray(0, segment.length - 12), flipped.subarray(segment.length - 12)];
    assert.throws(() => openStreamSegmentParts(key, noncePrefix, 5, false, parts), DecryptionError);
  });

  test('split segment shorter than tag fails', () => {
    const parts = [segment.subarray(0, 7), segment.subarray(7, 15)];
    assert.throws(() => openStreamSegmentParts(key, noncePrefix, 5, false, parts), DecryptionError);
  });

  test('empty segment opens to one empty buffer', () => {
    const empty = sealStreamSegment(key, noncePrefix, 0, true, Buffer.alloc(0));
    const opened = openStreamSegmentParts(key, noncePrefix, 0, true, [empty.tag.subarray(0, 4), empty.tag.subarray(4)]);
    assert.equal(opened.length, 1);
    assert.equal(opened[0]?.length, 0);
  });

  test('last allowed index works', () => {
    const last = sealStreamSegment(key, noncePrefix, MAX_STREAM_SEGMENTS - 1, true, plaintext);
    const opened = openStreamSegment(
      key,
      noncePrefix,
      MAX_STREAM_SEGMENTS - 1,
      true,
      Buffer.concat([last.ciphertext, last.tag]),
    );
    assert.deepEqual(opened, plaintext);
  });

  test('index past segment cap is rejected', () => {
    for (const index of [MAX_STREAM_SEGMENTS, 2 ** 32, -1, 0.5]) {
      assert.throws(() => sealStreamSegment(key, noncePrefix, index, true, plaintext), RangeError, `index ${index}`);
      assert.throws(() => openStreamSegment(key, noncePrefix, index, true, segment), RangeError, `index ${index}`);
    }
  });
});
