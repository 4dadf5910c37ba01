import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DATA_KEY_BLOB_VERSION,
  dataKeyCommitment,
  openDataKeyEntry,
  parseDataKeyBlob,
  sealDataKey,
  type WrappingKek,
} from '../src/data-key-blob.js';
import { CoreError, DecryptionError, FormatError } from '../src/errors.js';
import { SecretKey } from '../src/secret-key.js';
import { uuidToBytes } from '../src/uuid.js';
import { XaesKey } from '../src/xaes-256-gcm.js';

// Fixed inputs for the known-answer vectors. The expected hex was computed by a separate
// implementation (Python `cryptography` for CMAC and AES-GCM, `hashlib` for the SHA-256
// commitment) from the layout documented in data-key-blob.ts, and matches what sealDataKey produces.
const dataKeyBytes = sequence(0x00, 32);
const dataKeyId = uuid('0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0');
const kekA = wrappingKek('11111111-2222-4333-8444-555555555555', 1, sequence(0x40, 32), 'organization_id', 'org_123');
const kekB = wrappingKek('66666666-7777-4888-9999-aaaaaaaaaaaa', 7, sequence(0x60, 32), 'region', 'Zürich 🏔');
const nonceA = sequence(0xa0, 24);
const nonceB = sequence(0xc0, 24);

const COMMITMENT_HEX = 'e9f85d22c2d991f5a57d7f731dff33d2bc2fdf26b461df39263dd529e30fcbce';
// Header: version (1) | data key id (16) | commitment (32). The entry count byte follows it.
const HEADER_HEX = ['01', '0f1e2d3c4b5a49788796a5b4c3d2e1f0', COMMITMENT_HEX].join('');
// Each entry: KEK id (16) | KEK version (4) | nonce (24) | wrapped data key (32) | tag (16).
const ENTRY_A_HEX = [
  '11111111222243338444555555555555',
  '00000001',
  'a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7',
  'd795436e27fb757da920c92ad3075ca7458fc2465bf77c13121f40c75e183e21',
  '32f724051dea6ee04dcde33507cb52cc',
].join('');
const ENTRY_B_HEX = [
  '66666666777748889999aaaaaaaaaaaa',
  '00000007',
  'c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7',
  '2873ee6432b1565018801af65060b9b735ffe252957e538e4bf9dba15562ed1b',
  '70904a6fb887eb3addf4a3a19099bb3a',
].join('');
const ONE_ENTRY_HEX = `${HEADER_HEX}01${ENTRY_A_HEX}`;
const TWO_ENTRIES_HEX = `${HEADER_HEX}02${ENTRY_A_HEX}${ENTRY_B_HEX}`;

describe('encrypted_keys v1 known answers', () => {
  test('commitment matches vector', () => {
    assert.equal(dataKeyCommitment(dataKey(), dataKeyId).toString('hex'), COMMITMENT_HEX);
  });

  test('one entry seals to vector', () => {
    assert.equal(sealDataKey(dataKey(), dataKeyId, [kekA], [nonceA]).toString('hex'), ONE_ENTRY_HEX);
  });

  test('two entries seal to vector', () => {
    const blob = sealDataKey(dataKey(), dataKeyId, [kekA, kekB], [nonceA, nonceB]);
    assert.equal(blob.toString('hex'), TWO_ENTRIES_HEX);
  });

  test('vector lengths follow layout', () => {
    assert.equal(ONE_ENTRY_HEX.length / 2, 50 + 92);
    assert.equal(TWO_ENTRIES_HEX.length / 2, 50 + 92 * 2);
  });

  test('vector parses into its fields', () => {
    const blob = parseDataKeyBlob(Buffer.from(TWO_ENTRIES_HEX, 'hex'));
    assert.deepEqual(blob.dataKeyId, dataKeyId);
    assert.equal(blob.commitment.toString('hex'), COMMITMENT_HEX);
    assert.equal(blob.entries.length, 2);
    assert.deepEqual(blob.entries[0]?.kekId, kekA.id);
    assert.equal(blob.entries[0]?.kekVersion, 1);
    assert.deepEqual(blob.entries[0]?.nonce, nonceA);
    assert.deepEqual(blob.entries[1]?.kekId, kekB.id);
    assert.equal(blob.entries[1]?.kekVersion, 7);
    assert.deepEqual(blob.entries[1]?.nonce, nonceB);
  });

  test('each entry of vector opens', () => {
    const blob = parseDataKeyBlob(Buffer.from(TWO_ENTRIES_HEX, 'hex'));
    for (const [index, kek] of [kekA, kekB].entries()) {
      const opened = openDataKeyEntry(blob, blob.entries[index] as (typeof blob.entries)[number], kek);
      assert.deepEqual(opened.bytes(), dataKeyBytes, `entry ${index}`);
    }
  });

  test('version byte is one', () => {
    assert.equal(DATA_KEY_BLOB_VERSION, 1);
  });
});

