import { timingSafeEqual } from 'node:crypto';
import { DecryptionError, FormatError } from './errors.js';
import type { ContextPair } from './key-context.js';
import { KEY_LENGTH, SecretKey } from './secret-key.js';
import { sha256 } from './sha256.js';
import { UUID_LENGTH } from './uuid.js';
import { XAES_NONCE_LENGTH, type XaesKey } from './xaes-256-gcm.js';

/** First byte of every `encrypted_keys` blob in the current format. */
export const DATA_KEY_BLOB_VERSION = 1;

const COMMITMENT_LENGTH = 32;
const SEALED_KEY_LENGTH = KEY_LENGTH + 16;
const HEADER_LENGTH = 1 + UUID_LENGTH + COMMITMENT_LENGTH + 1;
const ENTRY_LENGTH = UUID_LENGTH + 4 + XAES_NONCE_LENGTH + SEALED_KEY_LENGTH;
const COMMITMENT_LABEL = Buffer.from('coffer data key commitment v1', 'utf8');
const ENTRY_AAD_LABEL = Buffer.from('coffer data key entry v1', 'utf8');

/** One copy of the data key, wrapped under one version of one KEK. */
export interface DataKeyBlobEntry {
  kekId: Buffer;
  kekVersion: number;
  nonce: Buffer;
  sealedKey: Buffer;
}

/** The decoded fields of an `encrypted_keys` blob. */
export interface DataKeyBlob {
  dataKeyId: Buffer;
  commitment: Buffer;
  entries: DataKeyBlobEntry[];
}

/** A KEK version ready to wrap or unwrap, with the context pair it belongs to. */
export interface WrappingKek {
  id: Buffer;
  version: number;
  key: XaesKey;
  pair: ContextPair;
}

/**
 * Wraps `dataKey` once under each KEK, in the order given, and encodes the result as an
 * `encrypted_keys` blob (version 1):
 *
 *   version (1) | data key id (16) | commitment (32) | entry count (1) | entries
 *   entry = KEK id (16) | KEK version (4, big-endian) | nonce (24) | wrapped key (32) | tag (16)
 *
 * Each entry is XAES-256-GCM with associated data that binds the format version, the data key
 * id, the KEK id and version and the context pair, so no entry can be moved to another blob.
 * `nonces` contains one random 24-byte nonce per KEK.
 *
 * @example
 * const blob = sealDataKey(dataKey, dataKeyId, [kek], [randomBytes(24)]);
 */
export function sealDataKey(
  dataKey: SecretKey,
  dataKeyId: Buffer,
  keks: readonly WrappingKek[],
  nonces: readonly Buffer[],
): Buffer {
  if (dataKeyId.length !== UUID_LENGTH) {
    throw new RangeError(`a data key id is ${UUID_LENGTH} bytes, got ${dataKeyId.length}`);
  }
  if (keks.length === 0 || keks.length > 255 || nonces.length !== keks.length) {
    throw new RangeError(
      `sealDataKey needs 1 to 255 KEKs and one nonce for each, got ${keks.length} and ${nonces.length}`,
    );
  }

  const blob = Buffer.alloc(HEADER_LENGTH + ENTRY_LENGTH * keks.length);
  blob[0] = DATA_KEY_BLOB_VERSION;
  dataKeyId.copy(blob, 1);
  dataKeyCommitment(dataKey, dataKeyId).copy(blob, 1 + UUID_LENGTH);
  blob[HEADER_LENGTH - 1] = keks.length;

  keks.forEach((kek, index) => {
    const nonce = nonces[index] as Buffer;
    const sealed = kek.key.seal(nonce, dataKey.bytes(), entryAad(dataKeyId, kek));
    let offset = HEADER_LENGTH + ENTRY_LENGTH * index;
    offset += kek.id.copy(blob, offset);
    offset = blob.writeUInt32BE(kek.version, offset);
    offset += nonce.copy(blob, offset);
    sealed.copy(blob, offset);
  });
  return blob;
}

/**
 * Decodes an `encrypted_keys` blob without any key. Raises `FormatError` with the
 * `invalid_encrypted_keys` code and a message naming the defect: empty, unknown version,
 * truncated, no entries, or trailing bytes.
 */
