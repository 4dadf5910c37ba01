import {
  bytesToUuid,
  type ContextPair,
  DecryptionError,
  openDataKeyEntry,
  parseDataKeyBlob,
  type SecretKey,
  sealDataKey,
  sortContextPairs,
  uuidToBytes,
  XAES_NONCE_LENGTH,
} from '@coffer/core';
import type { UsableKek } from './kek-cache.js';
import type { KekService } from './kek-service.js';

/** A data key wrapped under the KEKs of a context. */
export interface WrappedDataKey {
  blob: Buffer;
  keks: UsableKek[];
}

/**
 * Wraps a data key under the KEK of every context pair (created on first use), ordered by the
 * UTF-8 bytes of the keys. `nonceBytes` contains 24 random bytes per pair.
 */
export async function wrapDataKey(
  keks: KekService,
  environmentId: string,
  pairs: readonly ContextPair[],
  dataKey: SecretKey,
  dataKeyId: string | Buffer,
  nonceBytes: Buffer,
): Promise<WrappedDataKey> {
  const sorted = sortContextPairs(pairs);
  const resolved = keks.resolveForWrapping(environmentId, sorted);
  const usable = Array.isArray(resolved) ? resolved : await resolved;
  const nonces = usable.map((_, index) =>
    nonceBytes.subarray(index * XAES_NONCE_LENGTH, (index + 1) * XAES_NONCE_LENGTH),
  );
  const idBytes = typeof dataKeyId === 'string' ? uuidToBytes(dataKeyId) : dataKeyId;
  if (idBytes === undefined) {
    throw new Error(`data key id ${String(dataKeyId)} is not a lowercase UUID`);
  }
  return { blob: sealDataKey(dataKey, idBytes, usable, nonces), keks: usable };
}

/**
 * Unwraps a data key with the first blob entry whose KEK belongs to this environment and opens.
 * Raises `FormatError` for a malformed blob and `DecryptionError` when no entry opens.
 */
export async function unwrapDataKey(
  keks: KekService,
  environmentId: string,
  blobBytes: Buffer,
  field = 'encrypted_keys',
): Promise<{ id: string; dataKey: SecretKey }> {
  const blob = parseDataKeyBlob(blobBytes, field);
  for (const entry of blob.entries) {
    const found = keks.findForUnwrapping(environmentId, entry.kekId, entry.kekVersion);
    const kek = found instanceof Promise ? await found : found;
    if (kek === undefined) {
      continue;
    }
    try {
      return { id: bytesToUuid(blob.dataKeyId), dataKey: openDataKeyEntry(blob, entry, kek) };
    } catch (error) {
      if (!(error instanceof DecryptionError)) {
        throw error;
      }
    }
  }
  throw new DecryptionError();
}
