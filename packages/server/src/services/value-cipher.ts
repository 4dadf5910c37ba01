import { randomBytes } from 'node:crypto';
import { GCM_NONCE_LENGTH, GCM_TAG_LENGTH, gcmDecrypt, gcmEncrypt, type SecretKey } from '@coffer/core';

const VALUE_AAD_LABEL = Buffer.from('coffer object value v1', 'utf8');

/** Identity that an object value's ciphertext is bound to, so it cannot move to another object or version. */
export interface ValueBinding {
  environmentId: string;
  objectId: string;
  versionId: string;
}

/**
 * Encrypts an object value with AES-256-GCM under its version's own data key. Every data key
 * encrypts exactly one value, so a random 12-byte nonce is safe. Layout: nonce | ciphertext | tag.
 */
export function sealValue(dataKey: SecretKey, value: Buffer, binding: ValueBinding): Buffer {
  const nonce = randomBytes(GCM_NONCE_LENGTH);
  const { ciphertext, tag } = gcmEncrypt(dataKey.bytes(), nonce, value, valueAad(binding));
  return Buffer.concat([nonce, ciphertext, tag]);
}

/** Decrypts a value sealed by `sealValue`; raises `DecryptionError` on any mismatch. */
export function openValue(dataKey: SecretKey, sealed: Buffer, binding: ValueBinding): Buffer {
  const nonce = sealed.subarray(0, GCM_NONCE_LENGTH);
  const ciphertext = sealed.subarray(GCM_NONCE_LENGTH, sealed.length - GCM_TAG_LENGTH);
  const tag = sealed.subarray(sealed.length - GCM_TAG_LENGTH);
  return gcmDecrypt(dataKey.bytes(), nonce, ciphertext, tag, valueAad(binding));
}

function valueAad(binding: ValueBinding): Buffer {
  const parts = [binding.environmentId, binding.objectId, binding.versionId].map((part) => Buffer.from(part, 'utf8'));
  const lengths = parts.map((part) => {
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32BE(part.length);
    return prefix;
  });
  return Buffer.concat([VALUE_AAD_LABEL, ...parts.flatMap((part, index) => [lengths[index] as Buffer, part])]);
}
