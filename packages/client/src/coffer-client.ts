import type { Transform } from 'node:stream';
import { DecryptionError, FormatError } from '@coffer/core';
import { CofferApiError } from './coffer-api-error.js';
import { type CofferClientOptions, resolveTransportConfig } from './coffer-client-options.js';
import * as dataKeyApi from './data-key-api.js';
import { DataKeyCache } from './data-key-cache.js';
import { HttpTransport, type RequestOptions } from './http-transport.js';
import {
  type DecryptOptions,
  decryptLocally,
  type EncryptOptions,
  encryptLocally,
  encryptLocallyToBuffer,
} from './local-encryption.js';
import * as objectApi from './object-api.js';
import {
  type DecryptStreamHelperOptions,
  type EncryptStreamHelperOptions,
  openDecryptStream,
  openEncryptStream,
} from './stream-encryption.js';
import type {
  CreateObjectOptions,
  DataKeyPair,
  DecryptedDataKey,
  DeleteObjectOptions,
  DeleteObjectResult,
  KeyContext,
  ListObjectsOptions,
  ObjectList,
  ObjectMetadata,
  ObjectSummary,
  ObjectVersion,
  ObjectWithoutValue,
  UpdateObjectOptions,
  VaultObject,
} from './vault-types.js';

/**
 * A client of the Coffer (WorkOS Vault) HTTP API: data keys, stored objects, and local and
 * streaming encryption under data keys. Every method takes `RequestOptions` last, for an
 * `AbortSignal` and a per-call time limit.
 *
 * Failures: `CofferApiError` for an error response (branch on `kind`), `CofferNetworkError`
 * when no response arrived, the signal's reason when the call was aborted, and the `FormatError`
 * or `DecryptionError` of `@coffer/core` when local decryption fails. Data keys come back as
 * Buffers that the caller owns and should zero with `fill(0)` when done.
 *
 * @example
 * const coffer = new CofferClient({ baseUrl: 'http://127.0.0.1:7700', apiKey: process.env.COFFER_API_KEY ?? '' });
 * const ciphertext = await coffer.encrypt('card 4242', { organization_id: 'org_123' });
 * const plaintext = await coffer.decrypt(ciphertext);
 */
export class CofferClient {
  readonly #transport: HttpTransport;
  readonly #keys: DataKeyCache;

