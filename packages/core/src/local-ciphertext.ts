import { GCM_NONCE_LENGTH, GCM_TAG_LENGTH, gcmDecrypt, gcmEncrypt } from './aes-gcm.js';
import { decodeBase64Strict } from './base64.js';
import { parseDataKeyBlob } from './data-key-blob.js';
import { FormatError } from './errors.js';
import { decodeLeb128, encodeLeb128 } from './leb128.js';
import { KEY_LENGTH } from './secret-key.js';

/**
 * Byte order of a ciphertext written by the WorkOS SDK helpers `encrypt` and `decrypt`:
 *
 * - `iv-first`: IV (12) | tag (16) | LEB128 length of K | K | ciphertext. Written by the Node and
 *   Python SDKs and by the Go SDK up to v6.
 * - `keys-first`: LEB128 length of K | K | IV (12) | ciphertext | tag (16). Written by the Go SDK
 *   from v7 on.
 *
 * K is the `encrypted_keys` blob. Both layouts are base64-encoded as a whole by the SDKs.
 */
export type LocalCiphertextLayout = 'iv-first' | 'keys-first';

/** The layout that every decoder and encoder here uses when no layout is passed. */
export const DEFAULT_LOCAL_CIPHERTEXT_LAYOUT: LocalCiphertextLayout = 'iv-first';

/** The fields of a locally encrypted message, whichever layout carried them. */
export interface LocalCiphertextParts {
  /** AES-GCM nonce, 12 bytes. */
  iv: Buffer;
  /** AES-GCM authentication tag, 16 bytes. */
  tag: Buffer;
  /** The `encrypted_keys` blob that the data key was unwrapped from, at least 1 byte. */
  encryptedKeys: Buffer;
  /** AES-256-GCM ciphertext, as long as the plaintext. */
  ciphertext: Buffer;
}

/**
 * Encrypts `plaintext` with AES-256-GCM under a data key the way the WorkOS SDK helpers do.
 * `aad` is associated data: a string is encoded as UTF-8, and empty is the same as absent.
 * Raises `FormatError` (`invalid_key`) for a key that is not 32 bytes and `RangeError` for an
 * IV that is not 12 bytes or an empty `encryptedKeys`.
 *
 * @example
 * const parts = encryptLocalCiphertext(Buffer.from('hello'), dataKey, randomBytes(12), encryptedKeys, 'order-42');
 * const text = encodeLocalCiphertextBase64(parts);
 */
export function encryptLocalCiphertext(
  plaintext: Uint8Array,
  key: Uint8Array,
  iv: Uint8Array,
  encryptedKeys: Uint8Array,
  aad?: string | Uint8Array,
): LocalCiphertextParts {
  if (key.length !== KEY_LENGTH) {
    throw new FormatError('invalid_key', `a data key must be ${KEY_LENGTH} bytes, got ${key.length}`);
  }
  checkIvAndKeys(iv, encryptedKeys);

  const { ciphertext, tag } = gcmEncrypt(key, iv, plaintext, associatedData(aad));
  return { iv: Buffer.from(iv), tag, encryptedKeys: Buffer.from(encryptedKeys), ciphertext };
}

/**
 * Decrypts a message produced by `encryptLocalCiphertext` or a WorkOS SDK. Every failure
 * (wrong key, a key that is not 32 bytes, tampered bytes, wrong or missing associated data)
 * raises the same `DecryptionError`.
 *
 * @example
 * const plaintext = decryptLocalCiphertext(decodeLocalCiphertextBase64(text), dataKey, 'order-42');
 */
export function decryptLocalCiphertext(
  parts: LocalCiphertextParts,
  key: Uint8Array,
  aad?: string | Uint8Array,
): Buffer {
  return gcmDecrypt(key, parts.iv, parts.ciphertext, parts.tag, associatedData(aad));
}

/**
 * Lays out the parts of a message in the given layout. Raises `RangeError` when the IV is not
 * 12 bytes, the tag not 16 bytes, or `encryptedKeys` is empty or longer than 2^32 - 1 bytes.
 *
 * @example
 * const bytes = encodeLocalCiphertext(parts, 'keys-first');
 */
export function encodeLocalCiphertext(
  parts: LocalCiphertextParts,
  layout: LocalCiphertextLayout = DEFAULT_LOCAL_CIPHERTEXT_LAYOUT,
): Buffer {
  checkIvAndKeys(parts.iv, parts.encryptedKeys);
  if (parts.tag.length !== GCM_TAG_LENGTH) {
    throw new RangeError(`a GCM tag must be ${GCM_TAG_LENGTH} bytes, got ${parts.tag.length}`);
  }

  const keysLength = encodeLeb128(parts.encryptedKeys.length);
  if (layout === 'iv-first') {
    return Buffer.concat([parts.iv, parts.tag, keysLength, parts.encryptedKeys, parts.ciphertext]);
  }
  return Buffer.concat([keysLength, parts.encryptedKeys, parts.iv, parts.ciphertext, parts.tag]);
}

/**
 * Splits a message into its parts, checking every length before it is used. Raises
 * `FormatError` (`invalid_ciphertext`) with a message naming the defect: empty input, truncation,
 * a malformed LEB128 length or an empty `encrypted_keys` field. The parts are views into `bytes`.
 *
 * @example
 * const parts = decodeLocalCiphertext(bytes, detectLocalCiphertextLayout(bytes) ?? 'iv-first');
 */
