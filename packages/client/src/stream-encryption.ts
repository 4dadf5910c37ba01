import type { Transform } from 'node:stream';
import type { DataKeyCache } from './data-key-cache.js';
import { createDecryptStream } from './decrypt-stream.js';
import { createEncryptStream } from './encrypt-stream.js';
import type { RequestOptions } from './http-transport.js';
import type { KeyContext } from './vault-types.js';

/**
 * Options of `CofferClient.encryptStream`.
 *
 * @example
 * await coffer.encryptStream(context, { aad: 'invoice-7', segmentSize: 1024 * 1024 });
 */
export interface EncryptStreamHelperOptions extends RequestOptions {
  /** Associated data bound to the whole stream; empty is the same as absent. */
  aad?: string | Uint8Array;
  /** Plaintext bytes per segment, 1 to 16 MiB; 64 KiB unless given. */
  segmentSize?: number;
}

/**
 * Options of `CofferClient.decryptStream`.
 *
 * @example
 * coffer.decryptStream({ aad: 'invoice-7' });
 */
export interface DecryptStreamHelperOptions extends RequestOptions {
  /** The associated data the stream was encrypted with. */
  aad?: string | Uint8Array;
}

/**
 * Gets a data key for `context` and builds an encrypting Transform around it. The Transform
 * derives its own stream key at construction, so the data key is zeroed (or returned to the
 * cache) before this resolves. With the encryption cache enabled a stream counts as one message
 * of 0 bytes, because its segments are encrypted under that derived key, not the data key.
 *
 * @example
 * const encryptor = await openEncryptStream(keys, { tenant: 't1' }, { aad: 'invoice-7' });
 */
export async function openEncryptStream(
  keys: DataKeyCache,
  context: KeyContext,
  options: EncryptStreamHelperOptions,
): Promise<Transform> {
  return keys.withEncryptionKey(context, 0, options, (dataKey, encryptedKeys) =>
    createEncryptStream({ dataKey, encryptedKeys, aad: options.aad, segmentSize: options.segmentSize }),
  );
}

/**
 * Builds a decrypting Transform that gets its data key from the server's decrypt endpoint (or
 * the decryption cache) once the stream header has arrived. The Transform is handed its own
 * copy of the key, zeroed when the stream closes.
 *
 * @example
 * const decryptor = openDecryptStream(keys, { aad: 'invoice-7' });
 */
export function openDecryptStream(keys: DataKeyCache, options: DecryptStreamHelperOptions): Transform {
  const copies: Buffer[] = [];
  let closed = false;
  const stream = createDecryptStream({
    aad: options.aad,
    resolveDataKey: (encryptedKeys) =>
      keys.withDecryptionKey(encryptedKeys, options, (key) => {
        if (closed) {
          throw new Error('the decryption stream closed before its data key arrived');
        }
        const copy = Buffer.from(key);
        copies.push(copy);
        return copy;
      }),
  });
  stream.once('close', () => {
    closed = true;
    for (const copy of copies) {
      copy.fill(0);
    }
  });
  return stream;
}
