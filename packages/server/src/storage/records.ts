/** Rows as the services see them. Times are microseconds since the Unix epoch. */

export interface EnvironmentRecord {
  id: string;
  name: string;
  createdAt: number;
}

export interface ApiKeyRecord {
  id: string;
  environmentId: string;
  name: string;
  /** SHA-256 of the secret; the secret itself is never stored. */
  secretHash: Buffer;
  /** The last four characters of the secret, so people can tell keys apart in a listing. */
  secretHint: string;
  createdAt: number;
  revokedAt: number | null;
}

export type KekState = 'active' | 'destroyed';

export interface KekRecord {
  id: string;
  environmentId: string;
  contextKey: string;
  contextValue: string;
  state: KekState;
  currentVersion: number;
  createdAt: number;
}

export interface KekVersionRecord {
  kekId: string;
  version: number;
  /** KEK material wrapped by the root key provider named in `provider`. */
  wrappedMaterial: Buffer;
  provider: string;
  createdAt: number;
}

/** A KEK with one of its versions. */
export interface KekWithVersion {
  kek: KekRecord;
  version: KekVersionRecord;
}

/** Filters and page of `GET /events`. */
export interface EventListQuery {
  environmentId: string;
  /** Event names to return; all when empty. */
  events: string[];
  organizationId: string | undefined;
  /** Inclusive lower and exclusive upper bound of `createdAt`, in microseconds. */
  rangeStart: number | undefined;
  rangeEnd: number | undefined;
  /** Event ids to page from; ids are time-ordered (ULIDs). */
  after: string | undefined;
  before: string | undefined;
  limit: number;
  order: 'asc' | 'desc';
}

export interface EventRecord {
  id: string;
  environmentId: string;
  event: string;
  /** The `organization_id` of the key context, when it has one, for filtering. */
  organizationId: string | null;
  /** The event's `data` object as JSON text. */
  data: string;
  createdAt: number;
}

export interface ObjectRecord {
  id: string;
  environmentId: string;
  name: string;
  /** Key context pairs in the order the creator gave them. */
  context: Array<[string, string]>;
  currentVersionId: string;
  createdAt: number;
  updatedAt: number;
  updatedById: string;
  updatedByName: string;
}

export interface ObjectVersionRecord {
  id: string;
  objectId: string;
  dataKeyId: string;
  /** The version's data key, wrapped under the KEKs of the object's context. */
  encryptedKeys: Buffer;
  /** nonce (12) | AES-256-GCM ciphertext | tag (16) of the value. */
  ciphertext: Buffer;
  /** Length of the value in UTF-8 bytes. */
  size: number;
  /** Hex SHA-256 of `ciphertext`, so it reveals nothing about the value. */
  etag: string;
  createdAt: number;
}

/** An object with its current version. */
export interface StoredObject {
  object: ObjectRecord;
  version: ObjectVersionRecord;
}

/** A stored response to a create request, replayed for a repeated Idempotency-Key. */
export interface IdempotencyRecord {
  apiKeyId: string;
  idempotencyKey: string;
  /** HMAC of the request, to tell a true repeat from a different request with a reused key. */
  requestHash: Buffer;
  responseStatus: number;
  responseBody: string;
  createdAt: number;
}

/** Sort position of an object in listings: creation time, then id. */
export interface ObjectCursor {
  createdAt: number;
  id: string;
}

export interface ObjectListQuery {
  environmentId: string;
  /** Rows to return; the storage returns one more when more exist. */
  limit: number;
  order: 'asc' | 'desc';
  after: ObjectCursor | undefined;
  before: ObjectCursor | undefined;
  /** Case-sensitive substring of the name. */
  search: string | undefined;
  /** Only objects whose `updatedAt` is later than this, in microseconds. */
  updatedAfter: number | undefined;
}
