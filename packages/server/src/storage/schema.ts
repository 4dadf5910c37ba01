/** Table types for Kysely. Column names are the SQL names; times are microseconds since the epoch. */
export interface Database {
  coffer_meta: MetaTable;
  environments: EnvironmentsTable;
  api_keys: ApiKeysTable;
  keks: KeksTable;
  kek_versions: KekVersionsTable;
  events: EventsTable;
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
