import type {
  ApiKeyRecord,
  EnvironmentRecord,
  EventListQuery,
  EventRecord,
  IdempotencyRecord,
  KekRecord,
  KekVersionRecord,
  KekWithVersion,
  ObjectListQuery,
  ObjectRecord,
  ObjectVersionRecord,
  StoredObject,
} from './records.js';

/** Result of `insertKek`: the KEK that now exists for the context pair, and whether this call made it. */
export interface InsertKekResult extends KekWithVersion {
  created: boolean;
}

/**
 * Everything the services need from a database, and nothing more. SQLite and PostgreSQL
 * implement it and pass the same test suite. Methods that change several rows run them in one
 * transaction; no driver type appears here.
 */
export interface Storage {
  readonly backend: 'sqlite' | 'postgres';

  getMeta(name: string): Promise<string | undefined>;
  /** Stores `value` under `name` unless a value is already there; returns the stored value. */
  insertMetaIfAbsent(name: string, value: string): Promise<string>;

  findEnvironmentByName(name: string): Promise<EnvironmentRecord | undefined>;
  findEnvironmentById(id: string): Promise<EnvironmentRecord | undefined>;
  /** Inserts the environment unless one with its name exists; returns the one that exists. */
  insertEnvironment(environment: EnvironmentRecord): Promise<EnvironmentRecord>;
  listEnvironments(): Promise<EnvironmentRecord[]>;

  insertApiKey(apiKey: ApiKeyRecord): Promise<void>;
  findApiKeyByHash(secretHash: Buffer): Promise<ApiKeyRecord | undefined>;
  findApiKeyById(id: string): Promise<ApiKeyRecord | undefined>;
  countApiKeys(): Promise<number>;
  listApiKeys(): Promise<ApiKeyRecord[]>;
  /** Marks the key revoked; returns false when no unrevoked key has that id. */
  revokeApiKey(id: string, revokedAt: number): Promise<boolean>;

  /** The KEK of a context pair with its current version. */
  findKekByContext(
    environmentId: string,
    contextKey: string,
    contextValue: string,
  ): Promise<KekWithVersion | undefined>;
  findKekVersion(kekId: string, version: number): Promise<KekWithVersion | undefined>;
  /**
   * Inserts a KEK and its first version unless the context pair already has a KEK. The unique
   * constraint on (environment, context key, context value) decides a race between processes;
   * the loser gets the winner's KEK with `created: false`. `events` are written in the same
   * transaction, and only when this call created the KEK.
   */
  insertKek(kek: KekRecord, version: KekVersionRecord, events: readonly EventRecord[]): Promise<InsertKekResult>;

  /**
   * Inserts an object with its first version and events in one transaction. With an
   * idempotency record, the record is claimed first in the same transaction. When another
   * request already claimed that key, nothing is written and the existing record is returned.
   */
  insertObject(insert: ObjectInsert): Promise<InsertObjectResult>;
  findObjectById(environmentId: string, id: string): Promise<StoredObject | undefined>;
  findObjectByName(environmentId: string, name: string): Promise<StoredObject | undefined>;
  /**
   * Makes `version` the object's current version when `versionCheck` is undefined or equals the
   * current version id, all in one transaction with the events.
   */
  updateObject(update: ObjectUpdate): Promise<WriteObjectResult>;
  /**
   * Deletes an object and every version when `versionCheck` is undefined or matches, with the
   * events that `eventsFor` builds from the deleted object's name.
   */
  deleteObject(
    environmentId: string,
    id: string,
    versionCheck: string | undefined,
    eventsFor: (name: string) => readonly EventRecord[],
  ): Promise<DeleteObjectResult>;
  /**
   * Lists up to `limit` objects in the query's order. `hasMore` is true when more exist beyond
   * the last one (beyond the first one for a `before` query).
   */
  listObjects(query: ObjectListQuery): Promise<{ objects: ObjectRecord[]; hasMore: boolean }>;
  /** Every version of an object, newest first, or undefined when the object does not exist. */
  listObjectVersions(
    environmentId: string,
    id: string,
  ): Promise<{ object: ObjectRecord; versions: ObjectVersionRecord[] } | undefined>;
  findIdempotencyRecord(apiKeyId: string, idempotencyKey: string): Promise<IdempotencyRecord | undefined>;
  /** Deletes idempotency records created before `createdBefore`; returns how many went. */
  deleteIdempotencyRecords(createdBefore: number): Promise<number>;

  /**
   * Deletes up to `limit` events created before `createdBefore` (microseconds, compared to the
   * millisecond through the time-ordered event ids). Returns how many went, so that callers can
   * repeat until none are left without holding one long lock.
   */
  deleteEventsBefore(createdBefore: number, limit: number): Promise<number>;

  /**
   * Lists events in id order; `hasMore` is true when more exist beyond the last one (beyond the
   * first one for a `before` query).
   */
  listEvents(query: EventListQuery): Promise<{ events: EventRecord[]; hasMore: boolean }>;

  /**
   * Resolves false while the database cannot serve requests, for the readiness check. Backends
   * that live in this process (SQLite) leave it out and count as available.
   */
  isAvailable?(): Promise<boolean>;

  /** Appends events in one transaction. */
  appendEvents(events: readonly EventRecord[]): Promise<void>;

  /**
   * Calls `listener` when another process may have changed state that callers cache, so that
   * they can drop it. Backends without a notification channel leave this out, and callers then
   * rely on their cache time limits alone. Returns a function that unsubscribes.
   */
  onInvalidate?(listener: (scope: InvalidationScope) => void): () => void;

  close(): Promise<void>;
}

/**
 * Scope of an invalidation: `api_keys` after a key was created or revoked, or `all` when
 * notifications may have been missed (the listening connection was down) and every cache
 * should be dropped.
 */
export type InvalidationScope = 'api_keys' | 'all';

export interface ObjectInsert {
  object: ObjectRecord;
  version: ObjectVersionRecord;
  events: readonly EventRecord[];
  idempotency: IdempotencyRecord | undefined;
}

export type InsertObjectResult =
  | { status: 'created' }
  | { status: 'name_taken' }
  | { status: 'idempotency_key_taken'; existing: IdempotencyRecord };

export interface ObjectUpdate {
  environmentId: string;
  objectId: string;
  versionCheck: string | undefined;
  version: ObjectVersionRecord;
  updatedAt: number;
  updatedById: string;
  updatedByName: string;
  events: readonly EventRecord[];
}

export type WriteObjectResult =
  | { status: 'updated'; object: StoredObject }
  | { status: 'not_found' }
  | { status: 'version_mismatch' };

export type DeleteObjectResult =
  | { status: 'deleted'; name: string }
  | { status: 'not_found' }
  | { status: 'version_mismatch' };
