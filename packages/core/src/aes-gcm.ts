import { createCipheriv, createDecipheriv } from 'node:crypto';
import { DecryptionError } from './errors.js';

/** AES-GCM nonce length in bytes, the size for which GCM needs no extra hashing. */
export const GCM_NONCE_LENGTH = 12;
/** AES-GCM authentication tag length in bytes. */
export const GCM_TAG_LENGTH = 16;

/** Output of `gcmEncrypt`: the ciphertext, the same length as the plaintext, and its tag. */
export interface GcmSealed {
  ciphertext: Buffer;
  tag: Buffer;
}

/**
 * Encrypts with AES-256-GCM. Empty associated data is treated as absent, which gives the same
 * result in GCM.
 *
 * @example
 * const { ciphertext, tag } = gcmEncrypt(key, randomBytes(12), Buffer.from('hello'));
 */
export function gcmEncrypt(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): GcmSealed {
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: GCM_TAG_LENGTH });
  if (aad !== undefined && aad.length > 0) {
    cipher.setAAD(aad);
  }
  const head = cipher.update(plaintext);
  const tail = cipher.final();
  const ciphertext = tail.length === 0 ? head : Buffer.concat([head, tail]);
  return { ciphertext, tag: cipher.getAuthTag() };
}

/**
 * Decrypts AES-256-GCM. Every failure, including a tag of the wrong length, raises the same
 * `DecryptionError`.
 */
export function gcmDecrypt(
  key: Uint8Array,
  nonce: Uint8Array,
  ciphertext: Uint8Array,
  tag: Uint8Array,
  aad?: Uint8Array,
): Buffer {
  if (tag.length !== GCM_TAG_LENGTH || nonce.length !== GCM_NONCE_LENGTH) {
    throw new DecryptionError();
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: GCM_TAG_LENGTH });
    decipher.setAuthTag(tag);
    if (aad !== undefined && aad.length > 0) {
      decipher.setAAD(aad);
    }
    const head = decipher.update(ciphertext);
    const tail = decipher.final();
    return tail.length === 0 ? head : Buffer.concat([head, tail]);
  } catch {
    throw new DecryptionError();
  }
}