export function parseDataKeyBlob(bytes: Buffer, field = 'encrypted_keys'): DataKeyBlob {
  if (bytes.length === 0) {
    throw invalid(`${field} is empty`);
  }
  if (bytes[0] !== DATA_KEY_BLOB_VERSION) {
    throw invalid(
      `${field} has unknown format version ${bytes[0]}; this server reads version ${DATA_KEY_BLOB_VERSION}`,
    );
  }
  if (bytes.length < HEADER_LENGTH) {
    throw invalid(`${field} is truncated: ${bytes.length} bytes is shorter than its ${HEADER_LENGTH}-byte header`);
  }

  const count = bytes[HEADER_LENGTH - 1] as number;
  if (count === 0) {
    throw invalid(`${field} contains no wrapped keys`);
  }
  const expected = HEADER_LENGTH + ENTRY_LENGTH * count;
  if (bytes.length < expected) {
    throw invalid(`${field} is truncated: ${count} entries need ${expected} bytes, got ${bytes.length}`);
  }
  if (bytes.length > expected) {
    throw invalid(`${field} has ${bytes.length - expected} unexpected bytes after its last entry`);
  }

  const entries: DataKeyBlobEntry[] = [];
  for (let index = 0; index < count; index++) {
    const start = HEADER_LENGTH + ENTRY_LENGTH * index;
    const nonceStart = start + UUID_LENGTH + 4;
    entries.push({
      kekId: bytes.subarray(start, start + UUID_LENGTH),
      kekVersion: bytes.readUInt32BE(start + UUID_LENGTH),
      nonce: bytes.subarray(nonceStart, nonceStart + XAES_NONCE_LENGTH),
      sealedKey: bytes.subarray(nonceStart + XAES_NONCE_LENGTH, start + ENTRY_LENGTH),
    });
  }
  return {
    dataKeyId: bytes.subarray(1, 1 + UUID_LENGTH),
    commitment: bytes.subarray(1 + UUID_LENGTH, HEADER_LENGTH - 1),
    entries,
  };
}

/**
 * Unwraps the data key from one entry with its KEK and checks it against the blob's commitment.
 * Raises `DecryptionError` for every failure, so a wrong KEK, a tampered entry and a key that
 * does not match the commitment look the same.
 */
export function openDataKeyEntry(blob: DataKeyBlob, entry: DataKeyBlobEntry, kek: WrappingKek): SecretKey {
  if (!entry.kekId.equals(kek.id) || entry.kekVersion !== kek.version) {
    throw new DecryptionError();
  }
  const opened = kek.key.open(entry.nonce, entry.sealedKey, entryAad(blob.dataKeyId, kek));
  if (opened.length !== KEY_LENGTH) {
    opened.fill(0);
    throw new DecryptionError();
  }
  const dataKey = SecretKey.adopt(opened);
  if (!timingSafeEqual(dataKeyCommitment(dataKey, blob.dataKeyId), blob.commitment)) {
    dataKey.destroy();
    throw new DecryptionError();
  }
  return dataKey;
}

/**
 * SHA-256 of a label, the data key and the data key id: 32 bytes that pin the key. Finding two
 * data keys with one commitment means finding a SHA-256 collision, and the commitment reveals
 * nothing about a random 256-bit key. A one-shot hash costs a fraction of an HMAC object on the
 * hot path.
 */
export function dataKeyCommitment(dataKey: SecretKey, dataKeyId: Buffer): Buffer {
  return sha256(Buffer.concat([COMMITMENT_LABEL, dataKey.bytes(), dataKeyId]));
}

function entryAad(dataKeyId: Buffer, kek: WrappingKek): Buffer {
  const key = Buffer.from(kek.pair.key, 'utf8');
  const value = Buffer.from(kek.pair.value, 'utf8');
  const aad = Buffer.alloc(ENTRY_AAD_LABEL.length + 1 + UUID_LENGTH * 2 + 4 + 4 + key.length + 4 + value.length);
  let offset = ENTRY_AAD_LABEL.copy(aad, 0);
  offset = aad.writeUInt8(DATA_KEY_BLOB_VERSION, offset);
  offset += dataKeyId.copy(aad, offset);
  offset += kek.id.copy(aad, offset);
  offset = aad.writeUInt32BE(kek.version, offset);
  offset = aad.writeUInt32BE(key.length, offset);
  offset += key.copy(aad, offset);
  offset = aad.writeUInt32BE(value.length, offset);
  value.copy(aad, offset);
  return aad;
}

function invalid(message: string): FormatError {
  return new FormatError('invalid_encrypted_keys', message);
}
