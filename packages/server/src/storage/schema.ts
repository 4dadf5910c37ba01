/** Table types for Kysely. Column names are the SQL names; times are microseconds since the epoch. */
export interface Database {
  coffer_meta: MetaTable;
  environments: EnvironmentsTable;
  api_keys: ApiKeysTable;
  keks: KeksTable;
  kek_versions: KekVersionsTable;
  events: EventsTable;
  objects: ObjectsTable;
  object_versions: ObjectVersionsTable;
  idempotency_keys: IdempotencyKeysTable;
}

export interface MetaTable {
  name: string;
  value: string;
}

export interface EnvironmentsTable {
  id: string;
  name: string;
  created_at: number;
}

export interface ApiKeysTable {
  id: string;
  environment_id: string;
  name: string;
  secret_hash: Buffer;
  secret_hint: string;
  created_at: number;
  revoked_at: number | null;
}

export interface KeksTable {
  id: string;
  environment_id: string;
  context_key: string;
  context_value: string;
  state: string;
  current_version: number;
  created_at: number;
}

export interface KekVersionsTable {
  kek_id: string;
  version: number;
  wrapped_material: Buffer;
  provider: string;
  created_at: number;
}

export interface EventsTable {
  id: string;
  environment_id: string;
  event: string;
  organization_id: string | null;
  data: string;
  created_at: number;
}

export interface ObjectsTable {
  id: string;
  environment_id: string;
  name: string;
  /** The key context as JSON: an array of [key, value] pairs in the order the creator gave them. */
  context: string;
  current_version_id: string;
  created_at: number;
  updated_at: number;
  updated_by_id: string;
  updated_by_name: string;
}

export interface ObjectVersionsTable {
  id: string;
  object_id: string;
  data_key_id: string;
  encrypted_keys: Buffer;
  /** nonce (12) | AES-256-GCM ciphertext | tag (16). */
  ciphertext: Buffer;
  size: number;
  etag: string;
  created_at: number;
}

export interface IdempotencyKeysTable {
  api_key_id: string;
  idempotency_key: string;
  request_hash: Buffer;
  response_status: number;
  response_body: string;
  created_at: number;
}
