import { DecryptionError, FormatError } from './errors.js';
import { XAES_NONCE_LENGTH, type XaesKey } from './xaes-256-gcm.js';

/** First byte of a key sealed by `sealKey`. */
export const SEALED_KEY_VERSION = 1;

const TAG_LENGTH = 16;

/**
 * Seals a small key (a KEK, say) under a wrapping key with XAES-256-GCM and a random 24-byte
 * nonce. Layout: version (1) | nonce (24) | ciphertext | tag (16).
 *
 * @example
 * const sealed = sealKey(rootKey, randomBytes(24), kekMaterial, aad);
 */
export function sealKey(wrappingKey: XaesKey, nonce: Buffer, material: Uint8Array, aad: Uint8Array): Buffer {
  const sealed = wrappingKey.seal(nonce, material, aad);
  return Buffer.concat([Buffer.of(SEALED_KEY_VERSION), nonce, sealed]);
}

/**
 * Opens a key sealed by `sealKey`. A wrong length or version is a `FormatError`; a wrong key,
 * wrong associated data or tampered bytes is a `DecryptionError`.
 */
export function openSealedKey(wrappingKey: XaesKey, sealed: Buffer, aad: Uint8Array): Buffer {
  if (sealed.length < 1 + XAES_NONCE_LENGTH + TAG_LENGTH) {
    throw new FormatError(
      'invalid_key',
      `a sealed key is at least ${1 + XAES_NONCE_LENGTH + TAG_LENGTH} bytes, got ${sealed.length}`,
    );
  }
  if (sealed[0] !== SEALED_KEY_VERSION) {
    throw new FormatError('invalid_key', `sealed key has unknown format version ${sealed[0]}`);
  }
  const nonce = sealed.subarray(1, 1 + XAES_NONCE_LENGTH);
  try {
    return wrappingKey.open(nonce, sealed.subarray(1 + XAES_NONCE_LENGTH), aad);
  } catch {
    throw new DecryptionError();
  }
}