describe('encrypted_keys v1 parse errors', () => {
  const valid = Buffer.from(TWO_ENTRIES_HEX, 'hex');
  const withCount = (count: number, length: number): Buffer => {
    const bytes = Buffer.alloc(length);
    valid.copy(bytes, 0, 0, Math.min(length, valid.length));
    bytes[49] = count;
    return bytes;
  };
  const cases: { name: string; bytes: Buffer; message: RegExp }[] = [
    { name: 'empty', bytes: Buffer.alloc(0), message: /empty/ },
    { name: 'version 0', bytes: Buffer.concat([Buffer.of(0), valid.subarray(1)]), message: /unknown format version 0/ },
    { name: 'version 2', bytes: Buffer.concat([Buffer.of(2), valid.subarray(1)]), message: /unknown format version 2/ },
    { name: 'version 255', bytes: Buffer.of(255), message: /unknown format version 255/ },
    { name: 'version byte only', bytes: Buffer.of(1), message: /truncated/ },
    { name: 'header minus one byte', bytes: valid.subarray(0, 49), message: /truncated/ },
    { name: 'header without entries', bytes: withCount(0, 50), message: /no wrapped keys/ },
    { name: 'zero count with entry bytes', bytes: withCount(0, 50 + 92), message: /no wrapped keys/ },
    { name: 'count 1, no entry', bytes: withCount(1, 50), message: /truncated/ },
    { name: 'count 2, one entry', bytes: withCount(2, 50 + 92), message: /truncated/ },
    { name: 'count 255, two entries', bytes: withCount(255, valid.length), message: /truncated/ },
    { name: 'count 1, two entries', bytes: withCount(1, valid.length), message: /unexpected bytes/ },
    { name: 'one trailing byte', bytes: Buffer.concat([valid, Buffer.of(0)]), message: /1 unexpected bytes/ },
    { name: 'ASCII text', bytes: Buffer.from('WOS.EKM.v1 not a coffer blob'), message: /unknown format version 87/ },
  ];

  for (const { name, bytes, message } of cases) {
    test(`${name} is rejected`, () => {
      assert.throws(
        () => parseDataKeyBlob(bytes),
        (error: unknown) =>
          error instanceof FormatError && error.code === 'invalid_encrypted_keys' && message.test(error.message),
      );
    });
  }

  test('every truncation is rejected', () => {
    for (let length = 0; length < valid.length; length++) {
      assert.throws(() => parseDataKeyBlob(valid.subarray(0, length)), isInvalidBlob, `length ${length}`);
    }
  });

  test('parse never throws other errors', () => {
    for (let index = 0; index < valid.length; index++) {
      for (let bit = 0; bit < 8; bit++) {
        const damaged = Buffer.from(valid);
        damaged[index] = (damaged[index] as number) ^ (1 << bit);
        try {
          parseDataKeyBlob(damaged);
        } catch (error) {
          assert.ok(isInvalidBlob(error), `byte ${index}, bit ${bit}: ${String(error)}`);
        }
      }
    }
  });
});

