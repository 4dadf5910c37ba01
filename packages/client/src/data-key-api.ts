import { KEY_LENGTH } from '@coffer/core';
import { CofferApiError } from './coffer-api-error.js';
import type { ApiResponse, HttpTransport, RequestOptions } from './http-transport.js';
import type { DataKeyPair, DecryptedDataKey, KeyContext } from './vault-types.js';
import { WireReader } from './wire-reader.js';

// Creating, decrypting and rekeying a data key change nothing but the event log, so all three
// are sent as idempotent calls and retried.

/**
 * `POST /vault/v1/keys/data-key`.
 *
 * @example
 * const pair = await createDataKey(transport, { tenant: 't1' });
 */
export async function createDataKey(
  transport: HttpTransport,
  context: KeyContext,
  options: RequestOptions = {},
): Promise<DataKeyPair> {
  const response = await transport.request({
    ...options,
    method: 'POST',
    path: '/vault/v1/keys/data-key',
    body: { context },
    idempotent: true,
  });
  return readDataKeyPair(response);
}

/**
 * `POST /vault/v1/keys/decrypt`.
 *
 * @example
 * const { dataKey } = await decryptDataKey(transport, pair.encryptedKeys);
 */
export async function decryptDataKey(
  transport: HttpTransport,
  keys: string | Uint8Array,
  options: RequestOptions = {},
): Promise<DecryptedDataKey> {
  const response = await transport.request({
    ...options,
    method: 'POST',
    path: '/vault/v1/keys/decrypt',
    body: { keys: toBase64(keys) },
    idempotent: true,
  });
  const body = new WireReader(response);
  return { id: body.string('id'), dataKey: readDataKey(body, response) };
}

/**
 * `POST /vault/v1/keys/rekey`.
 *
 * @example
 * const moved = await rekeyDataKey(transport, { tenant: 't2' }, pair.encryptedKeys);
 */
export async function rekeyDataKey(
  transport: HttpTransport,
  context: KeyContext,
  encryptedKeys: string | Uint8Array,
  options: RequestOptions = {},
): Promise<DataKeyPair> {
  const response = await transport.request({
    ...options,
    method: 'POST',
    path: '/vault/v1/keys/rekey',
    body: { context, encrypted_keys: toBase64(encryptedKeys) },
    idempotent: true,
  });
  return readDataKeyPair(response);
}

function readDataKeyPair(response: ApiResponse): DataKeyPair {
  const body = new WireReader(response);
  return {
    id: body.string('id'),
    dataKey: readDataKey(body, response),
    encryptedKeys: body.string('encrypted_keys'),
    context: body.context('context'),
  };
}

function readDataKey(body: WireReader, response: ApiResponse): Buffer {
  const key = body.bytes('data_key');
  if (key.length !== KEY_LENGTH) {
    key.fill(0);
    throw new CofferApiError(
      `the server sent an unexpected response: data_key is ${key.length} bytes instead of ${KEY_LENGTH}`,
      { status: response.status, code: 'invalid_response', requestId: response.requestId },
      'invalid_response',
    );
  }
  return key;
}

function toBase64(blob: string | Uint8Array): string {
  return typeof blob === 'string'
    ? blob
    : Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength).toString('base64');
}
