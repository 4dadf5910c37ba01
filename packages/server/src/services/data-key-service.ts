import { bytesToUuid, type ContextPair, contextToObject, KEY_LENGTH, SecretKey, XAES_NONCE_LENGTH } from '@coffer/core';
import { randomPool } from '../random-pool.js';
import { eventData } from './actor-fields.js';
import type { Principal } from './api-key-service.js';
import { unwrapDataKey, wrapDataKey } from './envelope.js';
import type { EventRecorder } from './event-recorder.js';
import type { KekService } from './kek-service.js';

/** A data key in plaintext with its id and, when freshly wrapped, its `encrypted_keys` blob. */
export interface DataKeyResult {
  id: string;
  dataKey: SecretKey;
  encryptedKeys: Buffer | undefined;
}

/**
 * Creates, decrypts and rekeys data keys. The server keeps no copy of a data key: it exists in
 * plaintext only while its request is handled, and wrapped in the blob the caller stores.
 */
export class DataKeyService {
  readonly #keks: KekService;
  readonly #events: EventRecorder;

  constructor(keks: KekService, events: EventRecorder) {
    this.#keks = keks;
    this.#events = events;
  }

  /** Generates a data key and wraps it under the KEK of every context pair. */
  async create(principal: Principal, pairs: readonly ContextPair[]): Promise<DataKeyResult> {
    const random = randomPool.take(KEY_LENGTH + XAES_NONCE_LENGTH * pairs.length);
    const dataKey = SecretKey.from(random.subarray(0, KEY_LENGTH));
    random.fill(0, 0, KEY_LENGTH);
    const idBytes = randomPool.takeUuidBytes();
    try {
      const encryptedKeys = await this.#wrap(principal, pairs, dataKey, idBytes, random.subarray(KEY_LENGTH));
      return { id: bytesToUuid(idBytes), dataKey, encryptedKeys };
    } catch (error) {
      dataKey.destroy();
      throw error;
    }
  }

  /**
   * Unwraps a data key from its blob with the first entry whose KEK belongs to this environment
   * and opens. Raises `FormatError` for a malformed blob and `DecryptionError` when no entry opens.
   */
  async decrypt(principal: Principal, blobBytes: Buffer): Promise<DataKeyResult> {
    const { id, dataKey } = await unwrapDataKey(this.#keks, principal.environmentId, blobBytes, 'keys');
    try {
      await this.#events.record(principal.environmentId, 'vault.dek.decrypted', eventData(principal, { key_id: id }));
    } catch (error) {
      dataKey.destroy();
      throw error;
    }
    return { id, dataKey, encryptedKeys: undefined };
  }

  /** Unwraps a data key and wraps the same key, with the same id, under the KEKs of a new context. */
  async rekey(principal: Principal, pairs: readonly ContextPair[], blobBytes: Buffer): Promise<DataKeyResult> {
    const { id, dataKey } = await unwrapDataKey(this.#keks, principal.environmentId, blobBytes);
    try {
      const nonces = randomPool.take(XAES_NONCE_LENGTH * pairs.length);
      const encryptedKeys = await this.#wrap(principal, pairs, dataKey, id, nonces);
      return { id, dataKey, encryptedKeys };
    } catch (error) {
      dataKey.destroy();
      throw error;
    }
  }

  async #wrap(
    principal: Principal,
    pairs: readonly ContextPair[],
    dataKey: SecretKey,
    id: string | Buffer,
    nonceBytes: Buffer,
  ): Promise<Buffer> {
    const { blob, keks } = await wrapDataKey(this.#keks, principal.environmentId, pairs, dataKey, id, nonceBytes);
    await this.#events.record(
      principal.environmentId,
      'vault.dek.read',
      eventData(principal, { key_ids: keks.map((kek) => kek.kekId), key_context: contextToObject(pairs) }),
      pairs.find((pair) => pair.key === 'organization_id')?.value,
    );
    return blob;
  }
}