describe('encrypted_keys v1 unwrap failures', () => {
  const bytes = Buffer.from(TWO_ENTRIES_HEX, 'hex');

  function openFirst(blobBytes: Buffer, kek: WrappingKek = kekA): SecretKey {
    const blob = parseDataKeyBlob(blobBytes);
    return openDataKeyEntry(blob, blob.entries[0] as (typeof blob.entries)[number], kek);
  }

  function flipped(offset: number): Buffer {
    const damaged = Buffer.from(bytes);
    damaged[offset] = (damaged[offset] as number) ^ 0x01;
    return damaged;
  }

  // A blob whose second entry wraps another data key under the same id: each entry opens on its
  // own, but the second must fail the commitment check.
  function mismatchedCommitmentBlob(): Buffer {
    const honest = sealDataKey(dataKey(), dataKeyId, [kekA, kekB], [nonceA, nonceB]);
    const other = sealDataKey(SecretKey.from(sequence(0x80, 32)), dataKeyId, [kekA, kekB], [nonceA, nonceB]);
    return Buffer.concat([honest.subarray(0, 50 + 92), other.subarray(50 + 92)]);
  }

  const cases: { name: string; open: () => SecretKey }[] = [
    { name: 'wrong KEK bytes', open: () => openFirst(bytes, { ...kekA, key: new XaesKey(sequence(0x41, 32)) }) },
    { name: 'wrong KEK id', open: () => openFirst(bytes, { ...kekA, id: kekB.id }) },
    { name: 'wrong KEK version', open: () => openFirst(bytes, { ...kekA, version: 2 }) },
    { name: 'wrong context key', open: () => openFirst(bytes, { ...kekA, pair: { key: 'org_id', value: 'org_123' } }) },
    {
      name: 'wrong context value',
      open: () => openFirst(bytes, { ...kekA, pair: { key: 'organization_id', value: 'org_124' } }),
    },
    { name: 'tampered data key id', open: () => openFirst(flipped(1)) },
    { name: 'tampered commitment', open: () => openFirst(flipped(17)) },
    { name: 'tampered nonce', open: () => openFirst(flipped(50 + 20)) },
    { name: 'tampered wrapped key', open: () => openFirst(flipped(50 + 44)) },
    { name: 'tampered tag', open: () => openFirst(flipped(50 + 91)) },
    {
      name: 'mismatched commitment',
      open: () => {
        const blob = parseDataKeyBlob(mismatchedCommitmentBlob());
        return openDataKeyEntry(blob, blob.entries[1] as (typeof blob.entries)[number], kekB);
      },
    },
  ];

  for (const { name, open } of cases) {
    test(`${name} raises DecryptionError`, () => {
      assert.throws(open, (error: unknown) => error instanceof DecryptionError && error.code === 'decryption_failed');
    });
  }

  test('all unwrap failures share one message', () => {
    const messages = new Set<string>();
    for (const { open } of cases) {
      try {
        open();
      } catch (error) {
        messages.add((error as Error).message);
      }
    }
    assert.deepEqual([...messages], [new DecryptionError().message]);
  });

  test('honest entry of spliced blob opens', () => {
    const blob = parseDataKeyBlob(mismatchedCommitmentBlob());
    const opened = openDataKeyEntry(blob, blob.entries[0] as (typeof blob.entries)[number], kekA);
    assert.deepEqual(opened.bytes(), dataKeyBytes);
  });

  test('entry moved to another blob fails', () => {
    const otherId = uuid('0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f1');
    const other = sealDataKey(dataKey(), otherId, [kekA], [nonceA]);
    const moved = Buffer.concat([other.subarray(0, 50), bytes.subarray(50, 50 + 92)]);
    const blob = parseDataKeyBlob(moved);
    assert.throws(
      () => openDataKeyEntry(blob, blob.entries[0] as (typeof blob.entries)[number], kekA),
      DecryptionError,
    );
  });
});

describe('sealDataKey argument checks', () => {
  const cases: { name: string; call: () => Buffer }[] = [
    { name: 'short data key id', call: () => sealDataKey(dataKey(), Buffer.alloc(15), [kekA], [nonceA]) },
    { name: 'no KEKs', call: () => sealDataKey(dataKey(), dataKeyId, [], []) },
    { name: 'missing nonce', call: () => sealDataKey(dataKey(), dataKeyId, [kekA, kekB], [nonceA]) },
    {
      name: '256 KEKs',
      call: () => sealDataKey(dataKey(), dataKeyId, Array(256).fill(kekA), Array(256).fill(nonceA)),
    },
  ];
  for (const { name, call } of cases) {
    test(`${name} is rejected`, () => {
      assert.throws(call, RangeError);
    });
  }
});

function isInvalidBlob(error: unknown): boolean {
  return error instanceof CoreError && error.code === 'invalid_encrypted_keys';
}

function dataKey(): SecretKey {
  return SecretKey.from(dataKeyBytes);
}

function sequence(start: number, length: number): Buffer {
  return Buffer.from(Array.from({ length }, (_, index) => (start + index) & 0xff));
}

function uuid(text: string): Buffer {
  const bytes = uuidToBytes(text);
  assert.ok(bytes !== undefined, `${text} is not a UUID`);
  return bytes;
}

function wrappingKek(id: string, version: number, key: Buffer, pairKey: string, pairValue: string): WrappingKek {
  return { id: uuid(id), version, key: new XaesKey(key), pair: { key: pairKey, value: pairValue } };
}
