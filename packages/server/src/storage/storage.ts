import type {
  ApiKeyRecord,
  EnvironmentRecord,
  EventRecord,
  KekRecord,
  KekVersionRecord,
  KekWithVersion,
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
   * the loser gets the winner's KEK with `created: false`.
   */
  insertKek(kek: KekRecord, version: KekVersionRecord): Promise<InsertKekResult>;

  /** Appends events in one transaction. */
  appendEvents(events: readonly EventRecord[]): Promise<void>;

  close(): Promise<void>;
}
