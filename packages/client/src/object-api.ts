import { randomUUID } from 'node:crypto';
import type { HttpTransport, RequestOptions } from './http-transport.js';
import type {
  CreateObjectOptions,
  DeleteObjectOptions,
  DeleteObjectResult,
  ListObjectsOptions,
  ObjectList,
  ObjectMetadata,
  ObjectVersion,
  ObjectWithoutValue,
  UpdateObjectOptions,
  VaultObject,
} from './vault-types.js';
import { WireReader } from './wire-reader.js';

/**
 * Options of `createObject`: a caller may pin the `Idempotency-Key` to repeat a create safely.
 *
 * @example
 * await coffer.createObject({ name, value, context }, { idempotencyKey: `import-row-${row}` });
 */
export interface CreateRequestOptions extends RequestOptions {
  /** Sent as `Idempotency-Key` on every attempt; a random UUID when absent. */
  idempotencyKey?: string;
}

/**
 * `GET /vault/v1/kv`.
 *
 * @example
 * const page = await listObjects(transport, { limit: 100 });
 */
export async function listObjects(
  transport: HttpTransport,
  filters: ListObjectsOptions = {},
  options: RequestOptions = {},
): Promise<ObjectList> {
  const response = await transport.request({
    ...options,
    method: 'GET',
    path: '/vault/v1/kv',
    query: listQuery(filters),
    idempotent: true,
  });
  const body = new WireReader(response);
  const metadata = body.object('list_metadata');
  return {
    data: body.array('data').map((item) => ({
      id: item.string('id'),
      name: item.string('name'),
      updatedAt: item.nullableDate('updated_at'),
    })),
    listMetadata: { before: metadata.nullableString('before'), after: metadata.nullableString('after') },
  };
}

/**
 * `POST /vault/v1/kv` with an `Idempotency-Key`, so that a retry of a create that succeeded
 * returns the first result instead of a name conflict.
 *
 * @example
 * const context = { app: 'billing' };
 * const metadata = await createObject(transport, { name: 'db-password', value: 'hunter2', context });
 */
export async function createObject(
  transport: HttpTransport,
  object: CreateObjectOptions,
  options: CreateRequestOptions = {},
): Promise<ObjectMetadata> {
  const response = await transport.request({
    ...options,
    method: 'POST',
    path: '/vault/v1/kv',
    body: { name: object.name, value: object.value, key_context: object.context },
    idempotent: false,
    idempotencyKey: options.idempotencyKey ?? randomUUID(),
  });
  return readMetadata(new WireReader(response));
}

/**
 * `GET /vault/v1/kv/{id}`.
 *
 * @example
 * const { value } = await readObject(transport, id);
 */
export async function readObject(
  transport: HttpTransport,
  id: string,
  options: RequestOptions = {},
): Promise<VaultObject> {
  return readFullObject(transport, `/vault/v1/kv/${encodeURIComponent(id)}`, options);
}

/**
 * `GET /vault/v1/kv/name/{name}`.
 *
 * @example
 * const { value } = await readObjectByName(transport, 'db-password');
 */
export async function readObjectByName(
  transport: HttpTransport,
  name: string,
  options: RequestOptions = {},
): Promise<VaultObject> {
  return readFullObject(transport, `/vault/v1/kv/name/${encodeURIComponent(name)}`, options);
}

/**
 * `GET /vault/v1/kv/{id}/metadata`.
 *
 * @example
 * const { metadata } = await describeObject(transport, id);
 */
export async function describeObject(
  transport: HttpTransport,
  id: string,
  options: RequestOptions = {},
): Promise<ObjectWithoutValue> {
  const response = await transport.request({
    ...options,
    method: 'GET',
    path: `/vault/v1/kv/${encodeURIComponent(id)}/metadata`,
    idempotent: true,
  });
  return readWithoutValue(new WireReader(response));
}

/**
 * `PUT /vault/v1/kv/{id}`. Not retried: without a version check a repeat would add a second
 * version, and with one a repeat of an update that succeeded would fail with a conflict.
 *
 * @example
 * await updateObject(transport, { id, value: 'new', versionCheck: metadata.versionId });
 */
export async function updateObject(
  transport: HttpTransport,
  update: UpdateObjectOptions,
  options: RequestOptions = {},
): Promise<ObjectWithoutValue> {
  const response = await transport.request({
    ...options,
    method: 'PUT',
    path: `/vault/v1/kv/${encodeURIComponent(update.id)}`,
    body: { value: update.value, version_check: update.versionCheck ?? null },
    idempotent: false,
  });
  return readWithoutValue(new WireReader(response));
}

/**
 * `DELETE /vault/v1/kv/{id}`. Not retried: a repeat of a delete that succeeded would fail with not found.
 *
 * @example
 * await deleteObject(transport, { id });
 */
export async function deleteObject(
  transport: HttpTransport,
  target: DeleteObjectOptions,
  options: RequestOptions = {},
): Promise<DeleteObjectResult> {
  const query = new URLSearchParams();
  if (target.versionCheck !== undefined) {
    query.set('version_check', target.versionCheck);
  }
  const response = await transport.request({
    ...options,
    method: 'DELETE',
    path: `/vault/v1/kv/${encodeURIComponent(target.id)}`,
    query,
    idempotent: false,
  });
  const body = new WireReader(response);
  return { name: body.string('name'), success: body.boolean('success') };
}

/**
 * `GET /vault/v1/kv/{id}/versions`.
 *
 * @example
 * const versions = await listObjectVersions(transport, id);
 */
export async function listObjectVersions(
  transport: HttpTransport,
  id: string,
  options: RequestOptions = {},
): Promise<ObjectVersion[]> {
  const response = await transport.request({
    ...options,
    method: 'GET',
    path: `/vault/v1/kv/${encodeURIComponent(id)}/versions`,
    idempotent: true,
  });
  return new WireReader(response).array('data').map((version) => ({
    id: version.string('id'),
    createdAt: version.date('created_at'),
    currentVersion: version.boolean('current_version'),
    size: version.number('size'),
    etag: version.string('etag'),
  }));
}

async function readFullObject(transport: HttpTransport, path: string, options: RequestOptions): Promise<VaultObject> {
  const response = await transport.request({ ...options, method: 'GET', path, idempotent: true });
  const body = new WireReader(response);
  return { ...readWithoutValue(body), value: body.string('value') };
}

function readWithoutValue(body: WireReader): ObjectWithoutValue {
  return { id: body.string('id'), name: body.string('name'), metadata: readMetadata(body.object('metadata')) };
}

function readMetadata(body: WireReader): ObjectMetadata {
  const actor = body.object('updated_by');
  return {
    id: body.string('id'),
    environmentId: body.string('environment_id'),
    keyId: body.string('key_id'),
    context: body.context('context'),
    updatedAt: body.date('updated_at'),
    updatedBy: { id: actor.string('id'), name: actor.string('name') },
    versionId: body.string('version_id'),
  };
}

function listQuery(filters: ListObjectsOptions): URLSearchParams {
  const query = new URLSearchParams();
  if (filters.limit !== undefined) {
    query.set('limit', String(filters.limit));
  }
  for (const name of ['before', 'after', 'order', 'search'] as const) {
    const value = filters[name];
    if (value !== undefined) {
      query.set(name, value);
    }
  }
  if (filters.updatedAfter !== undefined) {
    query.set('updated_after', filters.updatedAfter.toISOString());
  }
  return query;
}
