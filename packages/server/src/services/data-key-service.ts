import { randomBytes, randomUUID } from 'node:crypto';
import {
  bytesToUuid,
  type ContextPair,
  contextToObject,
  DecryptionError,
  KEY_LENGTH,
  openDataKeyEntry,
  parseDataKeyBlob,
  SecretKey,
  sealDataKey,
  sortContextPairs,
  uuidToBytes,
  XAES_NONCE_LENGTH,
} from '@coffer/core';
import type { EventRecorder } from './event-recorder.js';
import type { UsableKek } from './kek-cache.js';
import type { KekService } from './kek-service.js';

/** A data key in plaintext with its id and, when freshly wrapped, its `encrypted_keys` blob. */
export interface DataKeyResult {
  id: string;
  dataKey: SecretKey;
  encryptedKeys: Buffer | undefined;
}

/**
 * Creates, decrypts and rekeys data keys. The server keeps no copy of a data key: it exists in
 * plaintext only while a request is answered, and wrapped in the blob the caller stores.
 */
export class DataKeyService {
  readonly #keks: KekService;
  readonly #events: EventRecorder;

  constructor(keks: KekService, events: EventRecorder) {
    this.#keks = keks;
    this.#events = events;
  }

  /** Generates a data key and wraps it under the KEK of every context pair. */
  async create(environmentId: string, pairs: readonly ContextPair[]): Promise<DataKeyResult> {
    const random = randomBytes(KEY_LENGTH + XAES_NONCE_LENGTH * pairs.length);
    const dataKey = SecretKey.from(random.subarray(0, KEY_LENGTH));
    random.fill(0, 0, KEY_LENGTH);
    const id = randomUUID();
    const encryptedKeys = await this.#wrap(environmentId, pairs, dataKey, id, random.subarray(KEY_LENGTH));
    return { id, dataKey, encryptedKeys };
  }

  /**
   * Unwraps a data key from its blob with the first entry whose KEK belongs to this environment
   * and opens. Raises `FormatError` for a malformed blob and `DecryptionError` when no entry opens.
   */
  async decrypt(environmentId: string, blobBytes: Buffer): Promise<DataKeyResult> {
    const { id, dataKey } = await this.#unwrap(environmentId, blobBytes);
    await this.#events.record(environmentId, 'vault.dek.decrypted', { key_id: id });
    return { id, dataKey, encryptedKeys: undefined };
  }

  /** Unwraps a data key and wraps the same key, with the same id, under the KEKs of a new context. */
  async rekey(environmentId: string, pairs: readonly ContextPair[], blobBytes: Buffer): Promise<DataKeyResult> {
    const { id, dataKey } = await this.#unwrap(environmentId, blobBytes);
    try {
      const encryptedKeys = await this.#wrap(
        environmentId,
        pairs,
        dataKey,
        id,
        randomBytes(XAES_NONCE_LENGTH * pairs.length),
      );
      return { id, dataKey, encryptedKeys };
    } catch (error) {
      dataKey.destroy();
      throw error;
    }
  }

  async #wrap(
    environmentId: string,
    pairs: readonly ContextPair[],
    dataKey: SecretKey,
    id: string,
    nonceBytes: Buffer,
  ): Promise<Buffer> {
    const sorted = sortContextPairs(pairs);
    const resolved = this.#keks.resolveForWrapping(environmentId, sorted);
    const keks = Array.isArray(resolved) ? resolved : await resolved;

    const nonces = keks.map((_, index) =>
      nonceBytes.subarray(index * XAES_NONCE_LENGTH, (index + 1) * XAES_NONCE_LENGTH),
    );
    const blob = sealDataKey(dataKey, uuidToBytes(id) as Buffer, keks, nonces);

    const context = contextToObject(pairs);
    await this.#events.record(
      environmentId,
      'vault.dek.read',
      { key_ids: keks.map((kek) => kek.kekId), key_context: context },
      organizationOf(pairs),
    );
    return blob;
  }

  async #unwrap(environmentId: string, blobBytes: Buffer): Promise<{ id: string; dataKey: SecretKey }> {
    const blob = parseDataKeyBlob(blobBytes);
    for (const entry of blob.entries) {
      const kek: UsableKek | undefined = await this.#keks.findForUnwrapping(
        environmentId,
        entry.kekId,
        entry.kekVersion,
      );
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
}

function organizationOf(pairs: readonly ContextPair[]): string | undefined {
  return pairs.find((pair) => pair.key === 'organization_id')?.value;
}
