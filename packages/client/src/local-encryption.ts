import { randomBytes } from 'node:crypto';
import {
  DEFAULT_LOCAL_CIPHERTEXT_LAYOUT,
  decodeBase64Strict,
  decodeLocalCiphertext,
  decryptLocalCiphertext,
  detectLocalCiphertextLayout,
  encodeLocalCiphertext,
  encodeLocalCiphertextBase64,
  encryptLocalCiphertext,
  GCM_NONCE_LENGTH,
  type LocalCiphertextLayout,
} from '@coffer/core';
import type { DataKeyCache } from './data-key-cache.js';
import type { RequestOptions } from './http-transport.js';
import type { KeyContext } from './vault-types.js';

/**
 * Options of `CofferClient.encrypt`.
 *
 * @example
 * await coffer.encrypt('for Go v7', context, undefined, { layout: 'keys-first' });
 */
export interface EncryptOptions extends RequestOptions {
  /**
   * Byte order of the result. The WorkOS Node and Python SDKs and the Go SDK up to v6 read
   * `iv-first`, the default. The Go SDK reads `keys-first` from v7 on.
   */
  layout?: LocalCiphertextLayout;
}

/**
 * Options of `CofferClient.decrypt` and `CofferClient.decryptToBuffer`.
 *
 * @example
 * await coffer.decrypt(ciphertext, undefined, { layout: 'keys-first', signal });
 */
export interface DecryptOptions extends RequestOptions {
  /**
   * Byte order of the ciphertext. When absent it is detected for blobs issued by Coffer and
   * taken as `iv-first` otherwise, so a `keys-first` message from another Vault server needs it.
   */
  layout?: LocalCiphertextLayout;
}

/**
 * Encrypts `data` with AES-256-GCM under a data key for `context` and returns the WorkOS layout
 * as standard base64. A string is encoded as UTF-8.
 *
 * @example
 * const ciphertext = await encryptLocally(keys, 'card 4242', { tenant: 't1' }, 'customer-7', {});
 */
export async function encryptLocally(
  keys: DataKeyCache,
  data: string | Uint8Array,
  context: KeyContext,
  associatedData: string | undefined,
  options: EncryptOptions,
): Promise<string> {
  const plaintext = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  return keys.withEncryptionKey(context, plaintext.length, options, (key, encryptedKeys) => {
    const parts = encryptLocalCiphertext(plaintext, key, randomBytes(GCM_NONCE_LENGTH), encryptedKeys, associatedData);
    return encodeLocalCiphertextBase64(parts, options.layout ?? DEFAULT_LOCAL_CIPHERTEXT_LAYOUT);
  });
}

/**
 * Encrypts like `encryptLocally` but returns the layout as bytes, which saves the base64 step
 * (a third more bytes and a pass over them) when the ciphertext goes into a binary column.
 *
 * @example
 * const bytes = await encryptLocallyToBuffer(keys, fileBytes, { tenant: 't1' }, undefined, {});
 */
export async function encryptLocallyToBuffer(
  keys: DataKeyCache,
  data: string | Uint8Array,
  context: KeyContext,
  associatedData: string | undefined,
  options: EncryptOptions,
): Promise<Buffer> {
  const plaintext = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  return keys.withEncryptionKey(context, plaintext.length, options, (key, encryptedKeys) => {
    const parts = encryptLocalCiphertext(plaintext, key, randomBytes(GCM_NONCE_LENGTH), encryptedKeys, associatedData);
    return encodeLocalCiphertext(parts, options.layout ?? DEFAULT_LOCAL_CIPHERTEXT_LAYOUT);
  });
}

/**
 * Decrypts a message written by `encryptLocally` or a WorkOS SDK, as base64 or as bytes. Raises `FormatError`
 * for malformed base64 or layout, `CofferApiError` when the server cannot unwrap the data key,
 * and `DecryptionError` when the ciphertext or associated data does not match.
 *
 * @example
 * const plaintext = await decryptLocally(keys, ciphertext, 'customer-7', {});
 */
export async function decryptLocally(
  keys: DataKeyCache,
  ciphertext: string | Uint8Array,
  associatedData: string | undefined,
  options: DecryptOptions,
): Promise<Buffer> {
  const bytes = typeof ciphertext === 'string' ? decodeBase64Strict(ciphertext, 'ciphertext') : Buffer.from(ciphertext);
  const layout = options.layout ?? detectLocalCiphertextLayout(bytes) ?? DEFAULT_LOCAL_CIPHERTEXT_LAYOUT;
  const parts = decodeLocalCiphertext(bytes, layout);
  return keys.withDecryptionKey(Buffer.from(parts.encryptedKeys), options, (key) =>
    decryptLocalCiphertext(parts, key, associatedData),
  );
}