export function decodeLocalCiphertext(
  bytes: Buffer,
  layout: LocalCiphertextLayout = DEFAULT_LOCAL_CIPHERTEXT_LAYOUT,
): LocalCiphertextParts {
  if (bytes.length === 0) {
    throw invalid('ciphertext is empty');
  }
  return layout === 'iv-first' ? decodeIvFirst(bytes) : decodeKeysFirst(bytes);
}

/**
 * Encodes a message in the given layout as standard base64, the form the WorkOS SDKs exchange.
 *
 * @example
 * const text = encodeLocalCiphertextBase64(parts);
 */
export function encodeLocalCiphertextBase64(
  parts: LocalCiphertextParts,
  layout: LocalCiphertextLayout = DEFAULT_LOCAL_CIPHERTEXT_LAYOUT,
): string {
  return encodeLocalCiphertext(parts, layout).toString('base64');
}

/**
 * Decodes strict standard base64 and then the layout. Raises `FormatError` with the
 * `invalid_base64` code for bad base64 and `invalid_ciphertext` for a bad layout.
 *
 * @example
 * const parts = decodeLocalCiphertextBase64(text, 'keys-first');
 */
export function decodeLocalCiphertextBase64(
  text: string,
  layout: LocalCiphertextLayout = DEFAULT_LOCAL_CIPHERTEXT_LAYOUT,
): LocalCiphertextParts {
  return decodeLocalCiphertext(decodeBase64Strict(text, 'ciphertext'), layout);
}

/**
 * Guesses the layout of a message from its structure. A Coffer `encrypted_keys` blob starts with
 * version byte 1, is 50 + 92 × n bytes long and has n in byte 49. The function returns the one
 * layout whose `encrypted_keys` field has that shape, or `undefined` when neither or both fit.
 * Blobs issued by another Vault server have another shape, so for those the caller must know the
 * layout.
 *
 * Both layouts fit only when random bytes (the IV, or the blob's commitment) happen to read as a
 * matching LEB128 length and blob header. We estimate that chance at about 2^-32 for each entry
 * count n, so below 2^-24 per message even summed over all 255 counts.
 *
 * @example
 * const layout = detectLocalCiphertextLayout(bytes) ?? 'iv-first';
 */
export function detectLocalCiphertextLayout(bytes: Buffer): LocalCiphertextLayout | undefined {
  const matches = (['iv-first', 'keys-first'] as const).filter((layout) => {
    try {
      parseDataKeyBlob(decodeLocalCiphertext(bytes, layout).encryptedKeys);
      return true;
    } catch {
      return false;
    }
  });
  return matches.length === 1 ? matches[0] : undefined;
}

const IV_AND_TAG_LENGTH = GCM_NONCE_LENGTH + GCM_TAG_LENGTH;

function decodeIvFirst(bytes: Buffer): LocalCiphertextParts {
  if (bytes.length < IV_AND_TAG_LENGTH) {
    throw invalid(
      `ciphertext is truncated: ${bytes.length} bytes is shorter than its ${IV_AND_TAG_LENGTH}-byte IV and tag`,
    );
  }
  const { encryptedKeys, next } = readEncryptedKeys(bytes, IV_AND_TAG_LENGTH);
  return {
    iv: bytes.subarray(0, GCM_NONCE_LENGTH),
    tag: bytes.subarray(GCM_NONCE_LENGTH, IV_AND_TAG_LENGTH),
    encryptedKeys,
    ciphertext: bytes.subarray(next),
  };
}

function decodeKeysFirst(bytes: Buffer): LocalCiphertextParts {
  const { encryptedKeys, next } = readEncryptedKeys(bytes, 0);

  const rest = bytes.length - next;
  if (rest < IV_AND_TAG_LENGTH) {
    throw invalid(
      `ciphertext is truncated: ${rest} bytes follow encrypted_keys, fewer than its ${IV_AND_TAG_LENGTH}-byte IV and tag`,
    );
  }
  const tagStart = bytes.length - GCM_TAG_LENGTH;
  return {
    iv: bytes.subarray(next, next + GCM_NONCE_LENGTH),
    tag: bytes.subarray(tagStart),
    encryptedKeys,
    ciphertext: bytes.subarray(next + GCM_NONCE_LENGTH, tagStart),
  };
}

function readEncryptedKeys(bytes: Buffer, offset: number): { encryptedKeys: Buffer; next: number } {
  const length = decodeLeb128(bytes, offset);
  if (length.value === 0) {
    throw invalid('ciphertext has an empty encrypted_keys field');
  }
  const available = bytes.length - length.next;
  if (length.value > available) {
    throw invalid(
      `ciphertext is truncated: its encrypted_keys field is ${length.value} bytes long but only ${available} bytes follow`,
    );
  }
  const next = length.next + length.value;
  return { encryptedKeys: bytes.subarray(length.next, next), next };
}

function checkIvAndKeys(iv: Uint8Array, encryptedKeys: Uint8Array): void {
  if (iv.length !== GCM_NONCE_LENGTH) {
    throw new RangeError(`an AES-GCM IV must be ${GCM_NONCE_LENGTH} bytes, got ${iv.length}`);
  }
  if (encryptedKeys.length === 0 || encryptedKeys.length > 0xffffffff) {
    throw new RangeError(`encrypted_keys must be 1 to 2^32 - 1 bytes, got ${encryptedKeys.length}`);
  }
}

function associatedData(aad: string | Uint8Array | undefined): Uint8Array | undefined {
  return typeof aad === 'string' ? Buffer.from(aad, 'utf8') : aad;
}

function invalid(message: string): FormatError {
  return new FormatError('invalid_ciphertext', message);
}