  constructor(options: CofferClientOptions) {
    this.#transport = new HttpTransport(resolveTransportConfig(options));
    this.#keys = new DataKeyCache(options.dataKeyCache, {
      createDataKey: (context, requestOptions) => dataKeyApi.createDataKey(this.#transport, context, requestOptions),
      decryptDataKey: (blob, requestOptions) =>
        dataKeyApi.decryptDataKey(this.#transport, blob, requestOptions).catch((error: unknown) => {
          throw asCiphertextError(error);
        }),
    });
  }

  /**
   * Creates a data key for `context`: 32 random bytes, and the same key wrapped under each KEK
   * of the context as `encryptedKeys`.
   *
   * @example
   * const { dataKey, encryptedKeys } = await coffer.createDataKey({ context: { organization_id: 'org_123' } });
   */
  createDataKey(input: { context: KeyContext }, options?: RequestOptions): Promise<DataKeyPair> {
    return dataKeyApi.createDataKey(this.#transport, input.context, options);
  }

  /**
   * Recovers the data key from an `encryptedKeys` blob, given as base64 or as bytes.
   *
   * @example
   * const { dataKey } = await coffer.decryptDataKey({ keys: encryptedKeys });
   */
  decryptDataKey(input: { keys: string | Uint8Array }, options?: RequestOptions): Promise<DecryptedDataKey> {
    return dataKeyApi.decryptDataKey(this.#transport, input.keys, options);
  }

  /**
   * Wraps the data key of `encryptedKeys` under the KEKs of another context. The data key and
   * its id stay the same; only the blob changes.
   *
   * @example
   * const moved = await coffer.rekeyDataKey({ context: { organization_id: 'org_456' }, encryptedKeys });
   */
  rekeyDataKey(
    input: { context: KeyContext; encryptedKeys: string | Uint8Array },
    options?: RequestOptions,
  ): Promise<DataKeyPair> {
    return dataKeyApi.rekeyDataKey(this.#transport, input.context, input.encryptedKeys, options);
  }

  /**
   * Lists one page of object names, newest first unless `order` is `asc`.
   *
   * @example
   * const page = await coffer.listObjects({ limit: 100, search: 'stripe' });
   */
  listObjects(filters?: ListObjectsOptions, options?: RequestOptions): Promise<ObjectList> {
    return objectApi.listObjects(this.#transport, filters, options);
  }

  /**
   * Iterates over every object that matches `filters`, fetching one page at a time (`limit`
   * sets the page size) by passing each page's `after` cursor to the next request.
   *
   * @example
   * for await (const object of coffer.listAllObjects({ search: 'stripe' })) console.log(object.name);
   */
  async *listAllObjects(filters: ListObjectsOptions = {}, options?: RequestOptions): AsyncGenerator<ObjectSummary> {
    let after = filters.after;
    for (;;) {
      const page = await this.listObjects({ ...filters, after, before: undefined }, options);
      yield* page.data;
      const next = page.listMetadata.after;
      if (next === null || page.data.length === 0) {
        return;
      }
      if (next === after) {
        throw new CofferApiError(
          'the server sent an unexpected response: the next-page cursor repeats the current one',
          { status: 200, code: 'invalid_response', requestId: undefined },
          'invalid_response',
        );
      }
      after = next;
    }
  }

  /**
   * Encrypts and stores a new object. Each call sends one random `Idempotency-Key` on every
   * attempt, so a retry of a create that succeeded returns the first result.
   *
   * @example
   * const metadata = await coffer.createObject({ name: 'db-password', value: 'hunter2', context: { app: 'billing' } });
   */
  createObject(object: CreateObjectOptions, options?: objectApi.CreateRequestOptions): Promise<ObjectMetadata> {
    return objectApi.createObject(this.#transport, object, options);
  }

  /**
   * Reads and decrypts an object by id.
   *
   * @example
   * const { value } = await coffer.readObject({ id });
   */
  readObject(input: { id: string }, options?: RequestOptions): Promise<VaultObject> {
    return objectApi.readObject(this.#transport, input.id, options);
  }

  /**
   * Reads and decrypts an object by its exact name.
   *
   * @example
   * const { value } = await coffer.readObjectByName('db-password');
   */
  readObjectByName(name: string, options?: RequestOptions): Promise<VaultObject> {
    return objectApi.readObjectByName(this.#transport, name, options);
  }

  /**
   * Reads an object's name and metadata without decrypting its value.
   *
   * @example
   * const { metadata } = await coffer.describeObject({ id });
   */
  describeObject(input: { id: string }, options?: RequestOptions): Promise<ObjectWithoutValue> {
    return objectApi.describeObject(this.#transport, input.id, options);
  }

  /**
   * Stores a new version of an object, encrypted under the context it was created with. With
   * `versionCheck`, the update happens only while that version is current. Not retried.
   *
   * @example
   * await coffer.updateObject({ id, value: 'new secret', versionCheck: metadata.versionId });
   */
  updateObject(update: UpdateObjectOptions, options?: RequestOptions): Promise<ObjectWithoutValue> {
    return objectApi.updateObject(this.#transport, update, options);
  }

  /**
   * Deletes an object with every version. With `versionCheck`, only while that version is
   * current. Not retried.
   *
   * @example
   * await coffer.deleteObject({ id });
   */
  deleteObject(target: DeleteObjectOptions, options?: RequestOptions): Promise<DeleteObjectResult> {
    return objectApi.deleteObject(this.#transport, target, options);
  }

  /**
   * Lists every version of an object, newest first.
   *
   * @example
   * const versions = await coffer.listObjectVersions({ id });
   */
  listObjectVersions(input: { id: string }, options?: RequestOptions): Promise<ObjectVersion[]> {
    return objectApi.listObjectVersions(this.#transport, input.id, options);
  }

  /**
   * Encrypts a string (as UTF-8) or bytes locally with AES-256-GCM under a data key for
   * `context`, and returns the WorkOS layout as base64, which the WorkOS SDKs' `decrypt` reads.
   * `associatedData` must be given again to decrypt; empty is the same as absent.
   *
   * @example
   * const ciphertext = await coffer.encrypt('card 4242', { organization_id: 'org_123' }, 'customer-7');
   */
  encrypt(
    data: string | Uint8Array,
    context: KeyContext,
    associatedData?: string,
    options: EncryptOptions = {},
  ): Promise<string> {
    return encryptLocally(this.#keys, data, context, associatedData, options);
  }

  /**
   * Encrypts like `encrypt` but returns the WorkOS layout as bytes instead of base64, for binary
   * storage and large messages. `decryptToBuffer` reads it back.
   *
   * @example
   * const sealed = await coffer.encryptToBuffer(pdfBytes, { organization_id: 'org_123' });
   */
  encryptToBuffer(
    data: string | Uint8Array,
    context: KeyContext,
    associatedData?: string,
    options: EncryptOptions = {},
  ): Promise<Buffer> {
    return encryptLocallyToBuffer(this.#keys, data, context, associatedData, options);
  }

  /**
   * Decrypts a message from `encrypt` or a WorkOS SDK and returns it as a UTF-8 string, as the
   * WorkOS SDKs do. Bytes that are not valid UTF-8 become U+FFFD, so use `decryptToBuffer` for
   * binary data.
   *
   * @example
   * const plaintext = await coffer.decrypt(ciphertext, 'customer-7');
   */
  async decrypt(ciphertext: string, associatedData?: string, options: DecryptOptions = {}): Promise<string> {
    const plaintext = await decryptLocally(this.#keys, ciphertext, associatedData, options);
    return plaintext.toString('utf8');
  }

  /**
   * Decrypts a message from `encrypt`, `encryptToBuffer` or a WorkOS SDK, given as base64 or as
   * bytes, and returns the plaintext bytes.
   *
   * @example
   * const bytes = await coffer.decryptToBuffer(ciphertext);
   */
  decryptToBuffer(
    ciphertext: string | Uint8Array,
    associatedData?: string,
    options: DecryptOptions = {},
  ): Promise<Buffer> {
    return decryptLocally(this.#keys, ciphertext, associatedData, options);
  }

  /**
   * Creates a data key for `context` and returns a Transform that encrypts whatever passes
   * through it into the Coffer streaming format, in constant memory.
   *
   * @example
   * const encryptor = await coffer.encryptStream({ tenant: 't1' });
   * await pipeline(createReadStream('report.pdf'), encryptor, createWriteStream('report.pdf.coffer'));
   */
  encryptStream(context: KeyContext, options: EncryptStreamHelperOptions = {}): Promise<Transform> {
    return openEncryptStream(this.#keys, context, options);
  }

  /**
   * Returns a Transform that decrypts the Coffer streaming format, fetching the data key from
   * the server once the header has arrived. Output is complete only when the stream ends
   * without an error.
   *
   * @example
   * await pipeline(createReadStream('report.pdf.coffer'), coffer.decryptStream(), createWriteStream('report.pdf'));
   */
  decryptStream(options: DecryptStreamHelperOptions = {}): Transform {
    return openDecryptStream(this.#keys, options);
  }

  /**
   * Zeroes and drops every data key in the cache, for example before shutdown.
   *
   * @example
   * process.on('SIGTERM', () => coffer.clearDataKeyCache());
   */
  clearDataKeyCache(): void {
    this.#keys.clear();
  }

  /**
   * The number of data keys cached for encryption (one per context) and for decryption.
   *
   * @example
   * console.log(coffer.cachedDataKeys.encryption);
   */
  get cachedDataKeys(): { encryption: number; decryption: number } {
    return this.#keys.size;
  }
}

/**
 * Turns the server's refusal to unwrap the data key inside a ciphertext into the error that a
 * tampered ciphertext raises anywhere else: `DecryptionError` when no entry opens, `FormatError`
 * when the embedded `encrypted_keys` is malformed. The server's error stays as `cause`; other
 * errors (network, authentication, outages) pass through unchanged.
 */
function asCiphertextError(error: unknown): unknown {
  if (!(error instanceof CofferApiError) || error.status !== 400) {
    return error;
  }
  if (error.code === 'decryption_failed') {
    return new DecryptionError({ cause: error });
  }
  if (error.code === 'invalid_encrypted_keys' || error.code === 'invalid_base64') {
    return new FormatError(
      'invalid_ciphertext',
      `the ciphertext's encrypted_keys part is malformed: ${error.message}`,
      {
        cause: error,
      },
    );
  }
  return error;
}
