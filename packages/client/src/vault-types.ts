/**
 * A key context: string keys to string values, at most 10 pairs. Each pair selects one
 * key-encrypting key (KEK) on the server, so the same pairs in any order select the same KEKs.
 *
 * @example
 * const context: KeyContext = { organization_id: 'org_123' };
 */
export type KeyContext = Record<string, string>;

/**
 * A new data key and its wrapped form, from `createDataKey` or `rekeyDataKey`.
 *
 * @example
 * const { dataKey, encryptedKeys } = await coffer.createDataKey({ context: { organization_id: 'org_123' } });
 */
export interface DataKeyPair {
  /** Identifier of the data key; rekeying keeps it. */
  id: string;
  /**
   * The 32-byte AES-256 key in a Buffer that the caller owns. It is a Buffer, never a string,
   * so that the caller can zero it with `dataKey.fill(0)` when done.
   */
  dataKey: Buffer;
  /** The data key wrapped under each KEK of the context, as standard base64. Store it with the data. */
  encryptedKeys: string;
  /** The context as the server echoed it. */
  context: KeyContext;
}

/**
 * A data key recovered from its `encryptedKeys` blob by `decryptDataKey`.
 *
 * @example
 * const { dataKey } = await coffer.decryptDataKey({ keys: encryptedKeys });
 */
export interface DecryptedDataKey {
  id: string;
  /** The 32-byte AES-256 key, owned by the caller, who should zero it when done. */
  dataKey: Buffer;
}

/**
 * The API key that last changed an object.
 *
 * @example
 * console.log(`last changed by ${metadata.updatedBy.name} (${metadata.updatedBy.id})`);
 */
export interface ObjectActor {
  id: string;
  name: string;
}

/**
 * The server's record of an object's current version.
 *
 * @example
 * const { versionId } = (await coffer.describeObject({ id })).metadata;
 */
export interface ObjectMetadata {
  /** The object id. */
  id: string;
  environmentId: string;
  /** Id of the data key that encrypts the current version. */
  keyId: string;
  context: KeyContext;
  updatedAt: Date;
  updatedBy: ObjectActor;
  /** Id of the current version; pass it as `versionCheck` to update or delete only that version. */
  versionId: string;
}

/**
 * A stored object with its decrypted value, from `readObject` or `readObjectByName`.
 *
 * @example
 * const { value } = await coffer.readObjectByName('db-password');
 */
export interface VaultObject {
  id: string;
  name: string;
  value: string;
  metadata: ObjectMetadata;
}

/**
 * An object without its value, from `describeObject` and `updateObject`.
 *
 * @example
 * const { name, metadata } = await coffer.describeObject({ id });
 */
export interface ObjectWithoutValue {
  id: string;
  name: string;
  metadata: ObjectMetadata;
}

/**
 * One entry of an object listing.
 *
 * @example
 * for await (const summary of coffer.listAllObjects()) console.log(summary.name);
 */
export interface ObjectSummary {
  id: string;
  name: string;
  /** When the object last changed; null when the response has no time. */
  updatedAt: Date | null;
}

/**
 * One stored version of an object, from `listObjectVersions`.
 *
 * @example
 * const current = (await coffer.listObjectVersions({ id })).find((version) => version.currentVersion);
 */
export interface ObjectVersion {
  id: string;
  createdAt: Date;
  currentVersion: boolean;
  /** Stored length of this version, in bytes. */
  size: number;
  /** A hash of the stored bytes. */
  etag: string;
}

/**
 * Cursors of a listing page: pass `after` back as `after` to get the next page. Both are null
 * on the last page.
 *
 * @example
 * const { after } = (await coffer.listObjects()).listMetadata;
 */
export interface ListMetadata {
  before: string | null;
  after: string | null;
}

/**
 * One page of objects, from `listObjects`.
 *
 * @example
 * const page = await coffer.listObjects({ limit: 50 });
 * const after = page.listMetadata.after;
 * const next = after === null ? undefined : await coffer.listObjects({ limit: 50, after });
 */
export interface ObjectList {
  data: ObjectSummary[];
  listMetadata: ListMetadata;
}

/**
 * Filters and paging of `listObjects` and `listAllObjects`.
 *
 * @example
 * await coffer.listObjects({ search: 'stripe', limit: 100, order: 'asc' });
 */
export interface ListObjectsOptions {
  /** Objects per page, 1 to 100; the server's default is 10. */
  limit?: number;
  /** Cursor from `listMetadata.before`: return the page before it. */
  before?: string;
  /** Cursor from `listMetadata.after`: return the page after it. */
  after?: string;
  /** Creation-time order; the server's default is `desc`, newest first. */
  order?: 'asc' | 'desc';
  /** Case-sensitive substring that names must contain. */
  search?: string;
  /** Only objects updated later than this time. */
  updatedAfter?: Date;
}

/**
 * The new object of `createObject`.
 *
 * @example
 * await coffer.createObject({ name: 'db-password', value: 'hunter2', context: { app: 'billing' } });
 */
export interface CreateObjectOptions {
  /** 1 to 200 characters, unique among the environment's live objects. */
  name: string;
  value: string;
  /** Selects the KEKs that wrap every version's data key; it never changes after creation. */
  context: KeyContext;
}

/**
 * The change of `updateObject`.
 *
 * @example
 * await coffer.updateObject({ id, value: 'new secret', versionCheck: metadata.versionId });
 */
export interface UpdateObjectOptions {
  id: string;
  value: string;
  /** Update only when this is still the current `versionId`; otherwise the call fails with a conflict. */
  versionCheck?: string;
}

/**
 * The object that `deleteObject` deletes.
 *
 * @example
 * await coffer.deleteObject({ id, versionCheck: metadata.versionId });
 */
export interface DeleteObjectOptions {
  id: string;
  /** Delete only when this is still the current `versionId`; otherwise the call fails with a conflict. */
  versionCheck?: string;
}

/**
 * The server's response to a delete.
 *
 * @example
 * const { name } = await coffer.deleteObject({ id });
 */
export interface DeleteObjectResult {
  name: string;
  success: boolean;
}
